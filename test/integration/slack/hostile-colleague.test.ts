import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { clocksOf } from "../../../src/db/queries/sla-clocks.js";
import { type IncidentRow, outbox } from "../../../src/db/schema/index.js";
import { CARD_ACTION, ESCALATION_ACTION, FLOOR_ACTION, PLAYBOOK_ACTION } from "../../../src/messages/ids.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, commandReply, submitView } from "../../helpers/interact.js";
import { buttonClick, formValue } from "../../helpers/slack-payloads.js";

/**
 * A workspace member who is curious, careless or malicious: each finding reproduced with
 * signed requests through the real receiver, and shown to change nothing.
 */

const { text, choice } = formValue;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    sla: `
sla:
  P1: { respond: 2s, update_every: 1h, resolve: 4h, hours: always, repeat: 1h }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: always, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: always, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: always, repeat: 1d }
`,
    editPolicy: (yaml) =>
      yaml.replace(
        "    label: Service failure\n",
        "    label: Service failure\n    playbook:\n      - step: Check the carrier status page\n      - step: Page the on-call engineer\n",
      ),
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

function click(incident: IncidentRow, actionId: string, user: string, value: string = incident.id) {
  return clickButton(h, { channel: incident.channelId!, ts: incident.summaryTs!, actionId, value }, user);
}

/**
 * What a refusal must leave untouched: the incident's record, its log and what was posted. It
 * is read once the incident's earlier posts have landed (their delivery is logged as it lands).
 */
async function snapshot(incident: IncidentRow) {
  await eventually("the incident's posts to land", async () => {
    const rows = await deps().db.select().from(outbox).where(eq(outbox.incidentId, incident.id));
    return rows.every((r) => r.status !== "pending");
  });
  const { status, priority, major, impact, urgency, ownerId, escalationLevel, version, type } =
    await loadIncident(deps(), incident.id);
  const log = await listLog(deps().db, incident.id);
  const posts = await deps()
    .db.select({ id: outbox.id })
    .from(outbox)
    .where(eq(outbox.incidentId, incident.id));
  return {
    row: { status, priority, major, impact, urgency, ownerId, escalationLevel, version, type },
    log: log.length,
    posts: posts.length,
  };
}

async function closedIncident(overrides: Parameters<typeof readyIncident>[1] = {}) {
  const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium", ...overrides });
  await changeStatus(deps(), {
    incidentId: incident.id,
    actor: USERS.lead,
    action: "resolve",
    resolution: { summary: "Fixed", closeCode: "fixed" },
  });
  const closed = await changeStatus(deps(), { incidentId: incident.id, actor: USERS.lead, action: "close" });
  expect(closed.ok).toBe(true);
  return loadIncident(deps(), incident.id);
}

const recategorise = {
  impact: choice("high"),
  urgency: choice("high"),
  priority: choice("matrix"),
  type: choice("service_failure"),
  reason: text("Make it look worse"),
};

describe("caller reference visible to anyone (finding 1)", () => {
  it("keeps it off the pinned card; /incident show in the channel shows it only to whom may see it, logged", async () => {
    const incident = await readyIncident(deps(), {
      impact: "medium",
      urgency: "medium",
      callerReference: "ACC-DOOR-4411",
    });
    const card = h.slack.messagesIn(incident.channelId!).find((m) => m.ts === incident.summaryTs);
    expect(JSON.stringify(card)).not.toContain("ACC-DOOR-4411");
    const stranger = await commandReply(h, "show", { channel: incident.channelId!, user: USERS.other });
    expect(stranger).not.toContain("ACC-DOOR-4411");
    expect((await listLog(deps().db, incident.id)).some((e) => e.kind === "personal_data_viewed")).toBe(
      false,
    );
    const lead = await commandReply(h, "show", { channel: incident.channelId!, user: USERS.lead });
    expect(lead).toContain("ACC-DOOR-4411");
    const viewed = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "personal_data_viewed");
    expect(viewed.map((e) => e.actor)).toEqual([USERS.lead]);
  });
});

