import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatLongDuration } from "../../../src/domain/duration.js";
import { type ChangeEntry, hears, MILESTONES, milestonesOf } from "../../../src/domain/milestones.js";
import { milestoneNotice, milestoneRoundup } from "../../../src/messages/milestone.js";
import { narrativeLines } from "../../../src/messages/narrative.js";
import { incidentRow } from "../../helpers/fixtures.js";

const after = {
  ownerId: "U0LEAD",
  loggedAt: new Date("2026-12-06T08:00:00Z"),
  resolvedAt: new Date("2026-12-06T11:12:00Z"),
  resolveDueAt: new Date("2026-12-06T12:00:00Z"),
};
const status = (details: Record<string, unknown>): ChangeEntry => ({ kind: "status_changed", details });

describe("milestonesOf", () => {
  it.each<[string, ChangeEntry[], string[]]>([
    [
      "acknowledge that made the presser owner: one milestone",
      [
        status({ action: "acknowledge", from: "open", to: "acknowledged" }),
        { kind: "owner_changed", details: { from: null, to: "U0LEAD", via: "acknowledge" } },
      ],
      ["acknowledged"],
    ],
    [
      "a take-over",
      [{ kind: "owner_changed", details: { from: "U0AGENT", to: "U0LEAD" } }],
      ["owner_changed"],
    ],
    ["start work is not a milestone", [status({ action: "start" })], []],
    ["hold and resume", [status({ action: "hold", holdReason: "awaiting_customer" })], ["on_hold"]],
    ["resume", [status({ action: "resume" })], ["resumed"]],
    [
      "resolve",
      [status({ action: "resolve", resolution: { summary: "Fixed", closeCode: "fixed" } })],
      ["resolved"],
    ],
    ["reopen", [status({ action: "reopen", from: "closed", reason: "Back" })], ["reopened"]],
    ["close", [status({ action: "close" })], ["closed"]],
    [
      "re-categorised: the priority and the flag, not the matrix's own priority",
      [
        { kind: "field_changed", details: { field: "matrixPriority", from: "P3", to: "P2" } },
        { kind: "field_changed", details: { field: "priority", from: "P3", to: "P2", reason: "r" } },
        { kind: "field_changed", details: { field: "major", from: false, to: true, reason: "r" } },
      ],
      ["priority_changed", "major_changed"],
    ],
    ["a note is not a milestone", [{ kind: "note_added", details: { text: "x" } }], []],
  ])("%s", (_, entries, expected) => {
    expect(milestonesOf(entries, "U0LEAD", after, 4 * 3_600_000).map((e) => e.milestone)).toEqual(expected);
  });

  it("says how long a resolution took against its target, and whether it met it", () => {
    const [resolved] = milestonesOf(
      [status({ action: "resolve", resolution: { summary: "Router", closeCode: "fixed" } })],
      "U0LEAD",
      after,
      4 * 3_600_000,
    );
    expect(resolved).toMatchObject({
      milestone: "resolved",
      tookMs: 192 * 60_000,
      targetMs: 4 * 3_600_000,
      metSla: true,
    });
    const late = milestonesOf(
      [status({ action: "resolve" })],
      "U0LEAD",
      { ...after, resolveDueAt: new Date("2026-12-06T10:00:00Z") },
      null,
    );
    expect(late[0]).toMatchObject({ metSla: false, targetMs: null });
  });

  it("a duplicate's resolved notice says which incident to follow from now on", () => {
    const [resolved] = milestonesOf(
      [
        status({
          action: "resolve",
          resolution: { summary: "Same outage", closeCode: "duplicate" },
          duplicateOf: "INC-000123",
        }),
      ],
      "U0LEAD",
      after,
      null,
    );
    expect(resolved).toMatchObject({ milestone: "resolved", duplicateOf: "INC-000123" });
    const notice = milestoneNotice(incidentRow({ status: "resolved" }), resolved!);
    expect(notice.text).toContain("Follow INC-000123 from now on: this was a duplicate of it.");
  });

  it("hears every milestone without a list, only the listed ones with one", () => {
    for (const m of MILESTONES) expect(hears(null, m)).toBe(true);
    expect(hears(["resolved"], "resolved")).toBe(true);
    expect(hears(["resolved"], "closed")).toBe(false);
    expect(hears([], "logged")).toBe(false);
  });
});

