import { describe, expect, it } from "vitest";
import { ladderStep, ladderStepTime, recipients } from "../../../src/domain/escalation.js";

const LADDER = ["team_lead", "duty_manager", "head_of_operations"];

describe("ladderStep", () => {
  it.each([
    [0, "team_lead", 1, false],
    [1, "duty_manager", 2, false],
    [2, "head_of_operations", 3, true],
    [3, "head_of_operations", 3, true],
    [4, "head_of_operations", 3, true],
    [5, "head_of_operations", 3, true],
  ])("step %d of a 3-role ladder goes to %s (level %d, at top: %s)", (step, role, level, atTop) => {
    expect(ladderStep(LADDER, step)).toEqual({ step, role, level, atTop });
  });

  it("a single-role ladder is at the top from the breach on and keeps reminding that role", () => {
    for (const step of [0, 1, 7]) {
      expect(ladderStep(["security_lead"], step)).toEqual({
        step,
        role: "security_lead",
        level: 1,
        atTop: true,
      });
    }
  });

  it("refuses an empty ladder", () => {
    expect(() => ladderStep([], 0)).toThrow(/empty/);
  });

  it.each([-1, 1.5, Number.NaN])("refuses step %d", (step) => {
    expect(() => ladderStep(LADDER, step)).toThrow(RangeError);
  });
});

describe("ladderStepTime", () => {
  const breachedAt = new Date("2026-03-27T17:45:00Z"); // a Friday evening: repeat ignores business hours

  it.each([
    [0, "2026-03-27T17:45:00.000Z"],
    [1, "2026-03-27T18:45:00.000Z"],
    [3, "2026-03-27T20:45:00.000Z"],
    [10, "2026-03-28T03:45:00.000Z"],
  ])("step %d of an hourly ladder is due at %s, in wall-clock time", (step, expected) => {
    expect(ladderStepTime(breachedAt, 3_600_000, step).toISOString()).toBe(expected);
  });
});

describe("recipients", () => {
  const roles = { team_lead: ["U0LEAD", "U0LEAD2", "U0LEAD"], duty_manager: ["U0DUTY"] };

  it("lists a role's holders once each, in policy order", () => {
    expect(recipients(roles, "team_lead")).toEqual(["U0LEAD", "U0LEAD2"]);
    expect(recipients(roles, "duty_manager")).toEqual(["U0DUTY"]);
  });

  it("is empty for a role nobody holds", () => {
    expect(recipients(roles, "dpo")).toEqual([]);
  });
});