describe("one unescaped output (finding 7)", () => {
  it("escapes the affected queue in the Record impact confirmation", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    const form = await click(incident, FLOOR_ACTION.recordImpact, USERS.other);
    const answer = await submitView(
      h,
      form.view!,
      {
        impact_calls_queued: { value: { type: "number_input", value: "12" } },
        impact_affected_queue: text("<!channel> <https://evil.example|Billing>"),
      },
      USERS.other,
    );
    expect(answer).toEqual({});
    const confirmation = await h.slack.waitFor(() =>
      h.slack
        .callsTo("chat.postEphemeral")
        .find((c) => String(c.args.text).includes("Impact recorded") && c.args.user === USERS.other),
    );
    const shown = String(confirmation.args.text);
    expect(shown).not.toContain("<!channel>");
    expect(shown).not.toContain("<https://evil");
    expect(shown).toContain("&lt;!channel&gt;");
  });
});

describe("closed incidents can be changed (finding 2)", () => {
  it("refuses a re-categorise form opened before closure and submitted after, changing nothing", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    const form = await click(incident, CARD_ACTION.recategorise, USERS.other);
    await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.lead,
      action: "resolve",
      resolution: { summary: "Fixed", closeCode: "fixed" },
    });
    await changeStatus(deps(), { incidentId: incident.id, actor: USERS.lead, action: "close" });
    const before = await snapshot(incident);
    const answer = await submitView(h, form.view!, recategorise, USERS.other);
    expect(answer.response_action).toBe("errors");
    expect(Object.values(answer.errors ?? {}).join(" ")).toMatch(/is closed/);
    expect(await snapshot(incident)).toEqual(before);
  });

  it("opens no form from a closed incident's card buttons", async () => {
    const incident = await closedIncident();
    const views = h.slack.views.length;
    for (const action of [
      CARD_ACTION.recategorise,
      CARD_ACTION.update,
      CARD_ACTION.hold,
      CARD_ACTION.resolve,
    ]) {
      const answer = await click(incident, action, USERS.other);
      expect(answer.view, action).toBeUndefined();
      expect(answer.text).toMatch(/closed|Closed/);
    }
    expect(h.slack.views.length).toBe(views);
  });

  it("refuses notes, ownership, and escalation on a closed incident, in the service layer", async () => {
    const incident = await closedIncident();
    const before = await snapshot(incident);
    for (const command of ["note Changed my mind", "assign <@U0OTHER>", "escalate Still broken"]) {
      const reply = await commandReply(h, command, { channel: incident.channelId!, user: USERS.lead });
      expect(reply, command).toMatch(/is closed/);
    }
    expect((await click(incident, CARD_ACTION.takeOwnership, USERS.other)).text).toMatch(/is closed/);
    expect(await snapshot(incident)).toEqual(before);
  });
});

describe("anyone can clear the major flag (finding 3)", () => {
  it("refuses a stranger clearing the flag on a P3, saying who may; a duty manager may", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    const flag = await click(incident, CARD_ACTION.recategorise, USERS.agent);
    const flagged = {
      impact: choice("medium"),
      urgency: choice("medium"),
      priority: choice("matrix"),
      type: choice("service_failure"),
      major: { value: { type: "checkboxes", selected_options: [{ value: "major" }] } },
      reason: text("Board is asking"),
    };
    expect(await submitView(h, flag.view!, flagged, USERS.agent)).toEqual({});
    expect((await loadIncident(deps(), incident.id)).major).toBe(true);
    const cleared = {
      ...flagged,
      major: { value: { type: "checkboxes", selected_options: [] } },
      reason: text("Not major"),
    };
    const before = await snapshot(incident);
    const stranger = await click(incident, CARD_ACTION.recategorise, USERS.other);
    const refused = await submitView(h, stranger.view!, cleared, USERS.other);
    expect(refused.errors?.reason).toMatch(
      /Only a duty manager or head of operations can clear the major flag/,
    );
    expect(await snapshot(incident)).toEqual(before);
    const duty = await click(incident, CARD_ACTION.recategorise, USERS.duty);
    expect(await submitView(h, duty.view!, cleared, USERS.duty)).toEqual({});
    expect((await loadIncident(deps(), incident.id)).major).toBe(false);
  });
});