describe("the notices people read", () => {
  const incident = incidentRow({ status: "resolved", priority: "P2", channelId: "C0INC42" });

  it("is short: reference, priority, status, one line of what changed and the channel", () => {
    const [event] = milestonesOf(
      [status({ action: "resolve", resolution: { summary: "Carrier fixed the route", closeCode: "fixed" } })],
      "U0LEAD",
      after,
      4 * 3_600_000,
    );
    const notice = milestoneNotice(incident, event!);
    expect(notice.text).toBe(
      ":white_check_mark: *INC-000042* · P2 · MAJOR · *Resolved* · _Card payments failing_\nResolved by <@U0LEAD>: Carrier fixed the route · Fixed · took 3h 12m against a 4h target (met).",
    );
    expect(JSON.stringify(notice.blocks)).toContain("<#C0INC42>");
    expect(notice.blocks).toHaveLength(2);
  });

  it("never lets a reason or summary mention, link or ping", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const evil = `${text}<!channel> <https://evil.example|click> <@U0HEAD>`;
        const events = milestonesOf(
          [
            status({ action: "resolve", resolution: { summary: evil, closeCode: "fixed" } }),
            status({ action: "reopen", reason: evil }),
            { kind: "field_changed", details: { field: "priority", from: "P3", to: "P2", reason: evil } },
          ],
          "U0LEAD",
          after,
          null,
        );
        for (const event of events) {
          const shown = JSON.stringify(milestoneNotice(incident, event));
          expect(shown).not.toContain("<!channel>");
          expect(shown).not.toContain("<https://evil");
          expect(shown).not.toContain("<@U0HEAD>");
        }
        const lines = narrativeLines([status({ action: "reopen", reason: evil })], "U0LEAD").join("\n");
        expect(lines).not.toContain("<!channel>");
        expect(lines).not.toContain("<@U0HEAD>");
      }),
      { numRuns: 200 },
    );
  }, 30_000);

  it("rounds up many notices in order, inside a message's 50 blocks", () => {
    const texts = Array.from({ length: 100 }, (_, i) => `notice ${i} ${"x".repeat(900)}`);
    const roundup = milestoneRoundup(texts);
    expect(roundup.blocks.length).toBeLessThanOrEqual(50);
    const shown = roundup.blocks.map((b) => JSON.stringify(b)).join("");
    expect(shown.indexOf("notice 0 ")).toBeLessThan(shown.indexOf("notice 99 "));
    for (const b of roundup.blocks)
      expect((b as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
  });
});

