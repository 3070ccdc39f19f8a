import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { milestonesOf } from "../../../src/domain/milestones.js";
import {
  briefingMessage,
  floorReopenedPost,
  floorResolvedPost,
  helpRequestMessage,
} from "../../../src/messages/floor.js";
import { handoverAnnouncement, handoverDm } from "../../../src/messages/handover.js";
import { homeView } from "../../../src/messages/home.js";
import {
  actionAssignedDm,
  actionDoneDm,
  actionEscalationDm,
  actionList,
  actionOverdueDm,
  actionReminderDm,
} from "../../../src/messages/improvement-actions.js";
import {
  announcementRoundup,
  incidentAnnouncement,
  incidentCard,
  reporterNotice,
} from "../../../src/messages/incident-card.js";
import { incidentList } from "../../../src/messages/incident-list.js";
import { milestoneNotice, milestoneRoundup } from "../../../src/messages/milestone.js";
import { narrativeLines, narrativeMessage } from "../../../src/messages/narrative.js";
import { reviewSummary } from "../../../src/messages/review.js";
import { clockNotice, escalationDm, slaBreach, slaWarning } from "../../../src/messages/sla.js";
import { timelineMessage } from "../../../src/messages/timeline.js";
import { noteMessage, reporterResolvedDm, stakeholderUpdateMessage } from "../../../src/messages/update.js";
import {
  holdModal,
  recategoriseModal,
  reopenModal,
  resolveModal,
  updateModal,
} from "../../../src/messages/work-modals.js";
import { incidentRow, NOW } from "../../helpers/fixtures.js";

/**
 * One rule for everything Slack shows: whatever a person typed (title, description, summary,
 * reason, note, update, briefing, help request, review, action, display name) reaches mrkdwn
 * escaped, through every builder that shows it. A mention, a broadcast or a disguised link typed by a user never survives.
 */

const HOSTILE = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<@U0HEAD>",
  "<#C0SECRET>",
  "<https://evil.example|Click here>",
];
const typed = fc
  .tuple(fc.string({ maxLength: 40 }), fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/**
 * The strings Slack reads as markup: everything but plain_text objects and what a form carries
 * back (initial values, private_metadata, ids), which Slack shows as typed or not at all.
 */
function markup(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) markup(v, out);
  else if (value && typeof value === "object" && (value as { type?: unknown }).type !== "plain_text")
    for (const [key, v] of Object.entries(value)) if (!NOT_MARKUP.has(key)) markup(v, out);
  return out;
}
const NOT_MARKUP = new Set(["initial_value", "private_metadata", "value", "action_id", "block_id"]);

/** None of the raw tokens a hostile text carried may reach what Slack reads as markup. */
function expectNoneSurvive(built: unknown): void {
  const shown = markup(built).join("\n");
  for (const token of HOSTILE) expect(shown).not.toContain(token);
}

const ctx = { typeLabel: "Service failure", timezone: "Europe/London" };