describe("anyone can page managers, without limit (finding 4)", () => {
  it("refuses a stranger's /incident escalate, from any channel, and DMs nobody", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    const ref = `INC-${String(incident.number).padStart(6, "0")}`;
    const before = await snapshot(incident);
    const reply = await commandReply(h, `escalate ${ref} Let's wake them up`, { user: USERS.other });
    expect(reply).toMatch(
      /Only the owner, the reporter or a team lead, duty manager or head of operations can escalate/,
    );
    expect(await snapshot(incident)).toEqual(before);
  });

  it("climbs a level per escalation by hand, then does not DM the top again within the cooldown", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    const escalate = (why: string) =>
      commandReply(h, `escalate ${why}`, { channel: incident.channelId!, user: USERS.agent });
    expect(await escalate("Callers queueing 20 minutes")).toContain("escalated to level 1");
    expect(await escalate("Queue at 40")).toContain("escalated to level 2");
    expect(await escalate("Queue at 80")).toContain("escalated to level 3");
    // The head of operations is told who heard before: the team lead and the duty manager.
    const toHead = await h.slack.waitFor(() =>
      h.slack
        .callsTo("chat.postMessage")
        .find((c) => c.ok && c.args.channel === USERS.head && JSON.stringify(c.args).includes("Queue at 80")),
    );
    expect(JSON.stringify(toHead.args.blocks)).toMatch(
      /Already told: <@U0LEAD> \(team lead\) <!date\^\d+\^[^>]*>; <@U0DUTY> \(duty manager\)/,
    );
    const before = await snapshot(incident);
    const again = await escalate("Still queueing");
    expect(again).toMatch(/escalated by hand to the head of operations \(<@U0HEAD>\)/);
    expect(again).toMatch(/not messaged again before/);
    expect(await snapshot(incident)).toEqual(before);
  });

  it("refuses escalating a resolved incident", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.lead,
      action: "resolve",
      resolution: { summary: "Fixed", closeCode: "fixed" },
    });
    const reply = await commandReply(h, "escalate Why not", {
      channel: incident.channelId!,
      user: USERS.agent,
    });
    expect(reply).toMatch(/is resolved: there is nothing to escalate/);
  });
});

describe("escalation-DM buttons act for anyone (finding 5)", () => {
  it("lets nobody who was not DMed acknowledge another incident's ladder", async () => {
    const incident = await readyIncident(deps(), { impact: "high", urgency: "high" });
    const respond = (await clocksOf(deps().db, incident.id)).find((c) => c.name === "respond")!;
    // The breach DMs the team lead (the first rung) within seconds.
    await eventually(
      "the breach DM sent",
      async () =>
        (await deps().db.select().from(outbox).where(eq(outbox.incidentId, incident.id))).some(
          (r) => r.purpose === "escalation_dm" && r.status === "sent",
        ),
      { timeoutMs: 15_000 },
    );
    const before = await snapshot(incident);
    const answer = await click(incident, ESCALATION_ACTION.acknowledge, USERS.other, respond.id);
    expect(answer.text).toMatch(/Only the people this escalation of INC-\d+ was sent to/);
    expect(await snapshot(incident)).toEqual(before);
    const lead = await click(incident, ESCALATION_ACTION.acknowledge, USERS.lead, respond.id);
    expect(lead.text).toMatch(/You acknowledged INC-\d+ and now own it/);
  });
});

describe("client-supplied text becomes the record (finding 6)", () => {
  it("logs a playbook tick with the step's words as posted, whatever the button's value says", async () => {
    const incident = await readyIncident(deps(), { impact: "medium", urgency: "medium" });
    await eventually("the checklist posted", async () =>
      (await listLog(deps().db, incident.id)).some((e) => e.kind === "playbook_posted"),
    );
    const forged = JSON.stringify({
      inc: incident.id,
      i: 0,
      s: "FORGED <!channel> <https://evil.example|Click here>",
      done: true,
    });
    // A tick that changes the checklist is answered by its redraw, not by a reply.
    const res = await h.action(
      buttonClick({
        user: USERS.other,
        channel: incident.channelId!,
        messageTs: incident.summaryTs!,
        actionId: PLAYBOOK_ACTION.tick,
        value: forged,
        triggerId: h.slack.issueTrigger({ user: USERS.other }),
        responseUrl: h.slack.responseUrl(),
      }),
    );
    expect(res.status).toBe(200);
    const tick = await eventually("the tick logged", async () =>
      (await listLog(deps().db, incident.id)).find((e) => e.kind === "playbook_step_ticked"),
    );
    expect(tick.details).toMatchObject({ step: 0, text: "Check the carrier status page", done: true });
    expect(JSON.stringify(await listLog(deps().db, incident.id))).not.toContain("FORGED");
  });
});
