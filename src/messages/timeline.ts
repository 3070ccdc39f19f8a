import { z } from "zod";
import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { describeActor, describeEntry } from "../domain/log-describe.js";
import { isPlumbing } from "../domain/log-view.js";
import { readableTime } from "../domain/readable-time.js";
import { CARD_ACTION } from "./ids.js";
import { clip, escapeClip, escapeMrkdwn, mrkdwn, plain } from "./text.js";

/**
 * An incident's audit log as an ephemeral, paged message: oldest entry first, page 1 holds the
 * oldest entries, and a "Next page" button moves forward. People and channels appear by name
 * and times in the policy's zone, as plain text: no mention, channel link or date token that
 * would show an id or the reader's own zone. By default only the narrative is shown; `all`
 * adds the delivery plumbing (see domain/log-view.ts). Every string is bounded so the message
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
const ACTOR_MAX = 60;

export interface TimelineParams {
  reference: string;
  entries: IncidentLogRow[];
  /** 1-based; page 1 holds the oldest entries. */
  page: number;
  pageSize?: number;
  timezone: string;
  incidentId: string;
  /** Labels for the user and channel ids the entries mention (services/directory.ts). */
  names: ReadonlyMap<string, string>;
  /** Incident-type labels from the policy, by key. */
  typeLabels?: Readonly<Record<string, string>>;
  /** Also show the delivery plumbing (`/incident timeline all`). */
  all?: boolean;
}

export interface TimelineButtonValue {
  incidentId: string;
  page: number;
  all?: boolean;
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
const TimelineButtonValue = z.object({
  incidentId: z.uuid(),
  page: z.number().int().min(1),
  all: z.boolean().optional(),
});

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

type Context = Pick<TimelineParams, "names" | "timezone" | "typeLabels">;

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

function entryText(e: IncidentLogRow, ctx: Context, budget: number): string {
  const link = permalinkOf(e.details);
  const time = e.at instanceof Date ? readableTime(e.at, ctx.timezone) : "an unknown time";
  const head = `*${time}* · ${escapeClip(describeActor(e.actor, ctx), ACTOR_MAX)} · `;
  const tail = link ? ` · <${link}|view message>` : "";
  const room = Math.max(20, budget - head.length - tail.length);
  return `${head}${escapeClip(describeEntry(e, ctx), room)}${tail}`;
}

function chronological(entries: IncidentLogRow[]): IncidentLogRow[] {
  const timeOf = (e: IncidentLogRow) => {
    const t = e.at instanceof Date ? e.at.getTime() : Number.NaN;
    return Number.isFinite(t) ? t : 0;
  };
  return [...entries].sort((a, b) => timeOf(a) - timeOf(b) || a.id - b.id);
}

function nextButton(incidentId: string, page: number, pages: number, all: boolean) {
  if (page >= pages) return [];
  const next: TimelineButtonValue = all
    ? { incidentId, page: page + 1, all }
    : { incidentId, page: page + 1 };
  const value = JSON.stringify(next);
  if (value.length > BUTTON_VALUE_MAX) return [];
  const button = {
    type: "button",
    action_id: CARD_ACTION.timelineNext,
    text: plain("Next page", 75),
    value,
  };
  return [{ type: "actions", block_id: "incident_timeline_nav", elements: [button] }];
}

const allCommand = (ref: string) => `/incident timeline ${ref} all`;

function emptyPage(ref: string, pages: number, hidden: number) {
  const body =
    pages > 0
      ? `No more entries: the ${ref} timeline has ${pages} page${pages === 1 ? "" : "s"}.`
      : hidden > 0
        ? `${ref} has only delivery entries so far: \`${allCommand(ref)}\` shows them.`
        : `${ref} has no log entries yet.`;
  return {
    text: escapeMrkdwn(body),
    blocks: [
      { type: "header", text: plain(`${ref} timeline`, 150) },
      { type: "section", text: mrkdwn(escapeMrkdwn(body)) },
    ],
  };
}

function contextLine(p: {
  start: number;
  shown: number;
  total: number;
  hidden: number;
  ref: string;
  zone: string;
}) {
  const range = `Entries ${p.start + 1}–${p.start + p.shown} of ${p.total}, oldest first; times in ${p.zone}.`;
  if (p.hidden === 0) return escapeMrkdwn(range);
  const plumbing = `${p.hidden} delivery entr${p.hidden === 1 ? "y" : "ies"} hidden: \`${allCommand(p.ref)}\` shows them.`;
  return escapeMrkdwn(`${range} ${plumbing}`);
}

/** One page of the timeline, for an ephemeral reply. */
export function timelineMessage(p: TimelineParams) {
  const size = normalisePageSize(p.pageSize);
  const all = p.all === true;
  const shown = all ? p.entries : p.entries.filter((e) => !isPlumbing(e.kind));
  const hidden = p.entries.length - shown.length;
  const total = shown.length;
  const pages = timelinePageCount(total, size);
  const page = Number.isFinite(p.page) ? Math.max(1, Math.floor(p.page)) : 1;
  const ref = clip(oneLine(p.reference), 60) || "Incident";
  if (page > pages) return emptyPage(ref, pages, hidden);
  const start = (page - 1) * size;
  const slice = chronological(shown).slice(start, start + size);
  const heading = `${ref} ${all ? "full timeline" : "timeline"} (page ${page} of ${pages})`;
  const budget = Math.min(SECTION_MAX, Math.floor(TEXT_BUDGET / size));
  const zone = clip(oneLine(p.timezone), 60);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: plain(heading, 150) },
    {
      type: "context",
      elements: [mrkdwn(contextLine({ start, shown: slice.length, total, hidden, ref, zone }))],
    },
    ...slice.map((e) => ({ type: "section", text: mrkdwn(entryText(e, p, budget)) })),
    ...nextButton(p.incidentId, page, pages, all),
  ];
  return { text: escapeMrkdwn(heading), blocks };
}