describe("every builder escapes what a person typed", () => {
  it("the card, announcements and roundups, the reporter's notices", () => {
    fc.assert(
      fc.property(typed, typed, typed, (title, description, summary) => {
        const i = incidentRow({
          title,
          description,
          resolutionSummary: summary,
          callersNow: summary,
          status: "resolved",
        });
        expectNoneSurvive(incidentCard(i, { ...ctx, audience: "responder" }));
        expectNoneSurvive(incidentCard(i, { ...ctx, audience: "stakeholder" }));
        expectNoneSurvive(incidentAnnouncement(i, ctx));
        expectNoneSurvive(announcementRoundup([i, { ...i, number: 43 }], () => "Service failure"));
        expectNoneSurvive(reporterNotice(i));
        expectNoneSurvive(reporterResolvedDm(i, "resolved"));
        expectNoneSurvive(reporterResolvedDm(i, "closed"));
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it("milestone notices, story lines and their roundups", () => {
    fc.assert(
      fc.property(typed, typed, (title, reason) => {
        const i = incidentRow({ title });
        const entries = [
          {
            kind: "status_changed",
            details: { action: "resolve", resolution: { summary: reason, closeCode: "fixed" } },
          },
          { kind: "status_changed", details: { action: "reopen", reason } },
          { kind: "field_changed", details: { field: "priority", from: "P3", to: "P2", reason } },
          { kind: "field_changed", details: { field: "major", from: false, to: true, reason } },
          {
            kind: "escalation_sent",
            details: { manual: true, role: "duty_manager", to: ["U0DUTY"], reason },
          },
        ];
        const events = milestonesOf(entries, "U0LEAD", { ...i, resolvedAt: NOW }, null);
        const notices = events.map((e) => milestoneNotice(i, e));
        for (const n of notices) expectNoneSurvive(n);
        expectNoneSurvive(milestoneRoundup(notices.map((n) => n.text)));
        expectNoneSurvive(narrativeMessage(narrativeLines(entries, "U0LEAD"), NOW, "Europe/London"));
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it("SLA notices and escalation DMs", () => {
    fc.assert(
      fc.property(typed, typed, typed, (title, description, reason) => {
        const i = incidentRow({ title, description });
        const at = { clock: "Acknowledge", dueAt: NOW, timezone: "Europe/London" };
        expectNoneSurvive(slaWarning(i, { ...at, ladderFirst: ["U0LEAD"], ladderRole: "team_lead" }));
        expectNoneSurvive(slaBreach(i, { ...at, escalatingTo: "team lead", dmed: ["U0LEAD"] }));
        expectNoneSurvive(clockNotice(i, { ...at, breached: true }));
        const rung = {
          clockId: "c",
          clock: "Acknowledge",
          clockName: "respond",
          overdueMs: 60_000,
          level: 1,
          role: "team_lead",
          atTop: false,
        };
        expectNoneSurvive(escalationDm(i, { ...rung, timezone: "Europe/London" }));
        expectNoneSurvive(escalationDm(i, { ...rung, manualReason: reason, timezone: "Europe/London" }));
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it("updates, notes, briefings, the floor's posts, help requests and handovers", () => {
    fc.assert(
      fc.property(typed, typed, typed, (title, text, other) => {
        const i = incidentRow({ title, callersNow: text, affectedQueue: other });
        const update = { happening: text, customerImpact: other, nextUpdateAt: NOW, author: "U0AGENT" };
        expectNoneSurvive(stakeholderUpdateMessage(i, update, "Europe/London"));
        expectNoneSurvive(noteMessage({ reference: "INC-000042", author: "U0AGENT", text }));
        const briefing = {
          id: "b",
          affected: text,
          script: other,
          workaround: text,
          nextUpdateAt: NOW,
          author: "U0AGENT",
          postedAt: NOW,
        };
        expectNoneSurvive(briefingMessage(i, briefing, [], "Europe/London"));
        expectNoneSurvive(
          briefingMessage({ ...i, status: "resolved", resolvedAt: NOW }, briefing, [], "Europe/London"),
        );
        expectNoneSurvive(floorResolvedPost(i));
        expectNoneSurvive(floorReopenedPost(i, text));
        expectNoneSurvive(helpRequestMessage(i, { asker: "U0AGENT", request: text }));
        const handover = { reference: "INC-000042", from: "U0AGENT", to: "U0LEAD", note: text };
        expectNoneSurvive(handoverAnnouncement({ ...handover, by: "U0AGENT" }));
        expectNoneSurvive(handoverDm({ ...handover, title, priority: "P2", channelId: "C0INC42" }));
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it("the timeline (names included), the Home tab, incident and action lists, reviews and action DMs", () => {
    fc.assert(
      fc.property(typed, typed, typed, (title, text, name) => {
        const i = incidentRow({ title });
        const at = NOW;
        const entry = (id: number, kind: string, details: Record<string, unknown>) => ({
          id,
          incidentId: i.id,
          at,
          actor: "U0AGENT",
          kind,
          details,
        });
        const entries = [
          entry(1, "note_added", { text }),
          entry(2, "status_changed", { from: "in_progress", to: "on_hold", reason: text, holdNote: text }),
          entry(3, "field_changed", { field: "title", from: text, to: title, reason: text }),
          entry(4, "owner_changed", { from: null, to: "U0LEAD" }),
        ];
        // A display name is typed by its owner too.
        const names = new Map([
          ["U0AGENT", name],
          ["U0LEAD", name],
        ]);
        for (const all of [false, true]) {
          expectNoneSurvive(
            timelineMessage({
              reference: "INC-000042",
              entries,
              page: 1,
              timezone: "Europe/London",
              incidentId: i.id,
              names,
              all,
            }),
          );
        }
        const row = { ...i, deadline: null, next: null };
        expectNoneSurvive(homeView({ mine: [row], open: [row], timezone: "Europe/London" }));
        expectNoneSurvive(
          incidentList([row], { heading: "Open incidents", timezone: "Europe/London", more: true }),
        );
        const review = {
          id: "r",
          incidentId: i.id,
          status: "completed",
          requestedBy: "U0LEAD",
          requestedAt: NOW,
          rootCauseCategory: "third_party",
          rootCause: text,
          contributingFactors: text,
          wentWell: name,
          wentBadly: title,
          completedBy: "U0LEAD",
          completedAt: NOW,
          fileId: null,
          publishedAt: null,
          version: 1,
        } as unknown as Parameters<typeof reviewSummary>[1]["review"];
        const action = { id: "a", number: 7, description: text, ownerId: "U0AGENT", dueOn: "2026-11-27" };
        expectNoneSurvive(
          reviewSummary(i, {
            review,
            categoryLabel: name,
            lines: { times: [], sla: [], breaches: [], communications: [] },
            actions: [action],
          }),
        );
        expectNoneSurvive(actionAssignedDm(action, i, { remindBeforeMs: 86_400_000, reminder: true }));
        expectNoneSurvive(actionReminderDm(action, i));
        expectNoneSurvive(actionOverdueDm(action, i, { escalateAfterMs: 86_400_000 }));
        expectNoneSurvive(actionEscalationDm(action, i, { daysOverdue: 2 }));
        expectNoneSurvive(actionDoneDm(action, i, { doneBy: "U0LEAD" }));
        const listed = {
          ...action,
          dueAt: NOW,
          status: "open",
          incidentNumber: i.number,
        } as unknown as Parameters<typeof actionList>[0][number];
        expectNoneSurvive(
          actionList([listed], { heading: "Your actions", empty: "None", now: NOW, more: false }),
        );
        // The working forms show the incident they act on.
        const meta = { incidentId: i.id };
        const withText = { ...i, description: text, resolutionSummary: text };
        expectNoneSurvive(holdModal(withText, meta));
        expectNoneSurvive(resolveModal(withText, meta));
        expectNoneSurvive(reopenModal(withText, meta));
        expectNoneSurvive(updateModal(withText, meta, NOW));
        expectNoneSurvive(recategoriseModal(withText, [{ key: "service_failure", label: name }], meta));
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
