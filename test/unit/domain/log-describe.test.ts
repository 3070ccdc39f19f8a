import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOG_KINDS } from "../../../src/domain/log.js";
import { describeEntry, humanise } from "../../../src/domain/log-describe.js";

const entry = (kind: string, details: Record<string, unknown> = {}, actor = "U0AGENT") => ({
  kind,
  details,
  actor,
});

const CREATED = {
  reference: "INC-000123",
  title: "Card payments failing",
  type: "service_failure",
  reportChannel: "phone",
  affectedService: "Payments",
  impact: "high",
  urgency: "medium",
  priority: "P2",
  matrixPriority: "P2",
  major: true,
  reportedAt: "2026-11-23T10:05:00.000Z",
  source: null,
};

const POSTED = { channel: "C0STAKE", ts: "1.2", permalink: "https://x.slack.com/archives/C0STAKE/p12" };

describe("describeEntry", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "created",
      CREATED,
      "Incident logged as INC-000123: Card payments failing (P2, major, type service failure, reported via Phone, service Payments)",
    ],
    ["created", {}, "Incident logged"],
    [
      "priority_overridden",
      { from: "P3", to: "P1", reason: "VIP" },
      "Priority overridden P3 → P1 (reason: VIP)",
    ],
    ["caller_reference_set", { set: true }, "Caller reference recorded"],
    [
      "channel_created",
      { channel: "C0INC", name: "inc-000123-card" },
      "Incident channel created: #inc-000123-card (id: C0INC)",
    ],
    ["reporter_invited", { user: "U0AGENT", channel: "C0INC" }, "Reporter U0AGENT invited to C0INC"],
    ["summary_posted", POSTED, "Posted summary card to C0STAKE"],
    ["summary_pinned", { channel: "C0INC", ts: "1.2" }, "Pinned summary card in C0INC"],
    ["announcement_posted", POSTED, "Posted announcement to C0STAKE"],
    ["reporter_notified", { ...POSTED, channel: "D0AGENT" }, "Notified the reporter in D0AGENT"],
    ["update_posted", POSTED, "Posted update to C0STAKE"],
    ["update_posted", {}, "Posted update to an unknown channel"],
    ["delivery_failed", { channel: "C0X", error: "is_archived" }, "Delivery to C0X failed: is_archived"],
    [
      "delivery_failed",
      { purpose: "stakeholder_update", channel: "C0X", error: "is_archived" },
      "Delivery to C0X failed: is_archived (stakeholder update)",
    ],
    [
      "delivery_failure_reported",
      { to: "U0LEAD", channel: "C0X", purpose: "announcement" },
      "Told U0LEAD that delivery to C0X failed (announcement)",
    ],
    [
      "status_changed",
      { from: "open", to: "acknowledged", action: "acknowledge" },
      "Status Open → Acknowledged",
    ],
    [
      "status_changed",
      { from: "on_hold", to: "in_progress", action: "resume" },
      "Status On hold → In progress",
    ],
    ["status_changed", { from: "resolved", to: "closed", action: "close" }, "Status Resolved → Closed"],
    [
      "status_changed",
      {
        from: "in_progress",
        to: "on_hold",
        action: "hold",
        holdReason: "awaiting_customer",
        holdNote: "waiting for callback",
      },
      "Put on hold (awaiting customer): waiting for callback",
    ],
    [
      "status_changed",
      { from: "in_progress", to: "on_hold", action: "hold", holdReason: "other", holdNote: null },
      "Put on hold (other)",
    ],
    [
      "status_changed",
      {
        from: "in_progress",
        to: "resolved",
        action: "resolve",
        resolution: { summary: "replaced router", closeCode: "fixed" },
      },
      "Resolved (fixed): replaced router",
    ],
    [
      "status_changed",
      {
        action: "resolve",
        resolution: { summary: "dupe", closeCode: "not_an_incident", rootCause: "user error" },
      },
      "Resolved (not an incident): dupe; root cause: user error",
    ],
    [
      "status_changed",
      { from: "resolved", to: "in_progress", action: "reopen", reason: "back again" },
      "Reopened: back again",
    ],
    ["status_changed", { from: "weird", to: "odder" }, "Status weird → odder"],
    ["owner_changed", { from: null, to: "U0LEAD" }, "Owner set to U0LEAD"],
    [
      "owner_changed",
      { from: null, to: "U0LEAD", via: "acknowledge" },
      "Owner set to U0LEAD (via acknowledge)",
    ],
    ["owner_changed", { from: "U0OLD", to: "U0LEAD" }, "Owner changed U0OLD → U0LEAD"],
    ["owner_changed", { from: "U0OLD", to: null }, "Owner cleared (was U0OLD)"],
    ["note_added", { text: "Vendor says fix in 1h" }, "Note: Vendor says fix in 1h"],
    ["note_added", { text: "line one\nline two" }, "Note: line one line two"],
    [
      "update_written",
      { channels: ["C1", "C2", "C3"], nextUpdateAt: "2026-11-23T10:00:00.000Z" },
      "Stakeholder update written for 3 channels; next update by 2026-11-23T10:00:00.000Z",
    ],
    ["update_written", { channels: ["C1"] }, "Stakeholder update written for 1 channel"],
    [
      "field_changed",
      { field: "priority", from: "P1", to: "P3", reason: "less impact" },
      "Priority changed P1 → P3 (reason: less impact)",
    ],
    [
      "field_changed",
      { field: "matrixPriority", from: "P2", to: "P3", reason: "urgency lowered" },
      "Matrix priority changed P2 → P3 (reason: urgency lowered)",
    ],
    [
      "field_changed",
      { field: "major", from: false, to: true, reason: "press" },
      "Major changed no → yes (reason: press)",
    ],
    ["exported", { format: "csv" }, "Log exported as csv"],
    [
      "exported",
      { formats: ["markdown", "csv"], entries: 12, channel: "C0INC" },
      "Log exported as markdown and csv (12 entries) to C0INC",
    ],
    ["exported", {}, "Log exported"],
    [
      "playbook_posted",
      { type: "service_failure", typeLabel: "Service failure", steps: [{}, {}, {}], channel: "C0INC" },
      "Playbook checklist for Service failure posted (3 steps) to C0INC",
    ],
    ["playbook_posted", {}, "Playbook checklist posted (0 steps)"],
    [
      "playbook_step_ticked",
      { step: 1, text: "Check the status page", done: true },
      "Playbook step 2 ticked: Check the status page",
    ],
    [
      "playbook_step_ticked",
      { step: 0, text: "Confirm the failure", done: false },
      "Playbook step 1 unticked: Confirm the failure",
    ],
    [
      "handed_over",
      { from: "U0AGENT", to: "U0OTHER", note: "Carrier on site\nnext update 16:00" },
      "Handed over U0AGENT → U0OTHER. Note: Carrier on site next update 16:00",
    ],
    ["something_new", { a: 1 }, 'Something new {"a":1}'],
    ["somethingNew", {}, "Something new"],
  ])("%s %j", (kind, details, expected) => {
    expect(describeEntry(entry(kind, details))).toBe(expected);
  });

  it("clips unknown kinds' details to 300 characters", () => {
    const line = describeEntry(entry("mystery", { blob: "x".repeat(1000) }));
    expect(line.startsWith('Mystery {"blob":"xxx')).toBe(true);
    expect(Array.from(line.slice("Mystery ".length))).toHaveLength(300);
    expect(line.endsWith("…")).toBe(true);
  });

  it("never reveals a caller reference, even if one slipped into the details", () => {
    expect(describeEntry(entry("caller_reference_set", { set: true, value: "ACC-31337" }))).toBe(
      "Caller reference recorded",
    );
  });

  it("survives details that are not objects at all", () => {
    for (const details of [null, undefined, 42, "text", [1, 2], true]) {
      for (const kind of [...LOG_KINDS, "unknown_kind"]) {
        const line = describeEntry({ kind, actor: "system", details: details as never });
        expect(typeof line).toBe("string");
      }
    }
  });

  it("never throws and always gives one non-empty line, whatever the details", () => {
    const kinds = fc.oneof(fc.constantFrom(...LOG_KINDS), fc.string({ maxLength: 40 }));
    const details = fc.dictionary(
      fc.oneof(
        fc.constantFrom("from", "to", "action", "resolution", "channels", "text", "field", "permalink"),
        fc.string(),
      ),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(kinds, details, fc.string(), (kind, d, actor) => {
        const line = describeEntry({ kind, details: d, actor });
        expect(typeof line).toBe("string");
        expect(line.length).toBeGreaterThan(0);
        expect(line).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 500 },
    );
  });
});

describe("humanise", () => {
  it.each([
    ["matrixPriority", "matrix priority"],
    ["not_an_incident", "not an incident"],
    ["affectedService", "affected service"],
  ])("humanise(%s) = %s", (input, expected) => {
    expect(humanise(input)).toBe(expected);
  });
});
