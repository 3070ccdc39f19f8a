import { describe, expect, it } from "vitest";
import { recategorisedMessage } from "../../../src/services/recategorise.js";

const before = {
  impact: "medium",
  urgency: "medium",
  matrixPriority: "P3",
  priority: "P3",
  type: "service_failure",
  major: false,
} as const;
const label = (key: string) => ({ service_failure: "Service failure", complaint: "Complaint" })[key] ?? key;

describe("the re-categorise confirmation", () => {
  it("says 'marked major' and uses labels, never field names or true/false", () => {
    const after = { ...before, impact: "high", matrixPriority: "P2", priority: "P2", major: true } as const;
    const text = recategorisedMessage(
      "INC-000003",
      ["impact", "matrixPriority", "priority", "major"],
      before,
      after,
      label,
    );
    expect(text).toBe("INC-000003 re-categorised: impact Medium → High, priority P3 → P2, marked major.");
    expect(text).not.toMatch(/matrixPriority|true|false|medium/);
  });

  it("names types by their labels and a cleared flag plainly", () => {
    const after = { ...before, type: "complaint", major: false } as const;
    const from = { ...before, major: true } as const;
    expect(recategorisedMessage("INC-000003", ["type", "major"], from, after, label)).toBe(
      "INC-000003 re-categorised: type Service failure → Complaint, marked not major.",
    );
  });

  it("keeps the matrix's own priority when the priority itself is overridden", () => {
    const after = { ...before, urgency: "high", matrixPriority: "P2" } as const;
    expect(recategorisedMessage("INC-000003", ["urgency", "matrixPriority"], before, after, label)).toBe(
      "INC-000003 re-categorised: urgency Medium → High, the matrix now gives P2 (the priority set by hand stands at P3).",
    );
  });
});
