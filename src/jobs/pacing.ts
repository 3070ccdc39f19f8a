import type { Redis } from "ioredis";

/**
 * Turns for calls that Slack rate-limits, reserved atomically in Redis so any number of workers
 * pace together. Each key holds the time its next call may be made at the sustained rate
 * (one per `gapMs`); up to `burst` calls may run at once before the spacing applies. With a
 * burst of 1 the calls are simply spaced `gapMs` apart. Returns when the caller's turn is
 * (now, or later).
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local next = tonumber(redis.call('GET', KEYS[1]) or '0')
local slots = {}
for i = 1, count do
  if next < now then next = now end
  local slot = next - gap * (burst - 1)
  if slot < now then slot = now end
  slots[i] = slot
  next = next + gap
end
redis.call('SET', KEYS[1], next, 'PX', (next - now) + gap * (burst + 10))
return slots
`;

export interface Pace {
  gapMs: number;
  burst: number;
}

/**
 * Slack accepts about one message per second per channel and "allows bursts over that limit
 * for short periods": a channel takes two posts at once, then one a second. Keeping below the
 * burst Slack tolerates leaves room for the jitter between our turns and Slack's clock (using
 * it all drew 429s, whose retries must first read the channel's history). Should Slack still
 * answer 429, the post waits for its Retry-After and tries again.
 */
export const CHANNEL_PACE: Pace = { gapMs: 1_000, burst: 2 };

/**
 * `chat.update` is a Tier 3 method: about 50 calls a minute per workspace, with short bursts.
 * Card and message edits keep under it instead of running into 429s when many incidents
 * change at once (a breach storm edits every breached incident's card).
 */
export const EDIT_PACE: Pace = { gapMs: 1_200, burst: 20 };
/** One budget for the whole workspace, shared by every process. */
export const EDIT_PACE_KEY = "method:chat.update";

export async function reserveSlot(
  redis: Redis,
  prefix: string,
  key: string,
  now: number,
  pace: Pace,
): Promise<number> {
  const [slot] = await reserveSlots(redis, prefix, key, now, pace, 1);
  return slot ?? now;
}

/** `count` turns in a row, in one round trip. */
export async function reserveSlots(
  redis: Redis,
  prefix: string,
  key: string,
  now: number,
  pace: Pace,
  count: number,
): Promise<number[]> {
  if (count === 0) return [];
  const slots = (await redis.eval(RESERVE, 1, `${prefix}:pace:${key}`, now, pace.gapMs, pace.burst, count)) as
    | number[]
    | null;
  return (slots ?? []).map(Number);
}

export function reserveChannelSlot(
  redis: Redis,
  prefix: string,
  channel: string,
  now: number,
): Promise<number> {
  return reserveSlot(redis, prefix, channel, now, CHANNEL_PACE);
}
