import { describe, expect, it } from "vitest";
import { LEVELS, type Level, PRIORITIES, type Priority } from "../../../src/domain/incident";
import {
  comparePriority,
  DEFAULT_PRIORITY_MATRIX,
  derivePriority,
  isMajorPriority,
  type PriorityMatrix,
  priorityRank,
} from "../../../src/domain/priority-matrix";

describe("derivePriority with the default matrix", () => {
  it.each<[Level, Level, Priority]>([
    ["high", "high", "P1"],
    ["high", "medium", "P2"],
    ["high", "low", "P3"],
    ["medium", "high", "P2"],
    ["medium", "medium", "P3"],
    ["medium", "low", "P4"],
    ["low", "high", "P3"],
    ["low", "medium", "P4"],
    ["low", "low", "P5"],
  ])("impact %s, urgency %s → %s", (impact, urgency, priority) => {
    expect(derivePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency)).toBe(priority);
  });

  it("never ranks a higher impact or urgency as less urgent", () => {
    for (const [i, impact] of LEVELS.entries()) {
      for (const [u, urgency] of LEVELS.entries()) {
        const here = priorityRank(derivePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency));
        const lowerImpact = LEVELS[i + 1];
        const lowerUrgency = LEVELS[u + 1];
        if (lowerImpact) {
          expect(here).toBeLessThanOrEqual(priorityRank(DEFAULT_PRIORITY_MATRIX[lowerImpact][urgency]));
        }
        if (lowerUrgency) {
          expect(here).toBeLessThanOrEqual(priorityRank(DEFAULT_PRIORITY_MATRIX[impact][lowerUrgency]));
        }
      }
    }
  });
});

it("derivePriority follows a custom matrix", () => {
  const allP2: PriorityMatrix = {
    high: { high: "P1", medium: "P2", low: "P2" },
    medium: { high: "P2", medium: "P2", low: "P2" },
    low: { high: "P2", medium: "P2", low: "P2" },
  };
  expect(derivePriority(allP2, "low", "low")).toBe("P2");
  expect(derivePriority(allP2, "high", "high")).toBe("P1");
});

describe("isMajorPriority", () => {
  it.each<[Priority, boolean]>([
    ["P1", true],
    ["P2", false],
    ["P3", false],
    ["P4", false],
    ["P5", false],
  ])("%s → %s", (priority, major) => {
    expect(isMajorPriority(priority)).toBe(major);
  });
});

describe("priorityRank and comparePriority", () => {
  it("ranks P1 … P5 as 1 … 5", () => {
    expect(PRIORITIES.map(priorityRank)).toEqual([1, 2, 3, 4, 5]);
  });

  it("sorts most urgent first", () => {
    const sorted: Priority[] = ["P3", "P5", "P1", "P4", "P2", "P1"];
    expect(sorted.sort(comparePriority)).toEqual(["P1", "P1", "P2", "P3", "P4", "P5"]);
  });

  it("is antisymmetric and zero only for equal priorities", () => {
    for (const a of PRIORITIES) {
      for (const b of PRIORITIES) {
        expect(Math.sign(comparePriority(a, b)) + Math.sign(comparePriority(b, a))).toBe(0);
        expect(comparePriority(a, b) === 0).toBe(a === b);
      }
    }
  });
});
