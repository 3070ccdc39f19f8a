import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { outbox } from "../../../src/db/schema/index.js";
import { eventually } from "../../helpers/eventually.js";
import { makeIncident } from "../../helpers/factories.js";
import { type Harness, startHarness } from "../../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const postsIn = (channel: string, reference: string) =>
  h.slack.messagesIn(channel).filter((m) => JSON.stringify(m.blocks ?? m.text).includes(reference));

async function announcementsSettled(incidentId: string, expected: number) {
  return eventually(
    "announcements to settle",
    async () => {
      const rows = await h.system.deps.db.select().from(outbox).where(eq(outbox.incidentId, incidentId));
      const announcements = rows.filter((r) => r.purpose === "announcement");
      return announcements.length === expected && announcements.every((r) => r.status !== "pending")
        ? announcements
        : undefined;
    },
    { timeoutMs: 20_000 },
  );
}

describe("stakeholder announcements under Slack faults", () => {
  it("waits out a 429 for Retry-After, then posts once", async () => {
    h.slack.failNext("chat.postMessage", { status: 429, retryAfter: 1, channel: h.channels.stake });
    const started = Date.now();
    const { incident, reference } = await makeIncident(h.system.deps);
    const rows = await announcementsSettled(incident.id, 2);
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    expect(postsIn(h.channels.stake, reference)).toHaveLength(1);
    expect(postsIn(h.channels.telephony, reference)).toHaveLength(1);
    const limited = h.slack.callsTo("chat.postMessage").find((c) => c.status === 429);
    const retried = h.slack
      .callsTo("chat.postMessage")
      .find((c) => c.args.channel === h.channels.stake && c.ok && c.at > (limited?.at ?? started));
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx answers and posts once", async () => {
    h.slack.failNext("chat.postMessage", { status: 500, times: 2, channel: h.channels.telephony });
    const { incident, reference } = await makeIncident(h.system.deps);
    await announcementsSettled(incident.id, 2);
    expect(postsIn(h.channels.telephony, reference)).toHaveLength(1);
    const log = await listLog(h.system.deps.db, incident.id);
    expect(log.filter((e) => e.kind === "announcement_posted")).toHaveLength(2);
  });

  it("does not post twice when Slack accepted the post but the answer was lost", async () => {
    h.slack.failNext("chat.postMessage", { status: 500, afterEffect: true, channel: h.channels.stake });
    const { incident, reference } = await makeIncident(h.system.deps);
    const rows = await announcementsSettled(incident.id, 2);
    expect(postsIn(h.channels.stake, reference)).toHaveLength(1);
    const stake = rows.find((r) => r.channel === h.channels.stake);
    expect(stake?.status).toBe("sent");
    expect(stake?.ts).toBe(postsIn(h.channels.stake, reference)[0]?.ts);
    expect(h.slack.callsTo("conversations.history").length).toBeGreaterThan(0);
  });

  it("records a post to an archived channel as failed, without stopping the others", async () => {
    const stake = h.slack.channels.get(h.channels.stake)!;
    stake.is_archived = true;
    try {
      const { incident, reference } = await makeIncident(h.system.deps);
      const rows = await announcementsSettled(incident.id, 2);
      expect(rows.find((r) => r.channel === h.channels.stake)).toMatchObject({
        status: "failed",
        lastError: "is_archived",
      });
      expect(postsIn(h.channels.telephony, reference)).toHaveLength(1);
      const log = await listLog(h.system.deps.db, incident.id);
      expect(log.find((e) => e.kind === "delivery_failed")?.details).toMatchObject({
        channel: h.channels.stake,
        error: "is_archived",
      });
    } finally {
      stake.is_archived = false;
    }
  });
});

describe("channel creation under Slack faults", () => {
  it("creates exactly one channel after a 429 on conversations.create", async () => {
    h.slack.failNext("conversations.create", { status: 429, retryAfter: 1 });
    const { incident, reference } = await makeIncident(h.system.deps, { title: "Rate limited channel" });
    const prefix = reference.toLowerCase();
    await eventually(
      "channel recorded",
      async () =>
        (await h.system.deps.db.query.incidents.findFirst({ where: (t, { eq }) => eq(t.id, incident.id) }))
          ?.channelId,
      { timeoutMs: 15_000 },
    );
    expect([...h.slack.channels.values()].filter((c) => c.name.startsWith(prefix))).toHaveLength(1);
  });

  it("adopts the channel it created when the answer to conversations.create was lost", async () => {
    h.slack.failNext("conversations.create", { status: 500, afterEffect: true });
    const { incident, reference } = await makeIncident(h.system.deps, { title: "Lost create answer" });
    const prefix = reference.toLowerCase();
    const row = await eventually(
      "channel recorded",
      async () => {
        const r = await h.system.deps.db.query.incidents.findFirst({
          where: (t, { eq }) => eq(t.id, incident.id),
        });
        return r?.channelId ? r : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const created = [...h.slack.channels.values()].filter((c) => c.name.startsWith(prefix));
    expect(created).toHaveLength(1);
    expect(row.channelId).toBe(created[0]?.id);
    expect(row.channelName).toBe(`${prefix}-lost-create-answer`);
  });
});
