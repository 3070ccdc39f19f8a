import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClockStep,
  firstStep,
  nextStep,
  parseStep,
  stepAfter,
  stepTime,
} from "../../../src/domain/clock-steps.js";

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 9, 0) + minutes * 60_000);
const plan = { warnTimes: [at(10), at(12)], dueAt: at(15), repeatMs: 5 * 60_000 };

describe("clock steps", () => {
  it("run warnings, breach, then escalations every repeat from the deadline", () => {
    const steps: ClockStep[] = [];
    let step = firstStep(plan, at(0));
    for (let n = 0; n < 6; n++) {
      steps.push(step);
      step = nextStep(step, plan);
    }
    expect(steps).toEqual(["warn-0", "warn-1", "breach", "escalate-1", "escalate-2", "escalate-3"]);
    expect(steps.map((s) => stepTime(s, plan).getTime())).toEqual(
      [at(10), at(12), at(15), at(20), at(25), at(30)].map((d) => d.getTime()),
    );
  });

  it("skip warnings that are already behind when (re)planned", () => {
    expect(firstStep(plan, at(11))).toBe("warn-1");
    expect(firstStep(plan, at(13))).toBe("breach");
    expect(firstStep(plan, at(99))).toBe("breach");
    expect(firstStep({ ...plan, warnTimes: [] }, at(0))).toBe("breach");
  });

  it("parse only their own names", () => {
    expect(parseStep("warn-2")).toEqual({ kind: "warn", index: 2 });
    expect(parseStep("escalate-10")).toEqual({ kind: "escalate", index: 10 });
    expect(parseStep("breach")).toEqual({ kind: "breach" });
    for (const bad of ["", "warn", "warn-x", "escalate--1", "BREACH", "warn-1234567"])
      expect(parseStep(bad)).toBeNull();
  });

  it("are planned in time order, whatever the plan", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (warnMinutes, dueMinutes, repeatMinutes) => {
          const warns = [...new Set(warnMinutes)].filter((m) => m < dueMinutes).sort((a, b) => a - b);
          const p = { warnTimes: warns.map(at), dueAt: at(dueMinutes), repeatMs: repeatMinutes * 60_000 };
          let step = firstStep(p, at(0));
          let previous = -Infinity;
          for (let n = 0; n < warns.length + 4; n++) {
            const t = stepTime(step, p).getTime();
            expect(t).toBeGreaterThan(previous);
            previous = t;
            step = nextStep(step, p);
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("a ladder that fell behind", () => {
  // Three roles: the breach tells rung 0, escalate-1 rung 1, escalate-2 the top, then reminders.
  const LADDER = 3;

  it("climbs each rung it missed, in order, even when all of them are past", () => {
    const late = at(60); // 45 minutes past the deadline: nine repeats missed
    expect(stepAfter("breach", plan, late, LADDER)).toBe("escalate-1");
    expect(stepAfter("warn-1", plan, late, LADDER)).toBe("breach");
  });

  it("folds the top role's missed reminders into the latest one", () => {
    // escalate-2 (the top, first time) would have been at 25 min; at 60 min escalate-9 is the latest due.
    expect(stepAfter("escalate-1", plan, at(60), LADDER)).toBe("escalate-9");
    expect(stepAfter("escalate-9", plan, at(60), LADDER)).toBe("escalate-10");
    // On time, nothing is folded.
    expect(stepAfter("escalate-1", plan, at(20), LADDER)).toBe("escalate-2");
    expect(stepAfter("escalate-4", plan, at(35), LADDER)).toBe("escalate-5");
    // With a one-role ladder every escalation is a reminder of it.
    expect(stepAfter("breach", plan, at(60), 1)).toBe("escalate-9");
  });

  it("never skips a rung below the top, never goes back, and lands on the latest reminder due", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 10_000 }),
        (ladder, index, repeatMinutes, lateMinutes) => {
          const p = { ...plan, repeatMs: repeatMinutes * 60_000 };
          const fired: ClockStep = `escalate-${index}`;
          const now = new Date(stepTime(fired, p).getTime() + lateMinutes * 60_000);
          const plain = nextStep(fired, p);
          const planned = stepAfter(fired, p, now, ladder);
          const plannedIndex = Number(planned.split("-")[1]);
          expect(planned.startsWith("escalate-")).toBe(true);
          expect(plannedIndex).toBeGreaterThanOrEqual(index + 1);
          // Below the top rung (a role not yet told) the ladder moves one step.
          if (index + 1 < Math.max(1, ladder - 1)) expect(planned).toBe(plain);
          if (planned !== plain) {
            // Only reminders are folded, into one that is due, and the next is not yet due.
            expect(index + 1).toBeGreaterThanOrEqual(Math.max(1, ladder - 1));
            expect(stepTime(planned, p).getTime()).toBeLessThanOrEqual(now.getTime());
            expect(stepTime(`escalate-${plannedIndex + 1}`, p).getTime()).toBeGreaterThan(now.getTime());
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);
});
