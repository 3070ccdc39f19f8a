import { z } from "zod";
import type { IncidentLogRow } from "../../db/schema/incident-log.js";
import { SYSTEM_ACTOR } from "../../domain/log.js";
import { describeEntry } from "../../domain/log-describe.js";
import { CARD_ACTION } from "../ids.js";
import { clip, escapeClip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention } from "./text.js";

/**
 * An incident's audit log as an ephemeral, paged message: oldest entry first, page 1 holds the
 * oldest entries, and a "Next page" button moves forward. Every string is bounded so the message
 * stays inside Block Kit's limits (50 blocks, 3,000 characters a section, 40,000 in all)
 * whatever the log holds.
 */

export const TIMELINE_PAGE_SIZE = 20;
/** Header, context and the actions block leave room for this many entry sections under 50. */
export const MAX_TIMELINE_PAGE_SIZE = 45;
/** Sections share this many characters, safely under Slack's 40,000 for the whole message. */
const TEXT_BUDGET = 36_000;
const SECTION_MAX = 3000;
const BUTTON_VALUE_MAX = 2000;
const PERMALINK_MAX = 500;
const SAFE_LINK = /^https:\/\/[^\s<>|]+$/;
const SLACK_USER_ID = /^[UWB][A-Z0-9]{1,30}$/;

export interface TimelineParams {
  reference: string;
  entries: IncidentLogRow[];
  /** 1-based; page 1 holds the oldest entries. */
  page: number;
  pageSize?: number;
  timezone: string;
  incidentId: string;
}

export interface TimelineButtonValue {
  incidentId: string;
  page: number;
}

function normalisePageSize(size: number | undefined): number {
  if (size === undefined || !Number.isFinite(size)) return TIMELINE_PAGE_SIZE;
  return Math.min(MAX_TIMELINE_PAGE_SIZE, Math.max(1, Math.floor(size)));
}

/** Pages needed for `total` entries (0 for an empty log); page sizes are clamped to 1–45. */
export function timelinePageCount(total: number, pageSize: number = TIMELINE_PAGE_SIZE): number {
  const n = Number.isFinite(total) ? Math.max(0, Math.floor(total)) : 0;
  return Math.ceil(n / normalisePageSize(pageSize));
}

/** The "Next page" button's value, or null if it is not one of ours. */
const TimelineButtonValue = z.object({ incidentId: z.uuid(), page: z.number().int().min(1) });

/** Reads the "Next page" button's value back; null for anything it did not write. */
export function parseTimelineButtonValue(value: string): TimelineButtonValue | null {
  try {
    const parsed = TimelineButtonValue.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const oneLine = (s: string) => s.replace(/[\r\n\u2028\u2029]+/g, " ");

function actorText(actor: unknown): string {
  if (actor === SYSTEM_ACTOR) return "_system_";
  if (typeof actor === "string" && SLACK_USER_ID.test(actor)) return userMention(actor);
  const shown = escapeClip(oneLine(String(actor)), 60);
  return shown === "" ? "_unknown_" : shown;
}

function timeText(at: unknown, timezone: string): string {
  if (!(at instanceof Date) || !Number.isFinite(at.getTime())) return "_unknown time_";
  return slackDate(at, timezone);
}

function permalinkOf(details: unknown): string | null {
  if (typeof details !== "object" || details === null) return null;
  const link = (details as Record<string, unknown>).permalink;
  if (typeof link !== "string" || link.length > PERMALINK_MAX || !SAFE_LINK.test(link)) return null;
  try {
    return new URL(link).protocol === "https:" ? link : null;
  } catch {
    return null;
  }
}

function entryText(e: IncidentLogRow, timezone: string, budget: number): string {
  const link = permalinkOf(e.details);
  const head = `${timeText(e.at, timezone)} · ${actorText(e.actor)} · `;
  const tail = link ? ` · <${link}|view message>` : "";
  const room = Math.max(20, budget - head.length - tail.length);
  return `${head}${escapeClip(describeEntry(e), room)}${tail}`;
}

function chronological(entries: IncidentLogRow[]): IncidentLogRow[] {
  const timeOf = (e: IncidentLogRow) => {
    const t = e.at instanceof Date ? e.at.getTime() : Number.NaN;
    return Number.isFinite(t) ? t : 0;
  };
  return [...entries].sort((a, b) => timeOf(a) - timeOf(b) || a.id - b.id);
}

function nextButton(incidentId: string, page: number, pages: number) {
  if (page >= pages) return [];
  const value = JSON.stringify({ incidentId, page: page + 1 } satisfies TimelineButtonValue);
  if (value.length > BUTTON_VALUE_MAX) return [];
  const button = {
    type: "button",
    action_id: CARD_ACTION.timelineNext,
    text: plain("Next page", 75),
    value,
  };
  return [{ type: "actions", block_id: "incident_timeline_nav", elements: [button] }];
}

function emptyPage(ref: string, pages: number) {
  const body =
    pages === 0
      ? `${ref} has no log entries yet.`
      : `No more entries: the ${ref} timeline has ${pages} page${pages === 1 ? "" : "s"}.`;
  return {
    text: escapeMrkdwn(body),
    blocks: [
      { type: "header", text: plain(`${ref} timeline`, 150) },
      { type: "section", text: mrkdwn(escapeMrkdwn(body)) },
    ],
  };
}

/** One page of the timeline, for an ephemeral reply. */
export function timelineMessage(p: TimelineParams) {
  const size = normalisePageSize(p.pageSize);
  const total = p.entries.length;
  const pages = timelinePageCount(total, size);
  const page = Number.isFinite(p.page) ? Math.max(1, Math.floor(p.page)) : 1;
  const ref = clip(oneLine(p.reference), 60) || "Incident";
  if (page > pages) return emptyPage(ref, pages);
  const start = (page - 1) * size;
  const slice = chronological(p.entries).slice(start, start + size);
  const heading = `${ref} timeline (page ${page} of ${pages})`;
  const budget = Math.min(SECTION_MAX, Math.floor(TEXT_BUDGET / size));
  const range = `Entries ${start + 1}–${start + slice.length} of ${total}, oldest first.`;
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: plain(heading, 150) },
    { type: "context", elements: [mrkdwn(range)] },
    ...slice.map((e) => ({ type: "section", text: mrkdwn(entryText(e, p.timezone, budget)) })),
    ...nextButton(p.incidentId, page, pages),
  ];
  return { text: escapeMrkdwn(heading), blocks };
}
