import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerTotal, insertCallerReport } from "../../../src/db/queries/caller-reports.js";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { CARD_ACTION, VIEW } from "../../../src/messages/ids.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply, openHome as openSignedHome } from "../../helpers/interact.js";
import { TEAM } from "../../helpers/slack-payloads.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

/** A P1 (acknowledge within 15 min) logged `minutesAgo` ago: its clocks and deadlines moved back. */
async function p1LoggedAgo(title: string, minutesAgo: number): Promise<IncidentRow> {
  const incident = await readyIncident(deps(), { title, impact: "high", urgency: "high" });
  const shift = sql`${`${Math.round(minutesAgo * 60)} seconds`}::interval`;
  await deps().db.execute(sql`
    update sla_clocks set started_at = started_at - ${shift}, due_at = due_at - ${shift},
      next_step_at = next_step_at - ${shift}
    where incident_id = ${incident.id}`);
  await deps().db.execute(sql`
    update incidents set logged_at = logged_at - ${shift}, respond_due_at = respond_due_at - ${shift},
      next_update_due_at = next_update_due_at - ${shift}, resolve_due_at = resolve_due_at - ${shift}
    where id = ${incident.id}`);
  return loadIncident(deps(), incident.id);
}

type Block = { type: string; text?: { text: string }; accessory?: Record<string, unknown> };

/** The section of a list or view that shows this incident (the first, on the Home: "yours"). */
function rowOf(blocks: Block[], reference: string): Block | undefined {
  return blocks.find((b) => b.type === "section" && b.text?.text.includes(`*${reference}*`));
}

const openHome = (user: string): Promise<FakeView> => openSignedHome(h, user);

