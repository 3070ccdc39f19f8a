import type { IncidentLogRow } from "../../src/db/schema/incident-log.js";

/**
 * An incident log as the services write it, from logging to the floor being told it is over:
 * user and channel ids in the details, ISO strings for times, and the delivery plumbing between
 * the story's entries. Entry n is at 07:50 UTC on Sun 6 Dec 2026 plus n minutes.
 */
export const REALISTIC_NAMES: ReadonlyMap<string, string> = new Map([
  ["U0AGENT", "Dana Scully"],
  ["U0LEAD", "Lee Lead"],
  ["U0GONE", "a former member"],
  ["C0STAKE", "#incident-stakeholders"],
  ["C0INC", "#inc-000123-card"],
]);

export function realisticLog(incidentId: string): IncidentLogRow[] {
  const e = (id: number, actor: string, kind: string, details: Record<string, unknown>): IncidentLogRow => ({
    id,
    incidentId,
    at: new Date(Date.parse("2026-12-06T07:50:00Z") + id * 60_000),
    actor,
    kind,
    details,
  });
  const link = { ts: "1.2", permalink: "https://x.slack.com/archives/C0STAKE/p12" };
  return [
    e(1, "U0AGENT", "created", { reference: "INC-000123", title: "Card payments failing", priority: "P2" }),
    e(2, "system", "channel_created", { channel: "C0INC", name: "inc-000123-card" }),
    e(3, "system", "reporter_invited", { user: "U0AGENT", channel: "C0INC" }),
    e(4, "system", "summary_posted", { channel: "C0INC", ...link }),
    e(5, "system", "summary_pinned", { channel: "C0INC", ts: "1.2" }),
    e(6, "system", "announcement_posted", { channel: "C0STAKE", ...link }),
    e(7, "system", "reporter_notified", { channel: "D0AGENT", ts: "1.3", permalink: null }),
    e(8, "U0LEAD", "status_changed", { from: "open", to: "acknowledged", action: "acknowledge" }),
    e(9, "U0LEAD", "owner_changed", { from: null, to: "U0LEAD", via: "acknowledge" }),
    e(10, "system", "milestone_posted", { channel: "C0STAKE", milestone: "acknowledged", ...link }),
    e(11, "U0LEAD", "update_written", { channels: ["C0STAKE"], nextUpdateAt: "2026-12-06T08:56:00.000Z" }),
    e(12, "system", "update_posted", { channel: "C0STAKE", ...link }),
    e(13, "system", "delivery_failed", { purpose: "announcement", channel: "C0GONE1", error: "is_archived" }),
    e(14, "system", "delivery_failure_reported", {
      to: "U0LEAD",
      channel: "C0GONE1",
      purpose: "announcement",
    }),
    e(15, "U0LEAD", "field_changed", {
      field: "matrixPriority",
      from: "P2",
      to: "P3",
      reason: "fewer callers",
    }),
    e(16, "U0AGENT", "exported", { formats: ["markdown", "csv"], entries: 15, channel: "C0INC" }),
    e(17, "system", "agents_told_resolved", { channels: ["C0INC"] }),
    e(18, "U0GONE", "note_added", { text: "Carrier confirms the fix" }),
  ];
}

/** What a reader must never see: Slack user/channel ids (they hold a digit, unlike "UTC"). */
export const RAW_SLACK_ID = /\b(?=[A-Z0-9]*\d)[UWCGD][A-Z0-9]{2,}\b/;
/** ISO 8601 date-times as the log stores them. */
export const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
