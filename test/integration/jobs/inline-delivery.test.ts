import { eq } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertClaimedOutboxRows } from "../../../src/db/queries/outbox.js";
import { outbox } from "../../../src/db/schema/index.js";
import { inlineDelivery } from "../../../src/delivery/inline.js";
import { reserveChannelSlot } from "../../../src/delivery/pacing.js";
import { createWorkerConnection } from "../../../src/jobs/connection.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";

let h: Harness;
let redis: Redis;
beforeAll(async () => {
  h = await startHarness();
  redis = createWorkerConnection(h.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await h?.stop();
});

let serial = 0;
/** Escalation-like DMs written claimed for their first attempt, as a clock step writes them. */
async function claimedDms(to: string, count: number) {
  const { rows, claimed } = await upsertClaimedOutboxRows(
    h.system.deps.db,
    Array.from({ length: count }, () => {
      const key = `inline-test:${++serial}`;
      return {
        incidentId: null,
        dedupeKey: key,
        purpose: "escalation_dm",
        channel: to,
        message: { text: key },
      };
    }),
    h.system.deps.outboxLeaseMs,
  );
  expect(claimed.size).toBe(count);
  return { rows, claimed };
}

const rowOf = async (id: string) =>
  (await h.system.deps.db.select().from(outbox).where(eq(outbox.id, id)))[0];

/** The messages carrying this row in the channel it was posted to (a user's DM). */
const postsOf = (row: { dedupeKey: string; postedChannel: string | null } | undefined) =>
  h.slack.messagesIn(row?.postedChannel ?? "").filter((m) => m.text === row?.dedupeKey);

/** History reads: how a delivery looks for an earlier try's post before trying again. */
const probesSince = (since: number) => h.slack.callsTo("conversations.history").filter((c) => c.at >= since);

const allSent = (ids: string[]) =>
  eventually(
    "every row sent",
    async () => {
      const rows = await Promise.all(ids.map(rowOf));
      return rows.every((r) => r?.status === "sent") ? rows : undefined;
    },
    { timeoutMs: 15_000 },
  );

describe("inline delivery of rows written claimed", () => {
  const deliveryOf = (limit?: number) =>
    inlineDelivery({ deps: h.system.deps, redis, prefix: h.config.queuePrefix }, limit);

  it("posts each on the attempt it was written with, without looking in the channel's history", async () => {
    const since = Date.now();
    const { rows, claimed } = await claimedDms(USERS.lead, 1);
    const inline = deliveryOf();
    inline.deliver(rows, claimed);
    await inline.drain();
    const [sent] = await allSent(rows.map((r) => r.id));
    expect(sent).toMatchObject({ status: "sent", attempts: 1 });
    expect(postsOf(sent)).toHaveLength(1);
    expect(probesSince(since)).toHaveLength(0);
  });

  it("gives the claim back when the channel's turn is later, and its job posts it as a first attempt", async () => {
    const since = Date.now();
    const to = USERS.duty;
    // The channel's burst is spent: the next turn is about a second away.
    for (let i = 0; i < 3; i++) await reserveChannelSlot(redis, h.config.queuePrefix, to, Date.now());
    const { rows, claimed } = await claimedDms(to, 1);
    const inline = deliveryOf();
    inline.deliver(rows, claimed);
    await inline.drain();
    // Handed to a delivery job waiting for the turn, as if it had never been claimed.
    expect(await rowOf(rows[0]!.id)).toMatchObject({ status: "pending", attempts: 0, claimedUntil: null });
    const [sent] = await allSent(rows.map((r) => r.id));
    expect(sent?.attempts).toBe(1);
    expect(postsOf(sent)).toHaveLength(1);
    expect(probesSince(since)).toHaveLength(0);
  });

  it("hands the rows past its limit to delivery jobs, each posted once as a first attempt", async () => {
    const since = Date.now();
    const recipients = [USERS.agent, USERS.lead, USERS.duty, USERS.head];
    const written = await Promise.all(recipients.map((to) => claimedDms(to, 1)));
    const rows = written.flatMap((w) => w.rows);
    const claimed = new Set(written.flatMap((w) => [...w.claimed]));
    const inline = deliveryOf(1);
    inline.deliver(rows, claimed);
    await inline.drain();
    const sent = await allSent(rows.map((r) => r.id));
    expect(sent.map((r) => r?.attempts)).toEqual(rows.map(() => 1));
    for (const row of sent) expect(postsOf(row)).toHaveLength(1);
    expect(probesSince(since)).toHaveLength(0);
  });
});
