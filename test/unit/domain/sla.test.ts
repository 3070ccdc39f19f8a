import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import type { Calendar } from "../../../src/domain/business-time.js";
import type { SlaPolicy } from "../../../src/domain/policy-types.js";
import {
  BUILT_IN_CLOCKS,
  builtInPlans,
  type ClockPlan,
  dueAt,
  overdueBy,
  pausedTimeBetween,
  replan,
  warnTimes,
} from "../../../src/domain/sla.js";

const M = 60_000;
const H = 60 * M;
const LONDON = "Europe/London";
const cal: Calendar = {
  timezone: LONDON,
  days: [1, 2, 3, 4, 5],
  startMinute: 8 * 60,
  endMinute: 18 * 60,
  holidays: new Set(["2026-12-25", "2026-12-28"]),
};
const P3: SlaPolicy = {
  respondMs: 2 * H,
  updateEveryMs: 4 * H,
  resolveMs: 20 * H,
  hours: "business",
  repeatMs: H,
};

const at = (local: string) => DateTime.fromISO(local, { zone: LONDON }).toJSDate();
const show = (date: Date) =>
  DateTime.fromJSDate(date, { zone: LONDON }).toISO({ suppressMilliseconds: true });
const T0 = new Date("2026-11-23T10:00:00Z");
const plus = (ms: number) => new Date(T0.getTime() + ms);
const always = (overrides: Partial<ClockPlan>): ClockPlan => ({
  startedAt: T0,
  durationMs: 15 * M,
  hours: "always",
  pausedMs: 0,
  ...overrides,
});

describe("dueAt and warnTimes on a 24×7 clock", () => {
  it("warns at 0.75 of 15 minutes, i.e. after 11 min 15 s, and is due at 15 minutes", () => {
    const plan = always({ warnFractions: [0.75] });
    expect(warnTimes(plan, cal)).toEqual([plus(11 * M + 15_000)]);
    expect(dueAt(plan, cal)).toEqual(plus(15 * M));
  });

  it("warns a 72 h custom clock at 24 h and 48 h", () => {
    const plan = always({ durationMs: 72 * H, warnOffsetsMs: [48 * H, 24 * H] });
    expect(warnTimes(plan, cal)).toEqual([plus(24 * H), plus(48 * H)]);
    expect(dueAt(plan, cal)).toEqual(plus(72 * H));
  });

  it("merges fractions and offsets, ascending, without repeats", () => {
    const plan = always({ durationMs: 72 * H, warnFractions: [0.5, 0.25], warnOffsetsMs: [36 * H, 60 * H] });
    expect(warnTimes(plan, cal)).toEqual([plus(18 * H), plus(36 * H), plus(60 * H)]);
  });

  it("keeps only offsets strictly between start and due", () => {
    const plan = always({
      durationMs: 72 * H,
      warnFractions: [0, 1, 1.5],
      warnOffsetsMs: [-H, 0, 72 * H, 80 * H],
    });
    expect(warnTimes(plan, cal)).toEqual([]);
  });

  it("rounds fractional offsets down to whole ms, without losing one to float noise", () => {
    expect(warnTimes(always({ durationMs: 1001, warnFractions: [0.5] }), cal)).toEqual([plus(500)]);
    expect(warnTimes(always({ durationMs: 100, warnFractions: [0.29] }), cal)).toEqual([plus(29)]);
  });

  it("shifts the due time and every warning by the paused time", () => {
    const plan = always({ warnFractions: [0.75], pausedMs: 5 * M });
    expect(warnTimes(plan, cal)).toEqual([plus(16 * M + 15_000)]);
    expect(dueAt(plan, cal)).toEqual(plus(20 * M));
  });
});

