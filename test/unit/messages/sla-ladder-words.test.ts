import { describe, expect, it } from "vitest";
import { ladderStep } from "../../../src/domain/escalation.js";
import { escalationDm } from "../../../src/messages/sla.js";
import { incidentRow } from "../../helpers/fixtures.js";

/** What a person reads: Slack's date tokens show as their fallback text. */
const shown = (m: { text: string; blocks: unknown[] }) =>
  JSON.stringify(m).replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, "$1");

const LADDER = ["team_lead", "duty_manager", "head_of_operations"];
const p1 = incidentRow({ priority: "P1", title: "IVR drops calls after menu option 2" });

describe("how late an escalation DM says the breach is", () => {
  // A 45-second target with a 45-second repeat: the breach messages level 1 at the deadline,
  // level 2 a repeat later, level 3 two repeats later.
  const dm = (step: number, clockName: string, overdueMs: number, recipient?: string) =>
    shown(
      escalationDm(
        { ...p1, ownerId: recipient ?? null },
        {
          clockId: "c1",
          clock: clockName === "respond" ? "Acknowledge" : "Stakeholder update",
          clockName,
          targetMs: 45_000,
          overdueMs,
          ...ladderStep(LADDER, step),
          recipient,
        },
      ),
    );

  it("at the breach itself, says the target has just passed", () => {
    expect(dm(0, "respond", 400)).toContain(
      "Nobody has acknowledged this P1: its 45-second target has just passed.",
    );
    expect(dm(0, "update_every", 400)).toContain("the update is due now.");
  });

  it("a repeat later, says how late in full even under a minute", () => {
    const level2 = dm(1, "respond", 45_000);
    expect(level2).toContain("Nobody has acknowledged this P1: 45 seconds past its 45-second target.");
    expect(level2).not.toContain("just passed");
    expect(dm(1, "update_every", 45_000)).toContain("the update is 45 seconds late.");
    expect(dm(1, "update_every", 45_000, "U0OWNER")).toContain("now 45 seconds late");
  });

  it("two repeats later, says so too", () => {
    expect(dm(2, "respond", 90_000)).toContain("1 minute 30 seconds past its 45-second target.");
  });
});
