import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACTION_STEPS,
  type ActionPlanState,
  type ActionStep,
  actionStepTime,
  daysOverdue,
  formatDueOn,
  isOverdue,
  nextActionStep,
  planFromDate,
  stepStillWorthSending,
} from "../../../src/domain/action-reminders.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const timing = { remindBeforeMs: DAY, escalateAfterMs: 2 * DAY };
const due = new Date("2026-11-28T00:00:00Z");
const at = (ms: number) => new Date(due.getTime() + ms);
const open = (fired: ActionStep[] = []): ActionPlanState => ({ status: "open", dueAt: due, fired });

describe("nextActionStep", () => {
  it("reminds remind_before the deadline, then marks it overdue, then escalates after the grace period", () => {
    expect(nextActionStep(timing, open(), at(-5 * DAY))).toEqual({ step: "remind", at: at(-DAY) });
    expect(nextActionStep(timing, open(["remind"]), at(-DAY))).toEqual({ step: "overdue", at: due });
    expect(nextActionStep(timing, open(["remind", "overdue"]), due)).toEqual({
      step: "escalate",
      at: at(2 * DAY),
    });
    expect(nextActionStep(timing, open(["remind", "overdue", "escalate"]), at(2 * DAY))).toBeNull();
  });

  it("sends no separate reminder to an action created with less than remind_before left", () => {
    expect(nextActionStep(timing, open(), at(-HOUR))).toEqual({ step: "overdue", at: due });
    // Exactly at the reminder time counts as too late: the assignment DM says when it is due.
    expect(nextActionStep(timing, open(), at(-DAY))).toEqual({ step: "overdue", at: due });
  });

  it("makes an action created past its deadline overdue at once", () => {
    const next = nextActionStep(timing, open(), at(3 * DAY));
    expect(next).toEqual({ step: "overdue", at: due });
  });

  it("plans nothing for done or cancelled actions", () => {
    expect(nextActionStep(timing, { ...open(), status: "done" }, at(-5 * DAY))).toBeNull();
    expect(nextActionStep(timing, { ...open(), status: "cancelled" }, at(-5 * DAY))).toBeNull();
  });

  it("re-plans from a new date: an overdue action moved later is reminded again", () => {
    const moved = new Date(due.getTime() + 7 * DAY);
    // A new generation starts with nothing fired.
    const next = nextActionStep(timing, { status: "open", dueAt: moved, fired: [] }, at(3 * DAY));
    expect(next).toEqual({ step: "remind", at: new Date(moved.getTime() - DAY) });
    expect(isOverdue({ status: "open", dueAt: moved }, at(3 * DAY))).toBe(false);
  });
});

describe("helpers", () => {
  it("drops a reminder that could only go out at or after the deadline", () => {
    expect(stepStillWorthSending("remind", due, at(-1))).toBe(true);
    expect(stepStillWorthSending("remind", due, due)).toBe(false);
    expect(stepStillWorthSending("overdue", due, at(5 * DAY))).toBe(true);
  });

  it("counts whole days overdue", () => {
    expect(daysOverdue(due, at(-HOUR))).toBe(0);
    expect(daysOverdue(due, at(23 * HOUR))).toBe(0);
    expect(daysOverdue(due, at(2 * DAY + HOUR))).toBe(2);
  });

  it("writes a due date the way every other date reads, September included", () => {
    expect(formatDueOn("2026-12-14")).toBe("Mon 14 Dec 2026");
    expect(formatDueOn("2026-09-07")).toBe("Mon 7 Sep 2026");
    expect(formatDueOn("not a date")).toBe("not a date");
  });

  it("is overdue only while open and past the deadline", () => {
    expect(isOverdue({ status: "open", dueAt: due }, due)).toBe(true);
    expect(isOverdue({ status: "open", dueAt: due }, at(-1))).toBe(false);
    expect(isOverdue({ status: "done", dueAt: due }, at(DAY))).toBe(false);
  });
});

describe("properties", () => {
  const timings = fc.record({
    remindBeforeMs: fc.integer({ min: 1_000, max: 30 * DAY }),
    escalateAfterMs: fc.integer({ min: 1_000, max: 30 * DAY }),
  });
  const instants = fc.integer({ min: -60 * DAY, max: 60 * DAY }).map(at);

  /** Fires every planned step at its time (or at once when late), from `start`. */
  function run(t: typeof timing, dueAt: Date, start: Date) {
    const fired: ActionStep[] = [];
    const times: Array<{ step: ActionStep; plannedAt: Date; firedAt: Date }> = [];
    let now = start;
    for (;;) {
      const next = nextActionStep(t, { status: "open", dueAt, fired }, now);
      if (!next) break;
      now = next.at > now ? next.at : now;
      fired.push(next.step);
      times.push({ step: next.step, plannedAt: next.at, firedAt: now });
    }
    return times;
  }

  it("plans steps in order, each once, never before its time, and always ends escalated", () => {
    fc.assert(
      fc.property(timings, instants, instants, (t, dueAt, start) => {
        const times = run(t, dueAt, start);
        const order = times.map((x) => ACTION_STEPS.indexOf(x.step));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(new Set(order).size).toBe(order.length);
        for (const x of times) {
          expect(x.firedAt.getTime()).toBeGreaterThanOrEqual(x.plannedAt.getTime());
          expect(x.plannedAt.getTime()).toBe(actionStepTime(x.step, dueAt, t).getTime());
        }
        expect(times.at(-1)?.step).toBe("escalate");
        expect(times.map((x) => x.step).includes("overdue")).toBe(true);
        // A reminder goes out only when planned ahead of its time.
        const remind = times.find((x) => x.step === "remind");
        if (remind) expect(start.getTime()).toBeLessThan(remind.plannedAt.getTime());
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("plans nothing for a closed action, whatever fired and whenever asked", () => {
    const fired = fc.subarray([...ACTION_STEPS]);
    fc.assert(
      fc.property(
        timings,
        instants,
        instants,
        fired,
        fc.constantFrom("done", "cancelled"),
        (t, d, now, f, s) => {
          expect(nextActionStep(t, { status: s as "done", dueAt: d, fired: f }, now)).toBeNull();
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);

  it("moving the date re-plans exactly as a fresh action with that date", () => {
    fc.assert(
      fc.property(timings, instants, instants, (t, newDue, now) => {
        const moved = planFromDate(t, newDue, now);
        const fresh = run(t, newDue, now)[0];
        expect(moved).toEqual(fresh ? { step: fresh.step, at: fresh.plannedAt } : null);
        // Moved to the future with time to spare: the owner is reminded from the new date.
        if (now.getTime() < newDue.getTime() - t.remindBeforeMs) expect(moved?.step).toBe("remind");
        if (now.getTime() < newDue.getTime())
          expect(isOverdue({ status: "open", dueAt: newDue }, now)).toBe(false);
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("never plans a step earlier than one already fired", () => {
    const fired = fc.subarray([...ACTION_STEPS], { minLength: 1 });
    fc.assert(
      fc.property(timings, instants, instants, fired, (t, d, now, f) => {
        const next = nextActionStep(t, { status: "open", dueAt: d, fired: f }, now);
        const last = Math.max(...f.map((s) => ACTION_STEPS.indexOf(s)));
        if (next) expect(ACTION_STEPS.indexOf(next.step)).toBeGreaterThan(last);
        else expect(last).toBe(ACTION_STEPS.length - 1);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});
