import { and, eq, inArray } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { outbox } from "../../../src/db/schema/index.js";
import { CHANNEL_PACE, reserveChannelSlot } from "../../../src/delivery/pacing.js";
import { outboxIdsOf } from "../../../src/delivery/post.js";
import { formatReference } from "../../../src/domain/reference.js";
import { outboxLedger } from "../../helpers/drill.js";
import { eventually } from "../../helpers/eventually.js";
import { makeIncident } from "../../helpers/factories.js";
import { type Harness, startHarness } from "../../helpers/harness.js";
import { TEST_REDIS_URL } from "../../helpers/services.js";

let h: Harness;
const redis = new Redis(TEST_REDIS_URL);
beforeAll(async () => {
  h = await startHarness();
  h.slack.setChannelRateLimit({ perSecond: 1, burst: 3 });
});
afterAll(async () => {
  await h?.stop();
  await redis.quit();
});

const deps = () => h.system.deps;

async function announcementsSent(incidentIds: string[]) {
  return eventually(
    "every announcement to be sent",
    async () => {
      const rows = await deps()
        .db.select()
        .from(outbox)
        .where(and(inArray(outbox.incidentId, incidentIds), eq(outbox.purpose, "announcement")));
      return rows.length === incidentIds.length * 2 && rows.every((r) => r.status === "sent")
        ? rows
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

/**
 * Twelve incidents at one post a second per channel take about 15 s idle; on a loaded 2-core
 * machine setting them up and rendering roundups can take several times that. The bound is
 * only there to end a hung test.
 */
const TEST_MS = 120_000;

/** The accepted posts to a channel carrying any of these outbox rows, oldest first. */
function postsCarrying(channel: string, ids: Set<string>) {
  return h.slack
    .callsTo("chat.postMessage")
    .filter(
      (c) => c.ok && c.args.channel === channel && outboxIdsOf(c.args.metadata).some((id) => ids.has(id)),
    )
    .sort((a, b) => a.at - b.at);
}

/** Takes the channel's next turns, as posts already on their way would have. */
/**
 * Takes the channel's turns for the next few seconds, so that the posts queued meanwhile all
 * wait for the same later turn, however slowly a loaded machine sets their incidents up.
 */
async function busy(channel: string) {
  const now = Date.now();
  for (let i = 0; i < CHANNEL_PACE.burst + BUSY_TURNS; i++)
    await reserveChannelSlot(redis, h.config.queuePrefix, channel, now);
}

/**
 * Waits until the channel's next post would go at once and alone: no shared turn waiting in
 * it and its pace back to now (the earlier tests' posts may still hold turns on a slow machine).
 */
async function channelRested(channel: string) {
  const prefix = h.config.queuePrefix;
  await eventually(
    "the channel's turns to be used up",
    async () => {
      const [next, waiting] = await Promise.all([
        redis.get(`${prefix}:pace:${channel}`),
        redis.exists(`${prefix}:turn:${channel}`),
      ]);
      return waiting === 0 && Number(next ?? 0) <= Date.now();
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** Turns taken beyond the burst: the shared turn comes this many gaps later. */
const BUSY_TURNS = 3;

describe("announcements that share a stakeholder channel's turn", () => {
  it(
    "go out together when incidents arrive faster than the channel takes posts, each exactly once",
    async () => {
      const logged = await Promise.all(
        Array.from({ length: 12 }, (_, i) => makeIncident(deps(), { title: `Roundup ${i}` })),
      );
      const ids = logged.map((l) => l.incident.id);
      const rows = await announcementsSent(ids);

      const ledger = await outboxLedger(deps().db, h.slack, ids);
      expect(ledger.doubled).toEqual([]);
      expect(ledger.missing).toEqual([]);
      expect(ledger.wrongTs).toEqual([]);
      expect(ledger.strays).toEqual([]);

      const stake = rows.filter((r) => r.channel === h.channels.stake);
      const posts = postsCarrying(h.channels.stake, new Set(stake.map((r) => r.id)));
      // Twelve announcements in far fewer posts: the burst, then what gathered for each turn.
      expect(posts.length).toBeLessThan(12);
      expect(posts.some((p) => outboxIdsOf(p.args.metadata).length > 1)).toBe(true);
      expect(posts.flatMap((p) => outboxIdsOf(p.args.metadata)).sort()).toEqual(
        stake.map((r) => r.id).sort(),
      );
      // Each post names every incident it carries, and keeps to the channel's pace.
      for (const post of posts) {
        const carried = stake.filter((r) => outboxIdsOf(post.args.metadata).includes(r.id));
        const text = JSON.stringify(post.args.blocks);
        for (const row of carried) {
          const { reference } = logged.find((l) => l.incident.id === row.incidentId)!;
          expect(text).toContain(reference);
        }
      }
      // Turns are a gap apart once the burst is used, and a post reaches Slack some time after its
      // turn: the claim, the roundup's rendering and, on a loaded machine, a wait for the CPU (over
      // a second in the worst runs seen). The pace keeps one post inside Slack's burst to absorb
      // that, so what Slack sees is at most one post more than the burst within any gap.
      const window = CHANNEL_PACE.burst + 1;
      for (let i = window; i < posts.length; i++) {
        expect(posts[i]!.at - posts[i - window]!.at).toBeGreaterThanOrEqual(CHANNEL_PACE.gapMs - 250);
      }
      // A 429 is not a failure here: when the CPU holds posts back long enough to bunch them,
      // Slack may still refuse one, and the outbox waits its Retry-After. What matters is the
      // ledger above (each announcement exactly once) and that every refused post then landed.
      const limited = h.slack
        .callsTo("chat.postMessage")
        .filter((c) => c.status === 429 && c.args.channel === h.channels.stake);
      for (const refused of limited) {
        const ids = outboxIdsOf(refused.args.metadata);
        expect(ids.every((id) => posts.some((p) => outboxIdsOf(p.args.metadata).includes(id)))).toBe(true);
      }

      // Every incident's timeline has its announcement, with the ts of the post that carried it.
      for (const { incident } of logged) {
        const entries = (await listLog(deps().db, incident.id)).filter(
          (e) => e.kind === "announcement_posted",
        );
        const mine = rows.filter((r) => r.incidentId === incident.id);
        expect(entries.map((e) => (e.details as { ts?: string }).ts).sort()).toEqual(
          mine.map((r) => r.ts).sort(),
        );
      }
    },
    TEST_MS,
  );

  it(
    "records a roundup whose answer was lost from the channel's history, without posting it again",
    async () => {
      // A turn the first test's jobs still hold on a slow machine would carry some of these
      // posts on its own: start from a channel with no turn waiting.
      await channelRested(h.channels.stake);
      await busy(h.channels.stake);
      // The roundup lands in Slack, but its answer is an error.
      h.slack.failNext("chat.postMessage", { status: 500, afterEffect: true, channel: h.channels.stake });
      const logged = await Promise.all(
        Array.from({ length: 4 }, (_, i) => makeIncident(deps(), { title: `Lost answer ${i}` })),
      );
      const ids = logged.map((l) => l.incident.id);
      const rows = (await announcementsSent(ids)).filter((r) => r.channel === h.channels.stake);

      const messages = h.slack
        .messagesIn(h.channels.stake)
        .filter((m) => outboxIdsOf(m.metadata).some((id) => rows.some((r) => r.id === id)));
      // Usually one roundup carries all four; on a loaded machine a late set-up can miss it and
      // go out in the next. Either way each post is in exactly one message, recorded with its ts.
      expect(messages.length).toBeGreaterThanOrEqual(1);
      expect(messages.flatMap((m) => outboxIdsOf(m.metadata)).sort()).toEqual(rows.map((r) => r.id).sort());
      for (const row of rows) {
        const carrier = messages.find((m) => outboxIdsOf(m.metadata).includes(row.id))!;
        expect(row.ts).toBe(carrier.ts);
        expect(JSON.stringify(carrier.blocks)).toContain(
          logged.find((l) => l.incident.id === row.incidentId)!.reference,
        );
      }
      // The roundup whose answer was lost was found in the history on its second try, not posted again.
      const lost = messages[0]!;
      for (const row of rows.filter((r) => r.ts === lost.ts)) expect(row.attempts).toBe(2);
      expect(h.slack.callsTo("conversations.history").some((c) => c.args.channel === h.channels.stake)).toBe(
        true,
      );
      const ledger = await outboxLedger(deps().db, h.slack, ids);
      expect(ledger.doubled).toEqual([]);
      expect(ledger.missing).toEqual([]);
    },
    TEST_MS,
  );

  it(
    "posts a lone announcement as the full incident summary",
    async () => {
      await channelRested(h.channels.stake);
      const { incident } = await makeIncident(deps(), { title: "Alone in the channel" });
      const [row] = (await announcementsSent([incident.id])).filter((r) => r.channel === h.channels.stake);
      const [post] = postsCarrying(h.channels.stake, new Set([row!.id]));
      expect(post!.args.metadata).toMatchObject({ event_payload: { outbox_id: row!.id } });
      expect(JSON.stringify(post!.args.blocks)).toContain("Alone in the channel");
      expect(String(post!.args.text)).toContain(formatReference(incident.number));
    },
    TEST_MS,
  );
});
