import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  CHANNEL_PACE,
  closeSharedTurn,
  deferChannel,
  EDIT_PACE,
  reserveChannelSlot,
  reserveSlot,
  shareChannelTurn,
} from "../../../src/delivery/pacing.js";
import { TEST_REDIS_URL } from "../../helpers/services.js";

const redis = new Redis(TEST_REDIS_URL);
const prefix = `pace-test-${randomBytes(4).toString("hex")}`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe("call pacing in Redis", () => {
  it("lets a short burst into one channel, then spaces posts a gap apart, and leaves other channels alone", async () => {
    const now = 1_000_000;
    const slots = [];
    for (let i = 0; i < 5; i++) slots.push(await reserveChannelSlot(redis, prefix, "C1", now));
    const { gapMs, burst } = CHANNEL_PACE;
    expect(burst).toBe(2);
    expect(slots).toEqual([now, now, now + gapMs, now + 2 * gapMs, now + 3 * gapMs]);
    expect(await reserveChannelSlot(redis, prefix, "C2", now)).toBe(now);
    // Once the turns have passed, a post goes at once again.
    expect(await reserveChannelSlot(redis, prefix, "C1", now + 10 * CHANNEL_PACE.gapMs)).toBe(
      now + 10 * CHANNEL_PACE.gapMs,
    );
  });

  it("lets a burst of edits through at once, then one per gap", async () => {
    const pace = { gapMs: 100, burst: 3 };
    const now = 5_000_000;
    const slots = [];
    for (let i = 0; i < 6; i++) slots.push(await reserveSlot(redis, prefix, "edits", now, pace));
    expect(slots).toEqual([now, now, now, now + 100, now + 200, now + 300]);
    // After a quiet spell the burst is available again, never more than `burst` at once.
    const later = now + 10_000;
    const again = [];
    for (let i = 0; i < 4; i++) again.push(await reserveSlot(redis, prefix, "edits", later, pace));
    expect(again).toEqual([later, later, later, later + 100]);
  });

  it("shares a waiting turn: posts join it until it comes, then the next one takes a turn of its own", async () => {
    const now = 2_000_000;
    const { gapMs, burst } = CHANNEL_PACE;
    // The burst goes at once and leaves nothing waiting.
    for (let i = 0; i < burst; i++)
      expect(await shareChannelTurn(redis, prefix, "C3", now, `burst-${i}`)).toBe(now);
    // The next takes the turn a gap later, and everything queued meanwhile joins it.
    const waiting = await shareChannelTurn(redis, prefix, "C3", now, "holder");
    expect(waiting).toBe(now + gapMs);
    for (let i = 0; i < 5; i++)
      expect(await shareChannelTurn(redis, prefix, "C3", now + 10, `joiner-${i}`)).toBeNull();
    // Closing another turn's time, or the same time for another holder, leaves this one open.
    await closeSharedTurn(redis, prefix, "C3", now + 1, "holder");
    await closeSharedTurn(redis, prefix, "C3", waiting!, "joiner-0");
    expect(await shareChannelTurn(redis, prefix, "C3", now + 20, "joiner-5")).toBeNull();
    // Once it has come and gathered its posts, a post takes the turn after it.
    await closeSharedTurn(redis, prefix, "C3", waiting!, "holder");
    expect(await shareChannelTurn(redis, prefix, "C3", now + gapMs, "next")).toBe(now + 2 * gapMs);
  });

  it("gives a holder that died before keeping its turn the same turn back, not a place in it", async () => {
    const now = 3_000_000;
    const { gapMs, burst } = CHANNEL_PACE;
    for (let i = 0; i < burst; i++) await shareChannelTurn(redis, prefix, "C5", now, `burst-${i}`);
    const first = await shareChannelTurn(redis, prefix, "C5", now, "job-1");
    expect(first).toBe(now + gapMs);
    expect(await shareChannelTurn(redis, prefix, "C5", now + 5, "job-2")).toBeNull();
    // job-1 runs again (its worker was killed before the turn was saved with the job).
    expect(await shareChannelTurn(redis, prefix, "C5", now + 300, "job-1")).toBe(first);
    // Its turn is still the waiting one, and no further turn was taken for it.
    expect(await shareChannelTurn(redis, prefix, "C5", now + 400, "job-3")).toBeNull();
    await closeSharedTurn(redis, prefix, "C5", first!, "job-1");
    expect(await shareChannelTurn(redis, prefix, "C5", now + gapMs, "job-4")).toBe(now + 2 * gapMs);
  });

  it("after a 429, no turn in the channel comes before its Retry-After", async () => {
    const now = Date.now();
    await deferChannel(redis, prefix, "C4", now + 5_000);
    expect(await reserveChannelSlot(redis, prefix, "C4", now)).toBe(now + 5_000);
    // ...and then one a gap apart, without a burst.
    expect(await shareChannelTurn(redis, prefix, "C4", now, "job")).toBe(now + 5_000 + CHANNEL_PACE.gapMs);
    // A deferral never brings turns forward.
    await deferChannel(redis, prefix, "C4", now + 1_000);
    expect(await reserveChannelSlot(redis, prefix, "C4", now)).toBeGreaterThan(now + 5_000);
  });

  it("keeps edits within Slack's Tier 3 budget of about 50 a minute, after its burst", () => {
    const perMinute = 60_000 / EDIT_PACE.gapMs;
    expect(perMinute).toBeLessThanOrEqual(50);
    expect(EDIT_PACE.burst).toBeGreaterThan(1);
  });
});