describe("the incident channel's story", () => {
  it.each<[string, ChangeEntry[], string]>([
    [
      "acknowledged and owned",
      [
        status({ action: "acknowledge" }),
        { kind: "owner_changed", details: { from: null, to: "U0A", via: "acknowledge" } },
      ],
      ":raised_hand: <@U0A> acknowledged it and is now its owner.",
    ],
    [
      "took ownership",
      [{ kind: "owner_changed", details: { from: "U0B", to: "U0A" } }],
      ":bust_in_silhouette: <@U0A> took ownership from <@U0B>.",
    ],
    [
      "re-categorised in one line",
      [
        {
          kind: "field_changed",
          details: { field: "matrixPriority", from: "P3", to: "P2", reason: "Queue" },
        },
        { kind: "field_changed", details: { field: "priority", from: "P3", to: "P2", reason: "Queue" } },
      ],
      ":label: <@U0A> re-categorised it: priority P3 → P2: Queue.",
    ],
    [
      "re-categorised under a priority set by hand: the matrix's word does not read as a downgrade",
      [
        {
          kind: "field_changed",
          details: { field: "urgency", from: "high", to: "medium", reason: "Fewer calls" },
        },
        {
          kind: "field_changed",
          details: { field: "matrixPriority", from: "P1", to: "P2", reason: "Fewer calls" },
        },
      ],
      ":label: <@U0A> re-categorised it: urgency High → Medium, the matrix now gives P2 (the priority set by hand stands): Fewer calls.",
    ],
    [
      "escalated by hand, naming who was messaged",
      [
        {
          kind: "escalation_sent",
          details: { manual: true, role: "duty_manager", to: ["U0D"], reason: "Queue at 40" },
        },
      ],
      ":mega: <@U0A> escalated it to the duty manager (<@U0D>): Queue at 40.",
    ],
    [
      "resumed",
      [status({ action: "resume" })],
      ":arrow_forward: <@U0A> resumed work. The resolve clock runs again.",
    ],
    [
      "resolved, with its close code and summary",
      [status({ action: "resolve", resolution: { summary: "Carrier fixed the route", closeCode: "fixed" } })],
      ":white_check_mark: <@U0A> resolved it (Fixed): Carrier fixed the route.",
    ],
    [
      "resolved, with a summary that ends its own sentence",
      [status({ action: "resolve", resolution: { summary: "Payments go through.", closeCode: "fixed" } })],
      ":white_check_mark: <@U0A> resolved it (Fixed): Payments go through.",
    ],
    [
      "marked major, in plain words",
      [
        {
          kind: "field_changed",
          details: { field: "major", from: false, to: true, reason: "Treat as major." },
        },
      ],
      ":rotating_light: <@U0A> marked it major: Treat as major.",
    ],
    [
      "re-categorised and marked major in one line",
      [
        { kind: "field_changed", details: { field: "priority", from: "P3", to: "P2", reason: "Queue" } },
        { kind: "field_changed", details: { field: "major", from: false, to: true, reason: "Queue" } },
      ],
      ":label: <@U0A> re-categorised it: priority P3 → P2, marked major: Queue.",
    ],
    [
      "no longer major",
      [{ kind: "field_changed", details: { field: "major", from: true, to: false, reason: "Contained" } }],
      ":rotating_light: <@U0A> marked it not major: Contained.",
    ],
    ["closed", [status({ action: "close" })], ":lock: <@U0A> closed it."],
    [
      "acknowledged another clock's escalation from its DM",
      [{ kind: "escalation_acknowledged", details: { clock: "resolve", clockLabel: "Resolve" } }],
      ":white_check_mark: <@U0A> is on it: acknowledged the resolve escalation, so no further escalation messages go out for it.",
    ],
    [
      "briefed the agents",
      [{ kind: "briefing_posted", details: { channels: ["C0FLOOR"] } }],
      ":mega: <@U0A> briefed the agents in <#C0FLOOR>.",
    ],
    [
      "asked for help in the support channel",
      [{ kind: "help_requested", details: { via: "support_channel", to: ["C0HELP"] } }],
      ":sos: <@U0A> asked for help in <#C0HELP>.",
    ],
    [
      "asked the team leads for help",
      [{ kind: "help_requested", details: { via: "team_leads", to: ["U0L"] } }],
      ":sos: <@U0A> asked for help from the team leads by direct message.",
    ],
    [
      "completed the review",
      [{ kind: "review_completed", details: { category: "third_party", actions: 2 } }],
      ":memo: <@U0A> completed the post-incident review.",
    ],
    [
      "put on hold",
      [status({ action: "hold", holdReason: "awaiting_third_party", holdNote: "ACC-SECRET" })],
      ":double_vertical_bar: <@U0A> put it on hold (awaiting third party). The resolve clock is paused.",
    ],
  ])("%s", (_, entries, line) => {
    expect(narrativeLines(entries, "U0A")).toEqual([line]);
  });

  it("says nothing for what posts its own message (notes, updates, handovers)", () => {
    expect(
      narrativeLines(
        [
          { kind: "note_added", details: { text: "x" } },
          { kind: "update_written", details: {} },
          { kind: "owner_changed", details: { from: "U0B", to: "U0C", via: "handover" } },
        ],
        "U0A",
      ),
    ).toEqual([]);
  });
});

describe("formatLongDuration", () => {
  it.each<[number, string]>([
    [0, "0 seconds"],
    [20 * 60_000, "20 minutes"],
    [65 * 60_000, "1 hour 5 minutes"],
    [86_400_000 + 5 * 60_000, "1 day"],
    [2 * 86_400_000 + 3 * 3_600_000, "2 days 3 hours"],
    [1_000, "1 second"],
  ])("%d ms reads %s", (ms, words) => {
    expect(formatLongDuration(ms)).toBe(words);
  });
});
