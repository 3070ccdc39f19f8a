import { describe, expect, it } from "vitest";
import type { MilestoneEvent } from "../../../src/domain/milestones.js";
import { milestoneLine } from "../../../src/messages/milestone.js";

describe("milestoneLine ends each sentence once", () => {
  it.each<[MilestoneEvent, string]>([
    [
      { milestone: "reopened", by: "U0LEAD", reason: "Failing again since 02:11.", wasClosed: false },
      "Reopened by <@U0LEAD>: Failing again since 02:11.",
    ],
    [
      { milestone: "reopened", by: "U0LEAD", reason: "Failing again since 02:11", wasClosed: true },
      "Reopened by <@U0LEAD> after it was closed: Failing again since 02:11.",
    ],
    [{ milestone: "reopened", by: "U0LEAD", reason: null, wasClosed: false }, "Reopened by <@U0LEAD>."],
    [
      { milestone: "major_changed", by: "U0MGR", to: true, reason: "treat as major." },
      "Now a *major incident* (by <@U0MGR>): treat as major.",
    ],
    [
      { milestone: "priority_changed", by: "U0MGR", from: "P3", to: "P1", reason: "All lines down!" },
      "Priority P3 → *P1* (by <@U0MGR>): All lines down!",
    ],
    [
      { milestone: "major_changed", by: "U0MGR", to: false, reason: null },
      "No longer a major incident (by <@U0MGR>).",
    ],
  ])("%j", (event, line) => {
    expect(milestoneLine(event)).toBe(line);
  });

  it("ends a resolution summary once when nothing follows it", () => {
    const base = {
      milestone: "resolved" as const,
      by: "U0LEAD",
      closeCode: null,
      tookMs: null,
      targetMs: null,
      metSla: null,
      duplicateOf: null,
    };
    expect(milestoneLine({ ...base, summary: "Gateway fixed." } as MilestoneEvent)).toBe(
      "Resolved by <@U0LEAD>: Gateway fixed.",
    );
    expect(milestoneLine({ ...base, summary: "Gateway fixed" } as MilestoneEvent)).toBe(
      "Resolved by <@U0LEAD>: Gateway fixed.",
    );
    expect(milestoneLine({ ...base, summary: null } as MilestoneEvent)).toBe("Resolved by <@U0LEAD>.");
  });
});
