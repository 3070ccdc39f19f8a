/**
 * Durations as written in the policy file: a positive whole number and one unit, e.g. `30s`,
 * `15m`, `4h`, `2d`, `8w`.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export const DURATION_UNITS = ["s", "m", "h", "d", "w"] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

export const DURATION_UNIT_MS: Record<DurationUnit, number> = {
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: DAY,
  w: WEEK,
};

export const DURATION_HINT = "use 30s, 15m, 4h, 2d";

const DURATION_PATTERN = /^([1-9][0-9]*)([smhdw])$/;

/** Milliseconds for `30s`, `15m`, `4h`, `2d`, `8w`; null for anything else (spaces, decimals, zero, `1h30m`). */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * DURATION_UNIT_MS[match[2] as DurationUnit];
  return Number.isSafeInteger(ms) ? ms : null;
}

// Weeks are left out on purpose: "56d" reads better than "8w" next to a deadline in Slack.
const FORMAT_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["d", DAY],
  ["h", HOUR],
  ["m", MINUTE],
  ["s", SECOND],
];

/**
 * Short human form for Slack: "1h 30m", "2d", "45s", "0s". `maxUnits` is the precision: the
 * largest non-zero unit and the units just below it (so "1d 0h 5m" shows as "1d", never "1d 5m"
 * beside "1d 5h"), rounded down so an SLA clock never looks more generous than it is.
 * Negative durations (overdue) get a leading minus sign.
 */
export function formatDuration(ms: number, maxUnits = 2): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format duration ${ms}`);
  if (ms < 0) {
    const positive = formatDuration(-ms, maxUnits);
    return positive === "0s" ? "0s" : `-${positive}`;
  }
  let rest = Math.floor(ms / SECOND) * SECOND;
  const parts: string[] = [];
  let window = maxUnits;
  for (const [unit, size] of FORMAT_UNITS) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts.push(`${amount}${unit}`);
    if (parts.length > 0) window -= 1;
    if (window <= 0) break;
  }
  return parts.length > 0 ? parts.join(" ") : "0s";
}

const LONG_UNITS: ReadonlyArray<readonly [string, number]> = [
  ["day", DAY],
  ["hour", HOUR],
  ["minute", MINUTE],
  ["second", SECOND],
];

/**
 * Words for a person woken at night: "20 minutes", "1 hour 5 minutes", "2 days 3 hours".
 * Two units at most, rounded down like formatDuration; under a second reads "0 seconds".
 */
export function formatLongDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  let rest = Math.floor(ms / SECOND) * SECOND;
  const parts: string[] = [];
  for (const [unit, size] of LONG_UNITS) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts.push(`${amount} ${unit}${amount === 1 ? "" : "s"}`);
    // The largest unit and the one just below it, never "1 day 5 minutes".
    if (parts.length === 2 || (parts.length === 1 && amount === 0)) break;
  }
  return parts.length > 0 ? parts.join(" ") : "0 seconds";
}
