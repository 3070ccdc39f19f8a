import { describe, expect, it } from "vitest";
import { checkMessage, validateView } from "../../../src/emulator/block-kit.js";
import {
  REVIEW_FIELDS as F,
  REVIEW_ACTION,
  REVIEW_ACTION_ROWS,
  REVIEW_LIMITS,
} from "../../../src/messages/ids.js";
import { reviewModal, reviewPrompt, reviewPromptCompleted } from "../../../src/messages/review.js";
import { incidentRow } from "../../helpers/fixtures.js";

type Block = {
  type: string;
  block_id?: string;
  optional?: boolean;
  label?: { text: string };
  hint?: { text: string };
  text?: { text: string };
  elements?: Array<{ text?: string }>;
  element?: { initial_value?: string };
};

const incident = incidentRow({ priority: "P1", major: true });
const lines = { times: ["Reported: 2026-11-23 09:00 GMT"], sla: [], breaches: [], communications: [] };
const meta = { incidentId: incident.id, reviewId: "6f1c3f5e-2d0c-4b7e-9d6e-0d6f9f8f0a11" };
const categories = { third_party: "Third-party supplier", software_defect: "Software defect" };

const modal = (rootCause?: string | null) =>
  reviewModal(incident, { lines, timezone: "Europe/London", categories, meta, rootCause });
const blocksOf = (view: { blocks: unknown[] }) => view.blocks as Block[];
const block = (view: { blocks: unknown[] }, id: string) => blocksOf(view).find((b) => b.block_id === id)!;

describe("review form", () => {
  it("starts its root cause from the one given when the incident was resolved", () => {
    const view = modal("Carrier trunk failed after a firmware update");
    const root = block(view, F.rootCause);
    expect(root.element?.initial_value).toBe("Carrier trunk failed after a firmware update");
    expect(root.hint?.text).toContain("from the resolution");
    expect(root.optional).toBe(false);
    expect(validateView(view)).toEqual([]);
  });

  it("leaves the root cause empty when the resolution gave none", () => {
    for (const none of [undefined, null, "", "   "]) {
      const root = block(modal(none), F.rootCause);
      expect(root.element?.initial_value).toBeUndefined();
      expect(root.hint?.text).toBe("What caused it, as far as you know now.");
    }
  });

  it("keeps a long resolution's root cause inside the field's limit", () => {
    const root = block(modal("x".repeat(5000)), F.rootCause);
    expect(root.element?.initial_value?.length).toBeLessThanOrEqual(REVIEW_LIMITS.text);
    expect(validateView(modal("x".repeat(5000)))).toEqual([]);
  });

  it("marks every action-row field optional and says plainly that the rows may be left blank", () => {
    const view = modal(null);
    const rows = Array.from({ length: REVIEW_ACTION_ROWS }, (_, n) => [
      F.actionText(n),
      F.actionOwner(n),
      F.actionDue(n),
    ]).flat();
    for (const id of rows) {
      const b = block(view, id);
      expect(b.optional, id).toBe(true);
      // Slack adds "(optional)" to an optional input's label: the label must not say it twice.
      expect(b.label?.text, id).not.toMatch(/optional/i);
    }
    expect(block(view, F.actionText(0)).hint?.text).toMatch(/leave blank to skip/i);
    expect(block(view, F.actionOwner(2)).label?.text).toBe("Owner of action 3");
    expect(block(view, F.actionDue(4)).label?.text).toBe("Due date of action 5");
    const header = blocksOf(view).find((b) => b.type === "header")!;
    expect(header.text?.text).toBe("Preventive actions (optional)");
    const note = JSON.stringify(blocksOf(view)[blocksOf(view).indexOf(header) + 1]);
    expect(note).toContain("Optional");
    expect(note).toContain("Leave a row blank to skip it");
    expect(note).not.toContain("Each needs");
  });

  it("requires only the category and the root cause", () => {
    const required = blocksOf(modal(null))
      .filter((b) => b.type === "input" && !b.optional)
      .map((b) => b.block_id);
    expect(required).toEqual([F.category, F.rootCause]);
  });
});

describe("review prompt", () => {
  it("asks for the review with a button while it is due", () => {
    const prompt = reviewPrompt(incident, true);
    expect(JSON.stringify(prompt.blocks)).toContain(REVIEW_ACTION.open);
  });

  it("once completed, says who completed it and when, with no button left", () => {
    const done = reviewPromptCompleted(incident, {
      completedBy: "U0LEAD",
      completedAt: new Date("2026-11-23T10:05:00Z"),
      timezone: "Europe/London",
    });
    const json = JSON.stringify(done.blocks);
    // A date each reader sees in their own zone ("today 10:05"), as everywhere else in Slack.
    expect(json).toContain(
      "Review completed by <@U0LEAD> <!date^1795428300^{date_short_pretty} {time}|23 Nov 2026 10:05 GMT>.",
    );
    expect(done.text).toContain("completed by <@U0LEAD> on Mon 23 Nov 2026 10:05 GMT");
    expect(done.text).toContain("INC-");
    expect(json).not.toContain(REVIEW_ACTION.open);
    expect((done.blocks as Block[]).some((b) => b.type === "actions")).toBe(false);
    expect(checkMessage(done)).toBeNull();
  });

  it("gives the completion time in the policy's zone (summer time included)", () => {
    const done = reviewPromptCompleted(incident, {
      completedBy: "U0AGENT",
      completedAt: new Date("2026-07-01T08:30:00Z"),
      timezone: "Europe/London",
    });
    expect(done.text).toContain("on Wed 1 Jul 2026 09:30 BST");
  });
});
