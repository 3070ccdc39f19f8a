import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClockDeadline,
  deadlineStatus,
  nextAction,
  plainDuration,
} from "../../../src/domain/deadline-status.js";
import { STATUSES, type Status } from "../../../src/domain/incident.js";
import { allowedActions } from "../../../src/domain/lifecycle.js";

const NOW = new Date("2026-11-23T10:15:00Z");
const MIN = 60_000;
const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * MIN);

/** A running clock due `due` minutes from now, due soon from `soon` minutes from now. */
const clock = (name: string, due: number, soon: number | null = null, paused = false): ClockDeadline => ({
  clock: name,
  dueAt: at(due),
  soonFrom: soon === null ? null : at(soon),
  paused,
});

describe("plainDuration", () => {
  it.each([
    [0, "under a minute"],
    [59_999, "under a minute"],
    [MIN, "1 min"],
    [2 * MIN + 59_000, "2 min"],
    [60 * MIN, "1 h"],
    [65 * MIN, "1 h 5 min"],
    [24 * 60 * MIN, "1 day"],
    [27 * 60 * MIN + 59 * MIN, "1 day 3 h"],
    [50 * 60 * MIN, "2 days 2 h"],
  ])("%d ms → %s", (ms, words) => {
    expect(plainDuration(ms)).toBe(words);
  });
});

describe("deadlineStatus", () => {
  it.each<[string, Status, ClockDeadline[], string | null, string | null]>([
    [
      "an open incident past its acknowledge deadline",
      "open",
      [clock("respond", -2, -6), clock("update_every", 28, 20), clock("resolve", 238, 180)],
      "overdue",
      "acknowledge overdue by 2 min",
    ],
    [
      "an update 65 minutes late",
      "in_progress",
      [clock("update_every", -65, -80), clock("resolve", 100, 60)],
      "overdue",
      "update overdue by 1 h 5 min",
    ],
    [
      "a resolve deadline missed by a day and a half",
      "acknowledged",
      [clock("update_every", 20, 0), clock("resolve", -36 * 60, -40 * 60)],
      "overdue",
      "resolve overdue by 1 day 12 h",
    ],
    [
      "an acknowledge deadline past its warning",
      "open",
      [clock("respond", 4.5, -7), clock("update_every", 20, 15)],
      "soon",
      "acknowledge due in 4 min",
    ],
    [
      "nothing pressing: the next deadline, its date to follow",
      "in_progress",
      [clock("update_every", 50, 40), clock("resolve", 200, 150)],
      "later",
      "update due",
    ],
    [
      "a warned deadline before an earlier one not yet warned",
      "in_progress",
      [clock("update_every", 10, 8), clock("resolve", 20, -5)],
      "soon",
      "resolve due in 20 min",
    ],
    [
      "an extra clock, named in words",
      "in_progress",
      [clock("regulator_notice", -180), clock("resolve", 100, 60)],
      "overdue",
      "regulator notice overdue by 3 h",
    ],
    [
      "on hold: the stale resolve deadline is not overdue, the update still runs",
      "on_hold",
      [clock("update_every", 30, 20), clock("resolve", -90, -120, true)],
      "later",
      "update due",
    ],
    [
      "on hold with only the resolve clock left: paused",
      "on_hold",
      [clock("resolve", -90, -120, true)],
      "paused",
      "resolve clock paused",
    ],
    [
      "acknowledged: the respond clock no longer counts",
      "acknowledged",
      [clock("respond", -30), clock("resolve", 60, 30)],
      "later",
      "resolve by",
    ],
    ["closed: nothing counts", "closed", [clock("resolve", -30), clock("regulator_notice", -30)], null, null],
    ["no clocks", "open", [], null, null],
  ])("%s", (_, status, clocks, tone, words) => {
    const d = deadlineStatus({ status, clocks, now: NOW });
    expect(d?.tone ?? null).toBe(tone);
    expect(d?.words ?? null).toBe(words);
  });

  it("names the other overdue clocks, most overdue first", () => {
    const d = deadlineStatus({
      status: "open",
      clocks: [clock("respond", -5), clock("update_every", -1), clock("resolve", -3)],
      now: NOW,
    });
    expect(d?.words).toBe("acknowledge overdue by 5 min");
    expect(d?.alsoOverdue).toEqual(["resolve", "update_every"]);
  });

  it("is overdue from the very instant of the deadline", () => {
    const d = deadlineStatus({ status: "open", clocks: [clock("respond", 0, -3)], now: NOW });
    expect(d?.words).toBe("acknowledge just overdue");
  });
});

const STATUS = fc.constantFrom(...STATUSES);
const NAME = fc.constantFrom("respond", "update_every", "resolve", "regulator_notice");
/** Deadlines within ±3 days of now, with a warning up to a day before (or none). */
const CLOCK = fc.record({
  clock: NAME,
  dueAt: fc.integer({ min: -3 * 1440, max: 3 * 1440 }).map((m) => at(m)),
  soonBy: fc.option(fc.integer({ min: 0, max: 1440 }), { nil: null }),
  paused: fc.boolean(),
});
const CLOCKS = fc.array(CLOCK, { maxLength: 5 }).map((cs) =>
  cs.map(
    (c): ClockDeadline => ({
      clock: c.clock,
      dueAt: c.dueAt,
      soonFrom: c.soonBy === null ? null : new Date(c.dueAt.getTime() - c.soonBy * MIN),
      paused: c.paused,
    }),
  ),
);

