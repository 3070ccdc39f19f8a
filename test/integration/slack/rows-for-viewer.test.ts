import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { CARD_ACTION, LIST_ACTION } from "../../../src/messages/ids.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { openHome as openSignedHome } from "../../helpers/interact.js";
import { TEAM } from "../../helpers/slack-payloads.js";

/**
 * `/incident list` and the App Home offer each viewer only a next step they may take: resolving
 * is for the owner and the managers (permissions.resolve), so anyone else gets the way to the
 * incident's channel instead of a Resolve button that answers with a refusal.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

type Block = { type: string; text?: { text: string }; accessory?: Record<string, unknown> };

const rowOf = (blocks: Block[], incident: IncidentRow) =>
  blocks.find((b) => b.type === "section" && b.text?.text.includes(`*${formatReference(incident.number)}*`));

/** An incident the agent acknowledged (so owns) and started: its next move is Resolve. */
async function inProgress(title: string): Promise<IncidentRow> {
  const incident = await readyIncident(deps(), { title });
  for (const action of ["acknowledge", "start"] as const) {
    expect((await changeStatus(deps(), { incidentId: incident.id, actor: USERS.agent, action })).ok).toBe(
      true,
    );
  }
  return loadIncident(deps(), incident.id);
}

async function listRow(user: string, incident: IncidentRow): Promise<Block | undefined> {
  const before = h.slack.responses.length;
  expect((await h.command("list", { user })).status).toBe(200);
  const reply = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
  return rowOf((reply.body as { blocks: Block[] }).blocks, incident);
}

const openHome = (user: string): Promise<FakeView> => openSignedHome(h, user);

const openChannel = (incident: IncidentRow) => ({
  type: "button",
  action_id: LIST_ACTION.open,
  text: { text: "Open channel" },
  url: `https://slack.com/app_redirect?channel=${incident.channelId}`,
});

describe("the next step a row offers", () => {
  it("in /incident list is Resolve for the owner and a team lead, Open channel for anyone else", async () => {
    const incident = await inProgress("Card payments failing at checkout");
    expect((await listRow(USERS.agent, incident))?.accessory).toMatchObject({
      action_id: CARD_ACTION.resolve,
      value: incident.id,
    });
    expect((await listRow(USERS.lead, incident))?.accessory).toMatchObject({
      action_id: CARD_ACTION.resolve,
    });
    const other = (await listRow(USERS.other, incident))?.accessory;
    expect(other).toMatchObject(openChannel(incident));
    expect(JSON.stringify(other)).not.toContain(CARD_ACTION.resolve);
  });

  it("on the App Home is the viewer's own, and the Open channel link there is answered", async () => {
    const incident = await inProgress("IVR drops callers after the menu");
    const owner = rowOf((await openHome(USERS.agent)).view.blocks as Block[], incident);
    expect(owner?.accessory).toMatchObject({ action_id: CARD_ACTION.resolve, value: incident.id });
    const duty = rowOf((await openHome(USERS.duty)).view.blocks as Block[], incident);
    expect(duty?.accessory).toMatchObject({ action_id: CARD_ACTION.resolve });

    const home = await openHome(USERS.other);
    const row = rowOf(home.view.blocks as Block[], incident);
    expect(row?.accessory).toMatchObject(openChannel(incident));
    expect(JSON.stringify(home.view.blocks)).not.toContain(CARD_ACTION.resolve);

    // Slack tells the app about a link button's click too: it is acknowledged, nothing refused.
    const before = h.slack.responses.length;
    const res = await h.action({
      type: "block_actions",
      team: TEAM,
      user: { id: USERS.other, username: "u0other", name: "u0other", team_id: TEAM.id },
      api_app_id: "A0APP",
      token: "legacy-verification-token",
      trigger_id: h.slack.issueTrigger({ user: USERS.other }),
      container: { type: "view", view_id: home.id },
      view: { ...home.view, id: home.id, team_id: TEAM.id, hash: home.hash, state: { values: {} } },
      actions: [
        {
          type: "button",
          action_id: LIST_ACTION.open,
          block_id: "row",
          text: { type: "plain_text", text: "Open channel" },
          action_ts: `${(Date.now() / 1000).toFixed(6)}`,
        },
      ],
      is_enterprise_install: false,
    });
    expect(res.status).toBe(200);
    expect(h.slack.responses.slice(before)).toEqual([]);
    expect((await loadIncident(deps(), incident.id)).status).toBe("in_progress");
  });

  it("offers someone else's acknowledged incident only the way in, not its owner's Start work", async () => {
    const incident = await readyIncident(deps(), { title: "Web chat queue frozen" });
    const acked = await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.agent,
      action: "acknowledge",
    });
    expect(acked.ok).toBe(true);
    const owned = await loadIncident(deps(), incident.id);
    expect((await listRow(USERS.agent, owned))?.accessory).toMatchObject({
      action_id: CARD_ACTION.start,
      value: incident.id,
    });
    expect((await listRow(USERS.lead, owned))?.accessory).toMatchObject({ action_id: CARD_ACTION.start });
    const other = (await listRow(USERS.other, owned))?.accessory;
    expect(other).toMatchObject(openChannel(owned));
    const home = await openHome(USERS.other);
    expect(rowOf(home.view.blocks as Block[], owned)?.accessory).toMatchObject(openChannel(owned));
  });

  it("stays Acknowledge for everyone on an open incident: keeping it moving is anyone's job", async () => {
    const incident = await readyIncident(deps(), { title: "Password reset emails delayed" });
    expect((await listRow(USERS.other, incident))?.accessory).toMatchObject({
      action_id: CARD_ACTION.acknowledge,
      value: incident.id,
    });
  });
});
