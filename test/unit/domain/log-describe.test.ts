import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOG_KINDS } from "../../../src/domain/log.js";
import {
  type DescribeContext,
  describeActor,
  describeEntry,
  humanise,
  NO_NAMES,
} from "../../../src/domain/log-describe.js";
import { isPlumbing, namesInLog, slackIdsIn } from "../../../src/domain/log-view.js";

const NAMES = new Map([
  ["U0AGENT", "Dana Scully"],
  ["U0LEAD", "Lee Lead"],
  ["U0OLD", "Olly Old"],
  ["U0OTHER", "Omar Other"],
  ["U0GONE", "a former member"],
  ["C0STAKE", "#incident-stakeholders"],
  ["C0INC", "#inc-000123-card"],
  ["C0X", "#old-stakeholders"],
  ["C0FLOOR", "#contact-floor"],
]);
const CTX: DescribeContext = {
  names: NAMES,
  timezone: "America/New_York",
  typeLabels: { service_failure: "Service failure" },
};

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

/** What a reader must never see: Slack user/channel ids (which hold a digit, unlike "UTC") and ISO strings. */
const RAW_ID = /\b(?=[A-Z0-9]*\d)[UWCGD][A-Z0-9]{2,}\b/;
const ISO = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2})?/;

describe("describeEntry", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "created",
      CREATED,
      "Incident logged as INC-000123: Card payments failing (P2, major, type Service failure, reported via Phone, service Payments)",
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
      "Incident channel created: #inc-000123-card",
    ],
    [
      "reporter_invited",
      { user: "U0AGENT", channel: "C0INC" },
      "Reporter Dana Scully invited to #inc-000123-card",
    ],
    ["owner_invited", { user: "U0AGENT", channel: "C0INC" }, "Owner Dana Scully invited to #inc-000123-card"],
    ["summary_posted", POSTED, "Posted summary card to #incident-stakeholders"],
    ["summary_pinned", { channel: "C0INC", ts: "1.2" }, "Pinned summary card in #inc-000123-card"],
    ["announcement_posted", POSTED, "Posted announcement to #incident-stakeholders"],
    ["reporter_notified", { ...POSTED, channel: "D0AGENT" }, "Notified the reporter in a direct message"],
    ["update_posted", POSTED, "Posted update to #incident-stakeholders"],
    ["update_posted", {}, "Posted update to an unknown channel"],
    [
      "milestone_posted",
      { channel: "C0STAKE", milestone: "on_hold", ts: "1.2" },
      "Told stakeholders in #incident-stakeholders (on hold)",
    ],
    [
      "delivery_failed",
      { channel: "C0X", error: "is_archived" },
      "Delivery to #old-stakeholders failed: is archived",
    ],
    [
      "delivery_failed",
      { purpose: "stakeholder_update", channel: "C0X", error: "is_archived" },
      "Delivery to #old-stakeholders failed: is archived (stakeholder update)",
    ],
    [
      "delivery_failure_reported",
      { to: "U0LEAD", channel: "C0X", purpose: "announcement" },
      "Told Lee Lead that delivery to #old-stakeholders failed (announcement)",
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
      "Resolved (not an incident): dupe. Root cause: user error",
    ],
    [
      "status_changed",
      {
        action: "resolve",
        resolution: {
          summary: "Test payments go through.",
          closeCode: "fixed",
          rootCause: "A faulty certificate",
        },
      },
      "Resolved (fixed): Test payments go through. Root cause: A faulty certificate",
    ],
    [
      "status_changed",
      { action: "resolve", resolution: { closeCode: "fixed", rootCause: "A faulty certificate" } },
      "Resolved (fixed); root cause: A faulty certificate",
    ],
    [
      "status_changed",
      { from: "resolved", to: "in_progress", action: "reopen", reason: "back again" },
      "Reopened: back again",
    ],
    ["status_changed", { from: "weird", to: "odder" }, "Status weird → odder"],
    ["owner_changed", { from: null, to: "U0LEAD" }, "Owner set to Lee Lead"],
    [
      "owner_changed",
      { from: null, to: "U0LEAD", via: "acknowledge" },
      "Owner set to Lee Lead (on acknowledging)",
    ],
    ["owner_changed", { from: "U0OLD", to: "U0LEAD" }, "Owner changed Olly Old → Lee Lead"],
    ["owner_changed", { from: "U0OLD", to: null }, "Owner cleared (was Olly Old)"],
    ["owner_changed", { from: "U0GONE", to: "U0NOBODY" }, "Owner changed a former member → someone"],
    ["note_added", { text: "Vendor says fix in 1h" }, "Note: Vendor says fix in 1h"],
    ["note_added", { text: "line one\nline two" }, "Note: line one line two"],
    [
      "update_written",
      { channels: ["C0STAKE", "C0X", "C0FLOOR"], nextUpdateAt: "2026-12-06T07:56:00.000Z" },
      "Stakeholder update written for #incident-stakeholders, #old-stakeholders and #contact-floor; next update by Sun 6 Dec 02:56 EST",
    ],
    ["update_written", { channels: ["C0STAKE"] }, "Stakeholder update written for #incident-stakeholders"],
    [
      "field_changed",
      { field: "priority", from: "P1", to: "P3", reason: "less impact" },
      "Priority changed P1 → P3 (reason: less impact)",
    ],
    [
      "field_changed",
      { field: "matrixPriority", from: "P2", to: "P3", reason: "urgency lowered" },
      "Priority from the matrix changed P2 → P3 (reason: urgency lowered)",
    ],
    [
      "field_changed",
      { field: "major", from: false, to: true, reason: "press" },
      "Made a major incident (reason: press)",
    ],
    ["field_changed", { field: "major", from: true, to: false }, "No longer a major incident"],
    [
      "field_changed",
      { field: "type", from: "complaint", to: "service_failure", reason: "outage" },
      "Type changed complaint → Service failure (reason: outage)",
    ],
    [
      "field_changed",
      { field: "personalData", from: false, to: true, clocksStarted: ["regulator_notice"] },
      "Flagged as involving personal data (clocks started: regulator notice)",
    ],
    ["exported", { format: "csv" }, "Log exported as CSV"],
    [
      "exported",
      { formats: ["markdown", "csv"], entries: 12, channel: "C0INC" },
      "Log exported as Markdown and CSV (12 entries) to #inc-000123-card",
    ],
    ["exported", {}, "Log exported"],
    [
      "playbook_posted",
      { type: "service_failure", typeLabel: "Service failure", steps: [{}, {}, {}], channel: "C0INC" },
      "Playbook checklist for Service failure posted (3 steps) to #inc-000123-card",
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
      "Handed over Dana Scully → Omar Other. Note: Carrier on site next update 16:00",
    ],
    [
      "sla_warning",
      { clock: "respond", step: "warn-0", plannedAt: "2026-12-06T07:41:00.000Z" },
      "SLA warning: the response deadline is near",
    ],
    [
      "sla_breached",
      {
        clock: "resolve",
        step: "breach",
        plannedAt: "x",
        dueAt: "2026-12-06T07:56:00.000Z",
        lateMs: 180_000,
      },
      "SLA breached: the resolution deadline was Sun 6 Dec 02:56 EST (3 min late)",
    ],
    [
      "escalation_sent",
      { clock: "respond", level: 1, role: "team_lead", to: ["U0LEAD", "U0OTHER"], overdueMs: 900_000 },
      "Escalated to level 1, team lead (Lee Lead and Omar Other): response deadline missed by 15 min",
    ],
    [
      "escalation_sent",
      { manual: true, level: 2, role: "duty_manager", to: [], reason: "Queue 20 min" },
      "Escalated by hand to level 2, duty manager (nobody holds that role): Queue 20 min",
    ],
    [
      "escalation_acknowledged",
      { clock: "update_every", generation: 3 },
      "Escalation of the stakeholder update deadline acknowledged",
    ],
    [
      "clock_stopped",
      { clock: "regulator_notice", label: "Regulator notified" },
      "Regulator notified: the regulator notice clock stopped",
    ],
    [
      "agents_told_resolved",
      { channels: ["C0FLOOR"] },
      "Agents told the incident is resolved in #contact-floor",
    ],
    ["agents_told_reopened", {}, "Agents told the incident is back"],
    [
      "review_published",
      { channel: "C0INC", fileId: "F0123ABC" },
      "Post-incident review document uploaded to #inc-000123-card",
    ],
    [
      "communication_logged",
      {
        with: "audience",
        audience: "regulator",
        audienceLabel: "Regulator",
        channel: "phone",
        direction: "outbound",
        summary: "Told them the outage is over",
        at: "2026-12-06T19:05:00.000Z",
      },
      "Phone call to Regulator (outbound, Sun 6 Dec 14:05 EST): Told them the outage is over",
    ],
    [
      "communication_logged",
      { with: "customers", channel: "email", direction: "inbound", summary: "Asked for a refund" },
      "Email from customers (inbound): Asked for a refund",
    ],
    [
      "communication_logged",
      {
        with: "other",
        other: "Landlord's agent",
        channel: "in_person",
        direction: "outbound",
        summary: "Keys",
      },
      "Conversation in person with Landlord's agent (outbound): Keys",
    ],
    ["communication_logged", { channel: "C0STAKE" }, "Communication with an audience"],
    ["something_new", { a: 1 }, "Something new (a: 1)"],
    [
      "something_new",
      { whoDidIt: "U0LEAD", where: ["C0STAKE"], at: "2026-12-06T07:56:00.000Z", ts: "1.2" },
      "Something new (who did it: Lee Lead, where: #incident-stakeholders, at: Sun 6 Dec 02:56 EST)",
    ],
    ["somethingNew", {}, "Something new"],
  ])("%s %j", (kind, details, expected) => {
    expect(describeEntry(entry(kind, details), CTX)).toBe(expected);
  });

  it("names people and channels it has no name for without showing their ids", () => {
    expect(describeEntry(entry("owner_changed", { from: null, to: "U024BE7LH" }))).toBe(
      "Owner set to someone",
    );
    expect(describeEntry(entry("update_posted", { channel: "C024BE7LH" }))).toBe(
      "Posted update to a channel",
    );
    expect(describeEntry(entry("reporter_notified", { channel: "U0AGENT" }), CTX)).toBe(
      "Notified the reporter in a direct message to Dana Scully",
    );
  });

  it("reads every time in the policy's zone, daylight saving included", () => {
    const at = (zone: string, iso: string) =>
      describeEntry(entry("briefing_posted", { channels: [], nextUpdateAt: iso }), {
        ...CTX,
        timezone: zone,
      });
    expect(at("Europe/London", "2026-07-01T09:00:00.000Z")).toBe(
      "Agents briefed; next update to agents by Wed 1 Jul 10:00 BST",
    );
    expect(at("Europe/London", "2026-12-01T09:00:00.000Z")).toContain("Tue 1 Dec 09:00 GMT");
    expect(at("America/New_York", "2026-07-01T09:00:00.000Z")).toContain("Wed 1 Jul 05:00 EDT");
  });

  it("clips unknown kinds' details to 300 characters", () => {
    const line = describeEntry(entry("mystery", { blob: "x".repeat(1000) }));
    expect(line.startsWith("Mystery (blob: xxx")).toBe(true);
    expect(Array.from(line.slice("Mystery (".length, -1))).toHaveLength(300);
    expect(line.endsWith("…)")).toBe(true);
  });

  it("never reveals a caller reference, even if one slipped into the details", () => {
    expect(describeEntry(entry("caller_reference_set", { set: true, value: "ACC-31337" }))).toBe(
      "Caller reference recorded",
    );
  });

  it("survives details that are not objects at all", () => {
    for (const details of [null, undefined, 42, "text", [1, 2], true]) {
      for (const kind of [...LOG_KINDS, "unknown_kind"]) {
        const line = describeEntry({ kind, actor: "system", details: details as never }, CTX);
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
    const ctx = fc.record({
      names: fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 5 }).map((pairs) => new Map(pairs)),
      timezone: fc.constantFrom("UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Not/AZone"),
    });
    fc.assert(
      fc.property(kinds, details, fc.string(), ctx, (kind, d, actor, c) => {
        const line = describeEntry({ kind, details: d, actor }, c);
        expect(typeof line).toBe("string");
        expect(line.length).toBeGreaterThan(0);
        expect(line).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it("never shows a Slack id or an ISO time held in a structural field, named or not", () => {
    const id = fc.constantFrom(
      "U024BE7LH",
      "W0123ABCD",
      "C0STAKE",
      "C024BE7LH",
      "G0PRIVATE1",
      "D024BE7LH",
      "U0AGENT",
    );
    const iso = fc
      .date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true })
      .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 10)));
    const scalar = fc.oneof(id, iso);
    const value = fc.oneof(
      scalar,
      fc.array(scalar, { maxLength: 3 }),
      fc.array(fc.record({ field: fc.constant("callsQueued"), from: scalar, to: scalar }), { maxLength: 2 }),
    );
    // Free text people typed (notes, reasons, labels) is theirs and shown as written.
    const FREE_TEXT = new Set([
      ...["text", "note", "reason", "summary", "rootCause", "title", "request", "description", "holdNote"],
      ...["label", "teamLabel", "typeLabel", "team", "reference", "retention", "lateReason", "format"],
      ...["formats", "priority", "number", "affectedService", "name", "resolution"],
    ]);
    const key = fc
      .oneof(
        fc.constantFrom("from", "to", "user", "channel", "channels", "ownerId", "lead", "nextUpdateAt"),
        fc.constantFrom("dueOn", "plannedAt", "dueAt", "reportedAt", "changes"),
        fc.string({ maxLength: 12 }),
      )
      .filter((k) => !FREE_TEXT.has(k));
    const ctx = fc.constantFrom(CTX, NO_NAMES, { ...CTX, names: new Map() });
    fc.assert(
      fc.property(
        // A kind is a name the code chose, not a value: only its details are under test here.
        fc.oneof(
          fc.constantFrom(...LOG_KINDS),
          // Filtered as it is shown (humanised, upper-cased), so "C00_" cannot pose as an id.
          fc
            .string({ maxLength: 20 })
            .filter((k) => !RAW_ID.test(humanise(k).toUpperCase()) && !ISO.test(humanise(k).toUpperCase())),
        ),
        fc.dictionary(key, value, { maxKeys: 6 }),
        fc.oneof(id, fc.constant("system")),
        ctx,
        (kind, details, actor, c) => {
          const line = describeEntry({ kind, details, actor }, c);
          expect(line).not.toMatch(RAW_ID);
          expect(line).not.toMatch(ISO);
          expect(describeActor(actor, c)).not.toMatch(RAW_ID);
        },
      ),
      { numRuns: 400 },
    );
  }, 30_000);
});

