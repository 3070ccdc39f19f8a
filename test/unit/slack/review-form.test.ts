import { describe, expect, it } from "vitest";
import { REVIEW_FIELDS as F } from "../../../src/messages/ids.js";
import { REVIEW_BLOCKS, reviewForm } from "../../../src/slack/parse/review-form.js";
import { toBlockErrors } from "../../../src/slack/parse/view-state.js";

const TODAY = "2026-11-23";
const form = reviewForm(["software_defect", "third_party"], TODAY);
const base = { [F.category]: "third_party", [F.rootCause]: "  Carrier trunk failed  " };

function errors(values: Record<string, string | undefined>) {
  const parsed = form.safeParse(values);
  if (parsed.success) throw new Error("expected errors");
  return toBlockErrors(parsed.error, REVIEW_BLOCKS);
}

describe("review form", () => {
  it("reads a review with actions, skipping empty rows", () => {
    const parsed = form.parse({
      ...base,
      [F.factors]: "No alarm",
      [F.wentWell]: "",
      [F.actionText(0)]: "Add alarms",
      [F.actionOwner(0)]: "U0LEAD",
      [F.actionDue(0)]: TODAY,
      [F.actionText(2)]: "Change calendar",
      [F.actionOwner(2)]: "U0DUTY",
      [F.actionDue(2)]: "2026-12-01",
    });
    expect(parsed).toEqual({
      category: "third_party",
      rootCause: "Carrier trunk failed",
      contributingFactors: "No alarm",
      wentWell: null,
      wentBadly: null,
      actions: [
        { description: "Add alarms", ownerId: "U0LEAD", dueOn: TODAY },
        { description: "Change calendar", ownerId: "U0DUTY", dueOn: "2026-12-01" },
      ],
    });
  });

  it("requires a category from the policy and a root cause", () => {
    expect(errors({})).toEqual({
      [F.category]: "Choose a root-cause category.",
      [F.rootCause]: "The root cause is required.",
    });
    expect(errors({ ...base, [F.category]: "aliens" })[F.category]).toContain("not in the policy");
  });

  it("puts a partly filled action's problem on the missing field", () => {
    expect(errors({ ...base, [F.actionText(1)]: "Add alarms" })).toEqual({
      [F.actionOwner(1)]: "Choose who owns this action.",
      [F.actionDue(1)]: "Choose when this action is due.",
    });
    expect(Object.keys(errors({ ...base, [F.actionOwner(3)]: "U0LEAD", [F.actionDue(3)]: TODAY }))).toEqual([
      F.actionText(3),
    ]);
  });

  it("refuses a due date in the past, a non-date and one years away", () => {
    const row = { ...base, [F.actionText(0)]: "A", [F.actionOwner(0)]: "U0LEAD" };
    expect(errors({ ...row, [F.actionDue(0)]: "2026-11-22" })[F.actionDue(0)]).toContain("in the past");
    expect(errors({ ...row, [F.actionDue(0)]: "2026-02-30" })[F.actionDue(0)]).toBe("That is not a date.");
    expect(errors({ ...row, [F.actionDue(0)]: "2062-01-01" })[F.actionDue(0)]).toContain("two years");
  });

  it("keeps texts within Slack's limits", () => {
    expect(errors({ ...base, [F.wentBadly]: "x".repeat(3001) })[F.wentBadly]).toContain("at most 3000");
    const long = {
      ...base,
      [F.actionText(0)]: "x".repeat(301),
      [F.actionOwner(0)]: "U",
      [F.actionDue(0)]: TODAY,
    };
    expect(errors(long)[F.actionText(0)]).toContain("at most 300");
  });
});
