import type { Redis } from "ioredis";

/**
 * Slack accepts about one message per second per channel. Each post reserves the next free
 * slot for its channel; the reservation is atomic in Redis, so any number of workers pace
 * together.
 */
const RESERVE = `
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local slot = last + gap
if slot < now then slot = now end
redis.call('SET', KEYS[1], slot, 'PX', (slot - now) + gap * 10)
return slot
`;

export const CHANNEL_GAP_MS = 1_000;

export async function reserveChannelSlot(
  redis: Redis,
  prefix: string,
  channel: string,
  now: number,
  gapMs = CHANNEL_GAP_MS,
): Promise<number> {
  const slot = await redis.eval(RESERVE, 1, `${prefix}:pace:${channel}`, now, gapMs);
  return Number(slot);
}