describe("business-hours clocks", () => {
  it.each([
    ["an ordinary weekend", "2026-03-20T17:30", "2026-03-23T09:30:00+00:00", "2026-03-23T09:00:00+00:00"],
    ["the spring DST weekend", "2026-03-27T17:30", "2026-03-30T09:30:00+01:00", "2026-03-30T09:00:00+01:00"],
    ["Christmas", "2026-12-24T17:30", "2026-12-29T09:30:00+00:00", "2026-12-29T09:00:00+00:00"],
  ])(
    "a P3 logged at 17:30 before %s must be acknowledged by %s, warning at %s",
    (_name, logged, due, warn) => {
      const { respond } = builtInPlans({ sla: P3, warnAt: 0.75, loggedAt: at(logged) });
      expect(show(dueAt(respond, cal))).toBe(due);
      expect(warnTimes(respond, cal).map(show)).toEqual([warn]);
    },
  );

  it("a hold over the weekend pauses only the business hours inside it", () => {
    const [from, to] = [at("2026-03-20T17:00"), at("2026-03-23T09:00")];
    expect(pausedTimeBetween(from, to, "business", cal)).toBe(2 * H);
    expect(pausedTimeBetween(from, to, "always", cal)).toBe(64 * H);
    expect(pausedTimeBetween(to, from, "business", cal)).toBe(0);
  });

  it("a resolve clock held for 2 business hours is due 2 business hours later", () => {
    const { resolve } = builtInPlans({ sla: P3, warnAt: 0.75, loggedAt: at("2026-03-23T09:00") });
    expect(show(dueAt(resolve, cal))).toBe("2026-03-25T09:00:00+00:00");
    const held = {
      ...resolve,
      pausedMs: pausedTimeBetween(at("2026-03-23T17:00"), at("2026-03-24T09:00"), "business", cal),
    };
    expect(show(dueAt(held, cal))).toBe("2026-03-25T11:00:00+00:00");
  });
});

describe("builtInPlans", () => {
  const loggedAt = at("2026-03-23T09:00");

  it("starts respond and resolve at logging, unpaused, warning at warn_at, in the priority's hours", () => {
    const plans = builtInPlans({ sla: P3, warnAt: 0.8, loggedAt });
    expect(Object.keys(plans)).toEqual([...BUILT_IN_CLOCKS]);
    expect(plans.respond).toEqual({
      startedAt: loggedAt,
      durationMs: 2 * H,
      hours: "business",
      pausedMs: 0,
      warnFractions: [0.8],
    });
    expect(plans.resolve).toMatchObject({ startedAt: loggedAt, durationMs: 20 * H });
    expect(plans.update_every).toMatchObject({ startedAt: loggedAt, durationMs: 4 * H });
  });

  it("restarts the update cadence from the last stakeholder update", () => {
    const lastUpdateAt = at("2026-03-23T11:00");
    expect(builtInPlans({ sla: P3, warnAt: 0.75, loggedAt, lastUpdateAt }).update_every.startedAt).toBe(
      lastUpdateAt,
    );
    expect(builtInPlans({ sla: P3, warnAt: 0.75, loggedAt, lastUpdateAt: null }).update_every.startedAt).toBe(
      loggedAt,
    );
  });

  it("uses plain time for a 24×7 priority", () => {
    const p1: SlaPolicy = {
      respondMs: 15 * M,
      updateEveryMs: 30 * M,
      resolveMs: 4 * H,
      hours: "always",
      repeatMs: 15 * M,
    };
    const { respond } = builtInPlans({ sla: p1, warnAt: 0.75, loggedAt: at("2026-03-28T12:00") }); // a Saturday
    expect(show(dueAt(respond, cal))).toBe("2026-03-28T12:15:00+00:00");
  });
});

describe("replan", () => {
  it("re-plans a priority change from the original start, keeping pauses and warnings", () => {
    const { resolve } = builtInPlans({ sla: P3, warnAt: 0.75, loggedAt: at("2026-03-23T09:00") });
    const paused = { ...resolve, pausedMs: H };
    const replanned = replan(paused, 8 * H);
    expect(replanned).toEqual({ ...paused, durationMs: 8 * H });
    expect(paused.durationMs).toBe(20 * H); // not mutated
    expect(show(dueAt(replanned, cal))).toBe("2026-03-23T18:00:00+00:00");
    expect(warnTimes(replanned, cal).map(show)).toEqual(["2026-03-23T16:00:00+00:00"]);
  });

  it("a shorter target can already be in the past", () => {
    const plan = replan(always({ durationMs: 4 * H }), 15 * M);
    expect(overdueBy(dueAt(plan, cal), plus(H))).toBe(45 * M);
  });
});

describe("overdueBy", () => {
  it.each([
    ["before the deadline", -M, 0],
    ["exactly at the deadline", 0, 0],
    ["after the deadline", 90 * M, 90 * M],
  ])("%s (now = due %d ms) → %d ms", (_name, offset, expected) => {
    expect(overdueBy(T0, plus(offset))).toBe(expected);
  });
});