describe("deadlineStatus properties", () => {
  it("never says overdue before the deadline, nor due in after it", () => {
    fc.assert(
      fc.property(STATUS, CLOCKS, (status, clocks) => {
        const d = deadlineStatus({ status, clocks, now: NOW });
        if (!d) return;
        if (d.words.includes("overdue")) expect(NOW.getTime()).toBeGreaterThanOrEqual(d.dueAt.getTime());
        if (d.words.includes("due in")) expect(NOW.getTime()).toBeLessThan(d.dueAt.getTime());
        expect(d.tone === "overdue").toBe(d.words.includes("overdue"));
        expect(d.tone === "soon").toBe(d.words.includes("due in"));
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("never shows a paused clock, or the resolve clock of an incident on hold, as overdue", () => {
    fc.assert(
      fc.property(STATUS, CLOCKS, (status, clocks) => {
        const d = deadlineStatus({ status, clocks, now: NOW });
        const named = [d?.tone === "overdue" ? d.clock : null, ...(d?.alsoOverdue ?? [])];
        for (const name of named) {
          if (!name) continue;
          expect(clocks.some((c) => c.clock === name && !c.paused && c.dueAt <= NOW)).toBe(true);
          if (status === "on_hold") expect(name).not.toBe("resolve");
        }
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("says nothing of a closed incident, and the acknowledge clock only while open", () => {
    fc.assert(
      fc.property(STATUS, CLOCKS, (status, clocks) => {
        const d = deadlineStatus({ status, clocks, now: NOW });
        if (status === "closed") expect(d).toBeNull();
        if (status !== "open") {
          expect(d?.clock).not.toBe("respond");
          expect(d?.alsoOverdue ?? []).not.toContain("respond");
        }
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("picks an overdue deadline whenever one is overdue, the most overdue of them", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Status>("open", "acknowledged", "in_progress"),
        CLOCKS,
        (status, clocks) => {
          const counted = clocks.filter((c) => !c.paused && (c.clock !== "respond" || status === "open"));
          const overdue = counted.filter((c) => c.dueAt <= NOW);
          const d = deadlineStatus({ status, clocks, now: NOW });
          if (overdue.length === 0) {
            expect(d?.tone).not.toBe("overdue");
            return;
          }
          expect(d?.tone).toBe("overdue");
          expect(d?.dueAt.getTime()).toBe(Math.min(...overdue.map((c) => c.dueAt.getTime())));
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("nextAction", () => {
  const overdue = (status: Status, clocks: ClockDeadline[]) =>
    nextAction(status, deadlineStatus({ status, clocks, now: NOW }));

  it.each<[string, Status, ClockDeadline[], unknown]>([
    ["open: acknowledge", "open", [clock("update_every", -5)], { kind: "lifecycle", action: "acknowledge" }],
    ["update overdue: post one", "in_progress", [clock("update_every", -5)], { kind: "update" }],
    ["update due soon: post one", "acknowledged", [clock("update_every", 3, -1)], { kind: "update" }],
    [
      "update overdue behind a resolve more overdue: still post one",
      "in_progress",
      [clock("update_every", -5), clock("resolve", -50)],
      { kind: "update" },
    ],
    [
      "acknowledged: start work",
      "acknowledged",
      [clock("update_every", 50)],
      { kind: "lifecycle", action: "start" },
    ],
    ["in progress: resolve", "in_progress", [clock("resolve", -5)], { kind: "lifecycle", action: "resolve" }],
    [
      "on hold: resume",
      "on_hold",
      [clock("resolve", -5, null, true)],
      { kind: "lifecycle", action: "resume" },
    ],
    ["resolved: close", "resolved", [], { kind: "lifecycle", action: "close" }],
    ["closed: nothing", "closed", [], null],
  ])("%s", (_, status, clocks, expected) => {
    expect(overdue(status, clocks)).toEqual(expected);
  });

  it("offers an extra clock's stop button when that deadline presses", () => {
    const regulator = { ...clock("regulator_notice", -10), stopLabel: "Regulator notified" };
    expect(overdue("in_progress", [regulator, clock("resolve", 100)])).toEqual({
      kind: "stop_clock",
      clock: "regulator_notice",
      label: "Regulator notified",
    });
  });

  it("only ever offers a move the state machine allows", () => {
    fc.assert(
      fc.property(STATUS, CLOCKS, (status, clocks) => {
        const next = nextAction(status, deadlineStatus({ status, clocks, now: NOW }));
        if (next?.kind === "lifecycle") expect(allowedActions(status)).toContain(next.action);
        if (next?.kind === "update") expect(["resolved", "closed"]).not.toContain(status);
        if (status === "open") expect(next).toEqual({ kind: "lifecycle", action: "acknowledge" });
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});
