import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ClockStep, firstStep, nextStep, parseStep, stepTime } from "../../../src/domain/clock-steps.js";

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
    );
  });
});
