import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DURATION_UNIT_MS,
  DURATION_UNITS,
  formatDuration,
  parseDuration,
} from "../../../src/domain/duration";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("parseDuration", () => {
  it.each([
    ["30s", 30 * S],
    ["1s", S],
    ["15m", 15 * M],
    ["4h", 4 * H],
    ["72h", 72 * H],
    ["2d", 2 * D],
    ["56d", 56 * D],
    ["8w", 56 * D],
    ["1w", 7 * D],
    ["90m", 90 * M],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    "",
    "0s",
    "0m",
    "00m",
    "015m",
    "-5m",
    "+5m",
    "1.5h",
    "15 m",
    " 15m",
    "15m ",
    "15",
    "m",
    "15 mins",
    "15min",
    "1h30m",
    "1H",
    "15M",
    "2y",
    "1ms",
    "１５m",
    "99999999999999999999d",
  ])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it("reads any positive whole amount of any unit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(...DURATION_UNITS), (n, unit) => {
        expect(parseDuration(`${n}${unit}`)).toBe(n * DURATION_UNIT_MS[unit]);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [999, "0s"],
    [45 * S, "45s"],
    [M, "1m"],
    [90 * M, "1h 30m"],
    [H + 59 * S, "1h"],
    [2 * D, "2d"],
    [2 * D + 3 * H, "2d 3h"],
    [D + 5 * M, "1d"],
    [D + 5 * H + 30 * M, "1d 5h"],
    [56 * D, "56d"],
    [3 * H + 25 * M + 10 * S + 500, "3h 25m"],
    [-90 * M, "-1h 30m"],
    [-500, "0s"],
  ])("formats %i ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("shows more units when asked", () => {
    expect(formatDuration(D + 2 * H + 3 * M + 4 * S, 4)).toBe("1d 2h 3m 4s");
    expect(formatDuration(D + 5 * M, 3)).toBe("1d 5m");
    expect(formatDuration(D + 2 * H + 3 * M, 1)).toBe("1d");
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])("refuses %s", (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });

  it("never overstates a duration and loses less than the smallest unit shown", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * D }), (ms) => {
        const shown = sumParts(formatDuration(ms));
        expect(shown).toBeLessThanOrEqual(ms);
        expect(ms - shown).toBeLessThan(D);
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("round-trips through parseDuration at full precision", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 * D }), (ms) => {
        expect(sumParts(formatDuration(ms, 4))).toBe(Math.floor(ms / S) * S);
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("round-trips single-unit durations exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(...DURATION_UNITS), (n, unit) => {
        const ms = parseDuration(`${n}${unit}`)!;
        expect(sumParts(formatDuration(ms, 4))).toBe(ms);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

function sumParts(text: string): number {
  if (text === "0s") return 0;
  return text.split(" ").reduce((total, part) => {
    const ms = parseDuration(part);
    if (ms === null) throw new Error(`formatDuration produced an unparseable part: ${part}`);
    return total + ms;
  }, 0);
}