/** A click on a button of the App Home: no channel and no response_url, as Slack sends it. */
function homeClick(p: { user: string; view: FakeView; actionId: string; value: string; triggerId: string }) {
  return {
    type: "block_actions",
    team: TEAM,
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: TEAM.id },
    api_app_id: "A0APP",
    token: "legacy-verification-token",
    trigger_id: p.triggerId,
    container: { type: "view", view_id: p.view.id },
    view: { ...p.view.view, id: p.view.id, team_id: TEAM.id, hash: p.view.hash, state: { values: {} } },
    actions: [
      {
        type: "button",
        action_id: p.actionId,
        block_id: "row",
        value: p.value,
        text: { type: "plain_text", text: "Acknowledge" },
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
    is_enterprise_install: false,
  };
}

/** A click on a button of an ephemeral message (the `/incident list` reply). */
function ephemeralClick(p: {
  user: string;
  channel: string;
  actionId: string;
  value: string;
  triggerId: string;
  responseUrl: string;
}) {
  return {
    type: "block_actions",
    team: TEAM,
    user: { id: p.user, username: p.user.toLowerCase(), name: p.user.toLowerCase(), team_id: TEAM.id },
    api_app_id: "A0APP",
    token: "legacy-verification-token",
    trigger_id: p.triggerId,
    container: {
      type: "message",
      message_ts: "1700000000.000100",
      channel_id: p.channel,
      is_ephemeral: true,
    },
    channel: { id: p.channel, name: "contact-floor" },
    response_url: p.responseUrl,
    actions: [
      {
        type: "button",
        action_id: p.actionId,
        block_id: "row",
        value: p.value,
        text: { type: "plain_text", text: "Acknowledge" },
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
    is_enterprise_install: false,
  };
}

describe("an incident past its acknowledge deadline", () => {
  it("looks overdue on the App Home, and its Acknowledge button there works", async () => {
    const incident = await p1LoggedAgo("Card payments failing", 17.4);
    const reference = `INC-${String(incident.number).padStart(6, "0")}`;
    const home = await openHome(USERS.agent);
    const row = rowOf(home.view.blocks as Block[], reference);
    expect(row?.text?.text).toContain("🔴 acknowledge overdue by 2 min");
    expect(row?.accessory).toMatchObject({
      type: "button",
      action_id: CARD_ACTION.acknowledge,
      value: incident.id,
      text: { text: "Acknowledge" },
    });
    // Someone else's Home shows it too, in the team's list, with the count of what is overdue.
    const lead = JSON.stringify((await openHome(USERS.lead)).view.blocks);
    expect(lead).toContain("🔴 acknowledge overdue by 2 min");
    expect(lead).toMatch(/🔴 \d+ overdue/);

    const before = h.slack.callsTo("views.publish").length;
    const res = await h.action(
      homeClick({
        user: USERS.agent,
        view: home,
        actionId: CARD_ACTION.acknowledge,
        value: incident.id,
        triggerId: h.slack.issueTrigger({ user: USERS.agent }),
      }),
    );
    expect(res.status).toBe(200);
    await eventually(
      "acknowledged from the Home tab",
      async () => (await loadIncident(deps(), incident.id)).status === "acknowledged",
    );
    // The clicker's Home is redrawn: acknowledged, no longer overdue, and the next move offered.
    const redrawn = await h.slack.waitFor(() => {
      const last = h.slack
        .callsTo("views.publish")
        .slice(before)
        .filter((c) => c.ok && c.args.user_id === USERS.agent)
        .at(-1);
      const blocks = (last?.args.view as { blocks: Block[] } | undefined)?.blocks ?? [];
      const r = rowOf(blocks, reference);
      return r?.text?.text.includes("Acknowledged") ? r : undefined;
    });
    expect(redrawn.text?.text).not.toContain("acknowledge overdue");
    expect(redrawn.accessory).toMatchObject({ action_id: CARD_ACTION.start, value: incident.id });
  });

  it("looks overdue in /incident list, and its Acknowledge button there works", async () => {
    const incident = await p1LoggedAgo("Queue 7 IVR loops", 17.4);
    const reference = `INC-${String(incident.number).padStart(6, "0")}`;
    for (const key of ["list-caller-1", "list-caller-2"]) {
      await insertCallerReport(deps().db, {
        incidentId: incident.id,
        reportChannel: "phone",
        contactedAt: new Date(),
        said: null,
        callback: "no",
        reportedBy: USERS.agent,
        submissionKey: key,
        callerReference: null,
        callbackContact: null,
      });
    }
    const before = h.slack.responses.length;
    await commandReply(h, "list", { user: USERS.lead });
    const reply = h.slack.responses.slice(before)[0]!.body as { blocks: Block[]; text: string };
    const row = rowOf(reply.blocks, reference);
    // MAJOR and the callers, as the card and the Home tab show them.
    expect(row?.text?.text).toContain(`*${reference}* · P1 · MAJOR · Open`);
    expect(row?.text?.text).toContain(`${await callerTotal(deps().db, incident.id)} callers`);
    expect(row?.text?.text).toContain("🔴 acknowledge overdue by 2 min");
    expect(row?.accessory).toMatchObject({ action_id: CARD_ACTION.acknowledge, value: incident.id });
    expect(reply.text).toMatch(/Open incidents \(\d+\): 🔴 \d+ overdue/);

    const responseUrl = h.slack.responseUrl();
    const res = await h.action(
      ephemeralClick({
        user: USERS.lead,
        channel: h.channels.floor,
        actionId: CARD_ACTION.acknowledge,
        value: incident.id,
        triggerId: h.slack.issueTrigger({ user: USERS.lead }),
        responseUrl,
      }),
    );
    expect(res.status).toBe(200);
    const answer = await h.slack.waitFor(() => h.slack.responses.find((r) => r.url === responseUrl));
    expect(answer.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(String(answer.body.text)).toContain("Acknowledged");
    expect((await loadIncident(deps(), incident.id)).status).toBe("acknowledged");
    const after = await commandReply(h, "list", { user: USERS.lead });
    expect(after).not.toContain(`${reference}* · P1 · MAJOR · Open`);
  });
});

describe("an acknowledged incident whose stakeholder update is late", () => {
  it("offers Post update on the App Home, which opens the update form from there", async () => {
    const incident = await p1LoggedAgo("Leeds trunk down", 35.4);
    const reference = `INC-${String(incident.number).padStart(6, "0")}`;
    const acked = await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.duty,
      action: "acknowledge",
    });
    expect(acked.ok).toBe(true);
    const home = await openHome(USERS.duty);
    const row = rowOf(home.view.blocks as Block[], reference);
    expect(row?.text?.text).toContain("🔴 update overdue by 5 min");
    expect(row?.accessory).toMatchObject({ action_id: CARD_ACTION.update, value: incident.id });

    const triggerId = h.slack.issueTrigger({ user: USERS.duty });
    const res = await h.action(
      homeClick({
        user: USERS.duty,
        view: home,
        actionId: CARD_ACTION.update,
        value: incident.id,
        triggerId,
      }),
    );
    expect(res.status).toBe(200);
    const form = await h.slack.waitFor(() => h.slack.views.find((v) => v.triggerId === triggerId));
    expect(form.view.callback_id).toBe(VIEW.update);
    expect(form.view.private_metadata).toContain(incident.id);
  });
});
