import type { Redis } from "ioredis";

/**
 * Turns for calls that Slack rate-limits, reserved atomically in Redis so any number of workers
 * pace together. Each key holds the time its next call may be made at the sustained rate
 * (one per `gapMs`); up to `burst` calls may run at once before the spacing applies. With a
 * burst of 1 the calls are simply spaced `gapMs` apart. Returns when the caller's turn is
 * (now, or later).
 */
/** Lua: reserves `count` turns in a row on KEYS[1]; leaves them in `slots`. */
const RESERVE_TURNS = `
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
`;

const RESERVE = `
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
${RESERVE_TURNS}
return slots
`;

/**
 * A turn shared by every post that waits for it: when one is already waiting (KEYS[2] holds
 * "<its time>|<the job holding it>"), the caller joins it (-1), unless the caller is that job
 * (ARGV[5]) come back after a crash: then it gets its own turn again. Otherwise it reserves the
 * next turn on KEYS[1] and, if that turn is later, marks it as waiting until ARGV[4] ms past it.
 */
const SHARE = `
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local hold = tonumber(ARGV[4])
local holder = ARGV[5]
local held = redis.call('GET', KEYS[2])
if held then
  local sep = string.find(held, '|', 1, true)
  if sep and string.sub(held, sep + 1) == holder then return tonumber(string.sub(held, 1, sep - 1)) end
  return -1
end
local count = 1
${RESERVE_TURNS}
if slots[1] > now then redis.call('SET', KEYS[2], slots[1] .. '|' .. holder, 'PX', (slots[1] - now) + hold) end
return slots[1]
`;

/** Moves a pace's next turn to ARGV[1] at the earliest (ARGV[2]: the key's lifetime past it). */
const DEFER = `
local earliest = tonumber(ARGV[1])
local next = tonumber(redis.call('GET', KEYS[1]) or '0')
if next < earliest then redis.call('SET', KEYS[1], earliest, 'PX', ARGV[2]) end
return 0
`;

/** Ends a waiting turn ("<time>|<holder>"), unless another has taken its place. */
const CLOSE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
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

/**
 * A waiting turn stays open this long past its time, in case the job holding it is slow or
 * lost; the posts that joined it are still pending in PostgreSQL, so the next post to the
 * channel (or the sweep) carries them.
 */
const SHARED_TURN_HOLD_MS = 60_000;

/**
 * For posts that can go out together (see `deliverRoundup`): joins the turn already waiting in
 * this channel, if there is one (null: the post that holds it will carry this one too), or
 * reserves the next turn (its time; when later than `now`, it stays open for others to join
 * until `closeSharedTurn`). `holder` names the caller (its job id): a holder that died after
 * reserving and runs again is given back its own turn rather than told to join it, which
 * would leave the posts that joined waiting for the turn to lapse.
 */
export async function shareChannelTurn(
  redis: Redis,
  prefix: string,
  channel: string,
  now: number,
  holder: string,
): Promise<number | null> {
  const { gapMs, burst } = CHANNEL_PACE;
  const slot = Number(
    await redis.eval(
      SHARE,
      2,
      `${prefix}:pace:${channel}`,
      `${prefix}:turn:${channel}`,
      now,
      gapMs,
      burst,
      SHARED_TURN_HOLD_MS,
      holder,
    ),
  );
  return slot < 0 ? null : slot;
}

/**
 * Closes a waiting turn when it comes, before its posts are gathered: a post queued after this
 * reserves a turn of its own instead of joining one that has already gathered.
 */
export async function closeSharedTurn(
  redis: Redis,
  prefix: string,
  channel: string,
  slot: number,
  holder: string,
): Promise<void> {
  await redis.eval(CLOSE, 1, `${prefix}:turn:${channel}`, `${slot}|${holder}`);
}

/**
 * After Slack answered a channel's post with 429: no turn in that channel comes before its
 * Retry-After has run out (`until`), whichever post takes it.
 */
export async function deferChannel(
  redis: Redis,
  prefix: string,
  channel: string,
  until: number,
): Promise<void> {
  const { gapMs, burst } = CHANNEL_PACE;
  // The key holds the time of the next turn at the sustained rate; the burst starts that far before it.
  const next = until + gapMs * (burst - 1);
  await redis.eval(DEFER, 1, `${prefix}:pace:${channel}`, next, next - Date.now() + gapMs * (burst + 10));
}
