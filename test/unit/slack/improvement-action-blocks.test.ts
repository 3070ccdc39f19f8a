import { describe, expect, it } from "vitest";
import { describeEntry } from "../../../src/domain/log-describe.js";
import { validateMessageBlocks, validateView } from "../../../src/emulator/block-kit.js";
import { IMPROVEMENT_ACTION } from "../../../src/messages/ids.js";
import {
  actionAssignedDm,
  actionDoneDm,
  actionEscalationDm,
  actionList,
  actionOverdueDm,
  actionReminderDm,
  actionRescheduledDm,
  rescheduleModal,
  spokenDuration,
} from "../../../src/messages/improvement-actions.js";

const action = {
  id: "7d3c1a52-1f7e-4c55-9a39-2b7d6a0e4f11",
  number: 7,
  description: "Add a second carrier for the IVR <trunk> & alerting",
  ownerId: "U0AGENT",
  dueOn: "2026-11-27",
};
const incident = { number: 42, title: "IVR down" };
const DAY = 86_400_000;

describe("improvement action DMs", () => {
  it("are valid Block Kit, name action, incident and due date, and carry both buttons", () => {
    const dms = [
      actionAssignedDm(action, incident, { remindBeforeMs: DAY, reminder: true }),
      actionReminderDm(action, incident),
      actionOverdueDm(action, incident, { escalateAfterMs: 2 * DAY }),
      actionEscalationDm(action, incident, { daysOverdue: 2 }),
    ];
    for (const dm of dms) {
      expect(validateMessageBlocks(dm.blocks)).toEqual([]);
      const json = JSON.stringify(dm);
      expect(json).toContain("ACT-7");
      expect(json).toContain("INC-000042");
      expect(json).toContain("Fri 27 Nov 2026");
      expect(json).toContain("&lt;trunk&gt; &amp;");
      expect(json).toContain(IMPROVEMENT_ACTION.markDone);
      expect(json).toContain(IMPROVEMENT_ACTION.proposeDate);
    }
  });

  it("says when there will be no separate reminder", () => {
    const dm = actionAssignedDm(action, incident, { remindBeforeMs: DAY, reminder: false });
    expect(JSON.stringify(dm)).toContain("no separate reminder");
    expect(
      JSON.stringify(actionAssignedDm(action, incident, { remindBeforeMs: DAY, reminder: true })),
    ).toContain("remind you a day before");
  });

  it("says durations in words: a day, an hour, 2 days", () => {
    expect(spokenDuration(DAY)).toBe("a day");
    expect(spokenDuration(DAY / 24)).toBe("an hour");
    expect(spokenDuration(2 * DAY)).toBe("2 days");
    expect(spokenDuration(DAY + 6 * (DAY / 24))).toBe("1 day 6 hours");
    const overdue = actionOverdueDm(action, incident, { escalateAfterMs: 2 * DAY });
    expect(JSON.stringify(overdue)).toContain("still open in 2 days");
  });

  it("tells the team lead who owns it and how late it is", () => {
    const dm = actionEscalationDm(action, incident, { daysOverdue: 3 });
    expect(dm.text).toBe("ACT-7 owned by <@U0AGENT> is 3 days overdue");
  });

  it("a done DM and a move notice have no buttons", () => {
    for (const dm of [
      actionDoneDm(action, incident, { doneBy: "U0LEAD" }),
      actionRescheduledDm(action, incident, {
        by: "U0LEAD",
        from: "2026-11-27",
        to: "2026-12-04",
        reason: "Carrier delay",
      }),
    ]) {
      expect(validateMessageBlocks(dm.blocks)).toEqual([]);
      expect(JSON.stringify(dm)).not.toContain(IMPROVEMENT_ACTION.markDone);
    }
  });

  it("the reschedule modal is valid and never offers a past date", () => {
    expect(validateView(rescheduleModal(action, { today: "2026-11-01" }))).toEqual([]);
    const late = rescheduleModal(action, { today: "2026-12-01" });
    expect(JSON.stringify(late)).toContain('"initial_date":"2026-12-01"');
  });
});

describe("the actions list", () => {
  const row = (n: number, dueAt: Date) => ({
    id: action.id,
    number: n,
    description: `Action ${n}`,
    ownerId: "U0AGENT",
    dueOn: "2026-11-27",
    dueAt,
    status: "open" as const,
    incidentNumber: 42,
  });
  const now = new Date("2026-11-30T12:00:00Z");

  it("flags overdue actions and says when it is cut short, inside 50 blocks", () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, new Date(now.getTime() + (i - 1) * DAY)));
    const list = actionList(rows, { heading: "All", empty: "none", now, more: true });
    expect(validateMessageBlocks(list.blocks)).toEqual([]);
    expect(list.blocks.length).toBeLessThanOrEqual(50);
    const json = JSON.stringify(list);
    expect(json.match(/Overdue/g)).toHaveLength(2);
    expect(json).toContain("there are more");
  });

  it("answers an empty list with a sentence", () => {
    expect(actionList([], { heading: "All", empty: "Nothing here.", now, more: false }).text).toBe(
      "Nothing here.",
    );
  });
});

describe("log descriptions of improvement actions", () => {
  const d = { actionId: action.id, number: 7, ownerId: "U0AGENT", dueOn: "2026-11-27" };
  it.each<[string, Record<string, unknown>, string]>([
    [
      "action_added",
      { ...d, description: "Second carrier" },
      "Improvement action ACT-7 added for Dana Scully, due Fri 27 Nov 2026: Second carrier",
    ],
    ["action_reminded", d, "Reminded Dana Scully that improvement action ACT-7 is due Fri 27 Nov 2026"],
    ["action_overdue", d, "Improvement action ACT-7 overdue (was due Fri 27 Nov 2026); told Dana Scully"],
    [
      "action_escalated",
      { ...d, to: ["U0LEAD"], daysOverdue: 2 },
      "Improvement action ACT-7 (owner Dana Scully) 2 days overdue: escalated to Lee Lead",
    ],
    [
      "action_escalated",
      { ...d, to: [] },
      "Improvement action ACT-7 (owner Dana Scully) overdue: nobody to escalate to (no team lead)",
    ],
    ["action_done", d, "Improvement action ACT-7 marked done"],
    [
      "action_rescheduled",
      { ...d, from: "2026-11-27", to: "2026-12-04", reason: "Carrier delay" },
      "Improvement action ACT-7 moved Fri 27 Nov 2026 → Fri 4 Dec 2026 (reason: Carrier delay)",
    ],
  ])("%s", (kind, details, expected) => {
    const names = new Map([
      ["U0AGENT", "Dana Scully"],
      ["U0LEAD", "Lee Lead"],
    ]);
    expect(describeEntry({ kind, details, actor: "system" }, { names, timezone: "Europe/London" })).toBe(
      expected,
    );
  });
});
