import { readFileSync } from "node:fs";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { type IncidentRow, incidents, outbox } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { CARD_ACTION, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, makeIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, commandReply, submitView } from "../../helpers/interact.js";
import { formValue, logFormState, validLogForm, viewSubmission } from "../../helpers/slack-payloads.js";

/**
 * `incident_channels: private`: the incident channel is created private, and everything done
 * in a public one is done in it, with only the bot scopes slack/manifest.yaml asks for (the
 * fake answers missing_scope to any call they do not cover).
 */

const CALLER = "ACC-5521-QUIET";
const MANIFEST = new URL("../../../slack/manifest.yaml", import.meta.url);
const manifestScopes = (
  parse(readFileSync(MANIFEST, "utf8")) as { oauth_config: { scopes: { bot: string[] } } }
).oauth_config.scopes.bot;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ editPolicy: (yaml) => `${yaml}\nincident_channels: private\n` });
  h.slack.setScopes(manifestScopes);
});
let callsBefore = 0;
beforeEach(() => {
  callsBefore = h.slack.calls.length;
});
afterEach(() => {
  const denied = h.slack.calls.slice(callsBefore).filter((c) => c.error === "missing_scope");
  expect(denied.map((c) => c.method)).toEqual([]);
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const { text, choice } = formValue;

/** Logs an incident through the receiver as the agent; returns it once set up. */
async function logThroughSlack(): Promise<IncidentRow> {
  const before = h.slack.views.length;
  await h.command("", { user: USERS.agent });
  const opened = await h.slack.waitFor(() =>
    h.slack.views.slice(before).find((v) => v.type === "modal" && v.user === USERS.agent),
  );
  const res = await h.action(
    viewSubmission({
      user: USERS.agent,
      opened,
      state: logFormState(validLogForm({ callerReference: CALLER, impact: "medium", urgency: "medium" })),
    }),
  );
  expect(res.status).toBe(200);
  const ack = (await res.json()) as { view: { blocks: unknown[] } };
  const number = Number(JSON.stringify(ack.view.blocks).match(/INC-(\d+)/)![1]);
  const [row] = await deps().db.select().from(incidents).where(eq(incidents.number, number));
  await setupCompleted(deps(), row!.id);
  return loadIncident(deps(), row!.id);
}

function click(incident: IncidentRow, actionId: string, user: string) {
  return clickButton(
    h,
    { channel: incident.channelId!, ts: incident.summaryTs!, actionId, value: incident.id },
    user,
  );
}

/** The sent outbox row for a post of `purpose` to `channel` whose key contains `marker`. */
function sentPost(incident: IncidentRow, purpose: string, channel: string, marker: string) {
  return eventually(`${purpose} ${marker} sent to ${channel}`, async () => {
    const rows = await deps()
      .db.select()
      .from(outbox)
      .where(
        and(eq(outbox.incidentId, incident.id), eq(outbox.purpose, purpose), eq(outbox.channel, channel)),
      );
    return rows.find((r) => r.status === "sent" && r.dedupeKey.includes(marker));
  });
}

const linesIn = (channel: string, words: string) =>
  h.slack.messagesIn(channel).filter((m) => JSON.stringify(m).includes(words));

describe("private incident channels", () => {
  it("creates the channel private with the reporter in it, hidden from others; pins the card; exports there", async () => {
    const incident = await logThroughSlack();
    const channel = h.slack.channels.get(incident.channelId!)!;
    expect(channel.is_private).toBe(true);
    // Form-encoded, as the WebClient sends it.
    expect(String(h.slack.callsTo("conversations.create").at(-1)?.args.is_private)).toBe("true");
    expect([...channel.members].sort()).toEqual([h.slack.botUserId, USERS.agent].sort());
    expect(h.slack.visibleTo(channel.id, USERS.agent)).toBe(true);
    expect(h.slack.visibleTo(channel.id, USERS.other)).toBe(false);
    // Not even a manager, until someone in it invites them.
    expect(h.slack.visibleTo(channel.id, USERS.lead)).toBe(false);

    expect(channel.pins.has(incident.summaryTs!)).toBe(true);
    const card = h.slack.messagesIn(channel.id).find((m) => m.ts === incident.summaryTs);
    expect(JSON.stringify(card?.blocks)).toContain("Show caller details");
    expect(h.slack.messages.filter((m) => JSON.stringify(m).includes(CALLER))).toEqual([]);

    // The export lands in the private channel and names it (conversations.info reads it).
    expect(await commandReply(h, "export", { channel: channel.id })).toContain("Exported the log");
    const markdown = await h.slack.waitFor(
      () => h.slack.files.find((f) => f.channel === channel.id && f.filename.endsWith(".md"))?.content,
    );
    expect(markdown.toString("utf8")).toContain(`Pinned summary card in #${channel.name}`);
  });

  it("is worked there as a public one: lines, notices, a retried post, the reveal, a new owner, resolve and close", async () => {
    const incident = await logThroughSlack();
    const channel = incident.channelId!;
    // The reporter invites a colleague, as any member of a private channel may.
    h.slack.channels.get(channel)!.members.add(USERS.other);

    // The acknowledge line lands but its answer is lost: the retry reads the private
    // channel's history, finds it, and does not post it again.
    h.slack.failNext("chat.postMessage", { status: 500, afterEffect: true, channel });
    expect((await click(incident, CARD_ACTION.acknowledge, USERS.agent)).text).toContain("Acknowledged");
    const line = await sentPost(incident, "channel_line", channel, ":line");
    expect(linesIn(channel, "acknowledged it")).toHaveLength(1);
    expect(linesIn(channel, "acknowledged it")[0]?.ts).toBe(line.ts);
    expect(
      h.slack.callsTo("conversations.history").filter((c) => c.args.channel === channel && c.ok),
    ).not.toHaveLength(0);
    const notice = await sentPost(incident, "milestone", h.channels.stake, ":acknowledged:");
    expect(h.slack.messagesIn(h.channels.stake).some((m) => m.ts === notice.ts)).toBe(true);

    const reveal = (user: string) => click(incident, CARD_ACTION.showCallerDetails, user);
    expect((await reveal(USERS.agent)).text).toContain(CALLER);
    const refused = (await reveal(USERS.other)).text;
    expect(refused).not.toContain(CALLER);
    expect(refused).toMatch(/only the reporter, the owner/);

    // The bot brings a new owner in: outside the channel they could not see the card.
    expect(h.slack.visibleTo(channel, USERS.lead)).toBe(false);
    expect(await commandReply(h, `assign <@${USERS.lead}|lead>`, { channel })).toContain("now owns");
    await h.slack.waitFor(() => h.slack.channels.get(channel)!.members.has(USERS.lead));
    expect(h.slack.visibleTo(channel, USERS.lead)).toBe(true);

    const resolve = await click(incident, CARD_ACTION.resolve, USERS.lead);
    expect(
      await submitView(
        h,
        resolve.view!,
        { resolution_summary: text("Carrier fixed the route"), close_code: choice("fixed") },
        USERS.lead,
      ),
    ).toEqual({});
    await eventually("resolved", async () => (await loadIncident(deps(), incident.id)).status === "resolved");
    expect((await click(incident, CARD_ACTION.close, USERS.lead)).text).toContain("Closed");

    await sentPost(incident, "milestone", h.channels.stake, ":closed:");
    await eventually("resolve and close lines", async () =>
      linesIn(channel, "resolved it").length === 1 && linesIn(channel, "closed it").length === 1
        ? true
        : null,
    );
    const card = await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(channel).find((x) => x.ts === incident.summaryTs);
      return m?.edited && JSON.stringify(m.blocks).includes("Closed") ? m : undefined;
    });
    expect(JSON.stringify(card.blocks)).toContain("Carrier fixed the route");
    expect(h.slack.channels.get(channel)!.is_private).toBe(true);
  });

  it("lets whoever a request for help went to join, from that request only", async () => {
    const incident = await logThroughSlack();
    const channel = incident.channelId!;
    const asked = await click(incident, FLOOR_ACTION.askForHelp, USERS.agent);
    expect(await submitView(h, asked.view!, { help_request: text("Who can approve refunds?") })).toEqual({});
    // No support channel in this policy: the request goes to the agent's team lead by DM.
    const request = await sentPost(incident, "help_request", USERS.lead, "help:");
    const join = (p: { channel: string; ts: string; value?: string }, user: string) =>
      clickButton(
        h,
        { channel: p.channel, ts: p.ts, actionId: CARD_ACTION.joinChannel, value: p.value ?? incident.id },
        user,
      );
    const landed = { channel: request.postedChannel!, ts: request.ts! };
    expect(JSON.stringify(h.slack.messagesIn(landed.channel).at(-1)?.blocks)).toContain(
      CARD_ACTION.joinChannel,
    );

    // The same button pressed anywhere else (a copy, an edited payload) opens nothing.
    const elsewhere = await join({ channel: h.channels.floor, ts: incident.summaryTs! }, USERS.other);
    expect(elsewhere.text).toMatch(/works only on the request for help/);
    const other = await logThroughSlack();
    const forged = await join({ ...landed, value: other.id }, USERS.lead);
    expect(forged.text).toMatch(/works only on the request for help/);
    expect(h.slack.visibleTo(other.channelId!, USERS.lead)).toBe(false);

    expect((await join(landed, USERS.lead)).text).toContain("You are in");
    expect(h.slack.visibleTo(channel, USERS.lead)).toBe(true);
    expect((await join(landed, USERS.lead)).text).toContain("already in");
    const joined = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "channel_joined");
    expect(joined.map((e) => [e.actor, e.details.channel])).toEqual([[USERS.lead, channel]]);
  });

  it("adopts its private channel when the answer to conversations.create was lost", async () => {
    h.slack.failNext("conversations.create", { status: 500, afterEffect: true });
    const { incident } = await makeIncident(deps(), { title: "Lost private create" });
    await setupCompleted(deps(), incident.id);
    const row = await loadIncident(deps(), incident.id);
    const prefix = formatReference(row.number).toLowerCase();
    const created = [...h.slack.channels.values()].filter((c) => c.name.startsWith(prefix));
    expect(created.map((c) => [c.id, c.is_private])).toEqual([[row.channelId, true]]);
    expect(h.slack.callsTo("conversations.list").at(-1)).toMatchObject({
      ok: true,
      args: { types: "private_channel" },
    });
    expect(created[0]?.members.has(USERS.agent)).toBe(true);
  });
});