describe("describeActor", () => {
  it.each([
    ["U0AGENT", "Dana Scully"],
    ["U0NOBODY", "someone"],
    ["system", "Switchboard"],
    ["", "someone"],
  ])("%j reads %j", (actor, expected) => {
    expect(describeActor(actor, CTX)).toBe(expected);
  });
});

describe("the narrative and the plumbing", () => {
  it.each([
    "reporter_invited",
    "owner_invited",
    "summary_posted",
    "summary_pinned",
    "announcement_posted",
    "reporter_notified",
    "update_posted",
    "milestone_posted",
    "delivery_failed",
    "delivery_failure_reported",
    "exported",
  ])("%s is plumbing", (kind) => {
    expect(isPlumbing(kind)).toBe(true);
  });

  it.each([
    "created",
    "status_changed",
    "note_added",
    "update_written",
    "agents_told_resolved",
    "agents_told_reopened",
    "escalation_sent",
    "a_kind_added_later",
  ])("%s is narrative", (kind) => {
    expect(isPlumbing(kind)).toBe(false);
  });

  it("finds every id a log mentions, and the channel names it already holds", () => {
    const entries = [
      { kind: "channel_created", actor: "system", details: { channel: "C0INC", name: "inc-1-x" } },
      { kind: "escalation_sent", actor: "U0AGENT", details: { to: ["U0LEAD"], deep: { x: [{ y: "C0X" }] } } },
      { kind: "note_added", actor: "U0AGENT", details: { text: "CSV and DPO are words" } },
    ];
    expect([...slackIdsIn(entries)].sort()).toEqual(["C0INC", "C0X", "U0AGENT", "U0LEAD"]);
    expect(namesInLog(entries)).toEqual(new Map([["C0INC", "#inc-1-x"]]));
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
