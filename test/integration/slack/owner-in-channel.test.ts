import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { type IncidentRow, incidents } from "../../../src/db/schema/index.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply } from "../../helpers/interact.js";
import { logFormState, validLogForm, viewSubmission } from "../../helpers/slack-payloads.js";

/**
 * A public incident channel (the default `incident_channels`): Slack notifies only members, so
 * each owner is brought in by the bot, once, as in a private one.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

async function logThroughSlack(): Promise<IncidentRow> {
  const before = h.slack.views.length;
  await h.command("", { user: USERS.agent });
  const opened = await h.slack.waitFor(() =>
    h.slack.views.slice(before).find((v) => v.type === "modal" && v.user === USERS.agent),
  );
  const res = await h.action(
    viewSubmission({ user: USERS.agent, opened, state: logFormState(validLogForm({})) }),
  );
  expect(res.status).toBe(200);
  const ack = (await res.json()) as { view: { blocks: unknown[] } };
  const number = Number(JSON.stringify(ack.view.blocks).match(/INC-(\d+)/)![1]);
  const [row] = await deps().db.select().from(incidents).where(eq(incidents.number, number));
  await setupCompleted(deps(), row!.id);
  return loadIncident(deps(), row!.id);
}

const invitesOf = (channel: string, user: string) =>
  h.slack
    .callsTo("conversations.invite")
    .filter((c) => c.args.channel === channel && String(c.args.users) === user);

/** Waits until the card shows the incident's latest change (its refresh, and the invite with it, ran). */
async function cardCaughtUp(incidentId: string): Promise<void> {
  await eventually("card redrawn", async () => {
    const [row] = await deps().db.select().from(incidents).where(eq(incidents.id, incidentId));
    return row && row.cardVersion !== null && row.cardVersion >= row.version ? true : null;
  });
}

describe("the owner of an incident with a public channel", () => {
  it("is invited to the channel, each new owner once, and one who left is not pulled back", async () => {
    const incident = await logThroughSlack();
    const channel = incident.channelId!;
    expect(h.slack.channels.get(channel)!.is_private).toBe(false);
    expect(h.slack.channels.get(channel)!.members.has(USERS.lead)).toBe(false);

    expect(await commandReply(h, `assign <@${USERS.lead}|lead>`, { channel })).toContain("now owns");
    await h.slack.waitFor(() => h.slack.channels.get(channel)!.members.has(USERS.lead));

    // More changes redraw the card; the owner, already invited, is not invited again.
    expect(await commandReply(h, "note Carrier engineer on site", { channel })).toContain("Note");
    await cardCaughtUp(incident.id);
    expect(invitesOf(channel, USERS.lead)).toHaveLength(1);

    // A new owner is brought in too.
    expect(await commandReply(h, `assign <@${USERS.duty}|duty>`, { channel, user: USERS.lead })).toContain(
      "now owns",
    );
    await h.slack.waitFor(() => h.slack.channels.get(channel)!.members.has(USERS.duty));

    // The new owner leaves the channel: later changes leave them out, as they chose.
    h.slack.channels.get(channel)!.members.delete(USERS.duty);
    expect(await commandReply(h, "note Route moved to carrier B", { channel })).toContain("Note");
    await cardCaughtUp(incident.id);
    expect(invitesOf(channel, USERS.duty)).toHaveLength(1);
    expect(h.slack.channels.get(channel)!.members.has(USERS.duty)).toBe(false);

    const invited = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "owner_invited");
    expect(invited.map((e) => e.details)).toEqual([
      { user: USERS.lead, channel },
      { user: USERS.duty, channel },
    ]);
  });

  it("who is already in the channel is recorded as invited, once", async () => {
    const incident = await logThroughSlack();
    const channel = incident.channelId!;
    // The lead joined on their own before being made owner: Slack answers already_in_channel.
    h.slack.channels.get(channel)!.members.add(USERS.lead);
    expect(await commandReply(h, `assign <@${USERS.lead}|lead>`, { channel })).toContain("now owns");
    await cardCaughtUp(incident.id);
    await eventually("owner invite recorded", async () =>
      (await listLog(deps().db, incident.id)).some((e) => e.kind === "owner_invited") ? true : null,
    );
    expect(await commandReply(h, "note Still looking", { channel })).toContain("Note");
    await cardCaughtUp(incident.id);
    expect(invitesOf(channel, USERS.lead).map((c) => c.error)).toEqual(["already_in_channel"]);
    const invited = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "owner_invited");
    expect(invited).toHaveLength(1);
  });
});
