import { describe, expect, it } from "vitest";
import { validateView } from "../../../src/emulator/block-kit.js";
import { LOG_FIELDS, VIEW } from "../../../src/messages/ids.js";
import { logIncidentModal } from "../../../src/messages/log-incident-modal.js";
import { formAgainModal, savedModal, savingModal } from "../../../src/messages/saving-modal.js";
import { logFormState, validLogForm } from "../../helpers/slack-payloads.js";

const NOW = new Date("2026-12-06T10:00:00Z");
const types = [
  { key: "service_failure", label: "Service failure" },
  { key: "complaint", label: "Complaint" },
];

/** The form as Slack sends it back with a submission: its blocks, ids and the entries. */
function submitted(state: Record<string, unknown>) {
  return {
    ...logIncidentModal({ types, now: NOW, metadata: {} }),
    id: "V0FORM",
    hash: "1.abc",
    team_id: "T0TEAM",
    state: { values: state },
  };
}

describe("the views of a save that outlives the deadline", () => {
  // The first validateView compiles Slack's schemas: seconds on a loaded machine.
  it("saving and saved views are valid modals with no submit button", { timeout: 60_000 }, () => {
    for (const view of [
      savingModal({ title: "Log an incident", what: "your incident" }),
      savedModal({ title: "Resolve", text: "INC-000004 is resolved." }),
    ]) {
      expect(validateView(view)).toEqual([]);
      expect(view.callback_id).toBe(VIEW.saving);
      expect("submit" in view).toBe(false);
    }
    expect(JSON.stringify(savingModal({ title: "Log an incident", what: "your incident" }))).toContain(
      "Saving your incident…",
    );
  });

  it("shows the form again with every entry and the reason on top", () => {
    const form = validLogForm({ title: "Queue 3 silent", type: "complaint", impact: "high" });
    const again = formAgainModal(submitted(logFormState(form)), "press Log incident again");
    expect(validateView(again)).toEqual([]);
    expect(again.callback_id).toBe(VIEW.logIncident);
    expect(again).toHaveProperty("submit");
    expect(again).not.toHaveProperty("id");
    expect(again).not.toHaveProperty("state");
    const blocks = again.blocks as Array<{
      block_id?: string;
      text?: { text: string };
      element?: Record<string, unknown>;
    }>;
    expect(blocks[0]?.text?.text).toBe(":warning: *Not saved.* press Log incident again");
    const element = (id: string) => blocks.find((b) => b.block_id === id)?.element ?? {};
    expect(element(LOG_FIELDS.title).initial_value).toBe("Queue 3 silent");
    expect(element(LOG_FIELDS.callerReference).initial_value).toBe(form.callerReference);
    expect(element(LOG_FIELDS.type).initial_option).toMatchObject({ value: "complaint" });
    expect(element(LOG_FIELDS.impact).initial_option).toMatchObject({ value: "high" });

    // Shown again after a second failure: one notice, not two.
    const twice = formAgainModal({ ...again, state: { values: logFormState(form) } }, "again");
    expect(JSON.stringify(twice).match(/Not saved/g)).toHaveLength(1);
  });
});
