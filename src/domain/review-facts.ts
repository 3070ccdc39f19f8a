import { type CallerBreakdown, callersFactLine } from "./caller-figures.js";
import { type CommunicationCounts, communicationCounts, communicationsLine } from "./communication-counts.js";
import { formatDuration } from "./duration.js";
import { roleLabel } from "./permissions.js";
import { readableDuration, readableTime } from "./readable-time.js";

/**
 * The facts a post-incident review starts from, worked out from the incident row, its SLA
 * clocks and its log. Pure: the review never stores these, so it can never disagree with the
 * record; the modal, the channel summary and the Markdown document all render the same lines.
 */

export interface FactsIncident {
  reportedAt: Date;
  loggedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  respondDueAt: Date | null;
  resolveDueAt: Date | null;
}

export interface FactsClock {
  name: string;
  hours: "always" | "business";
  startedAt: Date;
  durationMs: number;
  pausedMs: number;
  dueAt: Date;
  breachedAt: Date | null;
}

export interface FactsLogEntry {
  at: Date;
  kind: string;
  actor: string;
  details: Record<string, unknown>;
}

export interface KeyTime {
  label: string;
  at: Date;
  /** Plain words after the time ("level 1, team lead"). */
  detail: string | null;
  /** Slack user ids the line is about (who an escalation went to). */
  people: string[];
}

export interface SlaOutcome {
  clock: "respond" | "resolve";
  /** The SLA target as planned, in clock time (business hours for business-hours clocks). */
  targetMs: number | null;
  hours: "always" | "business";
  dueAt: Date;
  /** When it was met (acknowledged / resolved); null when it has not happened. */
  at: Date | null;
  /** Wall time from the start of the clock to `at`. */
  tookMs: number | null;
  /** Time spent on hold, which the resolve clock does not count. */
  pausedMs: number;
  met: boolean;
  /** Time to spare (met) or how late (missed); null when not met yet and still due. */
  marginMs: number | null;
}

export interface Breach {
  clock: string;
  at: Date;
  dueAt: Date | null;
}

export interface ReviewFacts {
  times: KeyTime[];
  respond: SlaOutcome | null;
  resolve: SlaOutcome | null;
  breaches: Breach[];
  /** Everyone told, by channel: Slack posts, emails, webhooks and communications logged by hand. */
  communications: CommunicationCounts;
  /** Callers by how they got in touch, and their callbacks (counts only); null without callers. */
  callers: CallerBreakdown | null;
}

const str = (d: Record<string, unknown>, key: string): string | null => {
  const v = d[key];
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
};
const dateOf = (d: Record<string, unknown>, key: string): Date | null => {
  const v = str(d, key);
  const at = v ? new Date(v) : null;
  return at && Number.isFinite(at.getTime()) ? at : null;
};
export function reviewFacts(p: {
  incident: FactsIncident;
  clocks: FactsClock[];
  log: FactsLogEntry[];
  /** How a clock is named to people ("respond" → "Acknowledge"). */
  clockLabel: (name: string) => string;
  /** Reference point for a clock that is still running (its margin so far). */
  now: Date;
  /** The incident's caller reports, counted (db/queries/caller-figures.ts). */
  callers?: CallerBreakdown;
}): ReviewFacts {
  const { incident, log } = p;
  const byName = new Map(p.clocks.map((c) => [c.name, c]));
  const times: KeyTime[] = [
    { label: "Reported", at: incident.reportedAt, detail: null, people: [] },
    { label: "Logged", at: incident.loggedAt, detail: null, people: [] },
  ];
  if (incident.acknowledgedAt) {
    times.push({ label: "Acknowledged", at: incident.acknowledgedAt, detail: null, people: [] });
  }
  for (const entry of log) {
    const time = logTime(entry, p.clockLabel);
    if (time) times.push(time);
  }
  if (incident.resolvedAt)
    times.push({ label: "Resolved", at: incident.resolvedAt, detail: null, people: [] });
  if (incident.closedAt) times.push({ label: "Closed", at: incident.closedAt, detail: null, people: [] });
  // Stable sort: entries at the same instant keep the order above (logged before its escalation).
  times.sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    times,
    respond: slaOutcome("respond", byName.get("respond"), incident, p.now),
    resolve: slaOutcome("resolve", byName.get("resolve"), incident, p.now),
    breaches: breaches(log, byName),
    communications: communicationCounts(log),
    callers: p.callers && p.callers.callers > 0 ? p.callers : null,
  };
}

/** Escalations and reopens are key times; everything else in the log is detail for the timeline. */
function logTime(entry: FactsLogEntry, clockLabel: (name: string) => string): KeyTime | null {
  const d = entry.details;
  if (entry.kind === "escalation_sent") {
    const level = str(d, "level");
    const role = str(d, "role");
    const clock = str(d, "clock");
    const why = d.manual === true ? "by hand" : clock ? `${clockLabel(clock)} SLA` : null;
    const parts = [level ? `level ${level}` : null, role ? roleLabel(role) : null, why].filter(Boolean);
    const people = Array.isArray(d.to) ? d.to.filter((u): u is string => typeof u === "string") : [];
    return { label: "Escalated", at: entry.at, detail: parts.join(", ") || null, people };
  }
  if (entry.kind === "status_changed" && d.action === "reopen") {
    return { label: "Reopened", at: entry.at, detail: str(d, "reason"), people: [] };
  }
  return null;
}

function slaOutcome(
  clock: "respond" | "resolve",
  row: FactsClock | undefined,
  incident: FactsIncident,
  now: Date,
): SlaOutcome | null {
  const dueAt = row?.dueAt ?? (clock === "respond" ? incident.respondDueAt : incident.resolveDueAt);
  if (!dueAt) return null;
  const startedAt = row?.startedAt ?? incident.loggedAt;
  // Resolving an incident nobody acknowledged is its first response.
  const at = clock === "respond" ? (incident.acknowledgedAt ?? incident.resolvedAt) : incident.resolvedAt;
  const breached = row?.breachedAt ?? null;
  const met = at !== null && at.getTime() <= dueAt.getTime() && !(breached && breached <= at);
  const reference = at ?? now;
  const late = reference.getTime() - dueAt.getTime();
  return {
    clock,
    targetMs: row?.durationMs ?? dueAt.getTime() - incident.loggedAt.getTime(),
    hours: row?.hours ?? "always",
    dueAt,
    at,
    tookMs: at ? Math.max(0, at.getTime() - startedAt.getTime()) : null,
    pausedMs: row?.pausedMs ?? 0,
    met,
    marginMs: at ? Math.abs(late) : late > 0 ? late : null,
  };
}

/** Each breach once: the log says when; a clock marked breached without a log line still counts. */
function breaches(log: FactsLogEntry[], clocks: Map<string, FactsClock>): Breach[] {
  const found: Breach[] = [];
  for (const entry of log) {
    if (entry.kind !== "sla_breached") continue;
    const clock = str(entry.details, "clock") ?? "unknown";
    found.push({
      clock,
      at: entry.at,
      dueAt: dateOf(entry.details, "dueAt") ?? clocks.get(clock)?.dueAt ?? null,
    });
  }
  for (const c of clocks.values()) {
    if (c.breachedAt && !found.some((b) => b.clock === c.name)) {
      found.push({ clock: c.name, at: c.breachedAt, dueAt: c.dueAt });
    }
  }
  return found.sort((a, b) => a.at.getTime() - b.at.getTime());
}

// ---- Rendering as plain lines, shared by the modal, the summary and the document ----

/**
 * "Mon 23 Nov 2026 10:05 GMT": a time in the policy's zone, the way the timeline and cards write
 * it, with the year because a review is read long after the incident.
 */
export function formatReviewTime(at: Date, timezone: string): string {
  return readableTime(at, timezone, { year: true });
}

/** A breach is noticed when its clock runs out; a minute or more later is worth saying. */
const NOTICEABLY_LATE_MS = 60_000;

/** "Acknowledge SLA breached Mon 23 Nov 2026 10:20 GMT", with how late it was noticed if it was. */
function breachLine(b: Breach, timezone: string, clockLabel: (name: string) => string): string {
  const late = b.dueAt ? b.at.getTime() - b.dueAt.getTime() : 0;
  const after = late >= NOTICEABLY_LATE_MS ? `, ${readableDuration(late)} after it was due` : "";
  return `${clockLabel(b.clock)} SLA breached ${formatReviewTime(b.at, timezone)}${after}`;
}

export interface FactLines {
  times: string[];
  sla: string[];
  breaches: string[];
  /** One line: "Communications: 9 — 5 Slack, 2 email, 1 phone, 1 webhook". */
  communications: string[];
  /** One line: "Callers: 37 (phone 30, email 5, chat 2) · callbacks: 12 wanted, 11 made"; empty without callers. */
  callers?: string[];
}

/**
 * The facts as lines of plain text. `mention` renders a user id (Slack: `<@U…>`; the document:
 * `@U…`). No markup otherwise: callers escape for their medium.
 */
export function factLines(
  facts: ReviewFacts,
  p: {
    timezone: string;
    clockLabel: (name: string) => string;
    mention: (id: string) => string;
    /** Applied to the free text in a line (a reopen reason), for the medium's markup. */
    escape?: (text: string) => string;
  },
): FactLines {
  const inert = p.escape ?? ((text: string) => text);
  const times = facts.times.map((t) => {
    const who = t.people.length ? ` → ${t.people.map(p.mention).join(", ")}` : "";
    const detail = t.detail ? ` (${inert(t.detail)})` : "";
    return `${t.label}: ${formatReviewTime(t.at, p.timezone)}${detail}${who}`;
  });
  const sla = [facts.respond, facts.resolve]
    .filter((o): o is SlaOutcome => o !== null)
    .map((o) => slaLine(o, p.timezone));
  const breaches = facts.breaches.map((b) => breachLine(b, p.timezone, p.clockLabel));
  const callers = facts.callers ? callersFactLine(facts.callers) : null;
  return {
    times,
    sla,
    breaches,
    communications: [communicationsLine(facts.communications)],
    callers: callers ? [callers] : [],
  };
}

/** "Time to resolve: 3h 10m against 4h — met, 50m to spare". */
export function slaLine(o: SlaOutcome, timezone: string): string {
  const what = o.clock === "respond" ? "Time to respond" : "Time to resolve";
  const target =
    o.targetMs === null
      ? ""
      : ` against ${formatDuration(o.targetMs)}${o.hours === "business" ? " (business hours)" : ""}`;
  const hold = o.pausedMs > 0 ? `; ${formatDuration(o.pausedMs)} on hold not counted` : "";
  if (!o.at) {
    const state =
      o.marginMs === null
        ? `due ${formatReviewTime(o.dueAt, timezone)}`
        : `missed by ${formatDuration(o.marginMs)} so far`;
    return `${what}: not yet${target} — ${state}`;
  }
  const took = formatDuration(o.tookMs ?? 0);
  const margin = formatDuration(o.marginMs ?? 0);
  const verdict = o.met ? `met, ${margin} to spare` : `missed by ${margin}`;
  return `${what}: ${took}${target} — ${verdict}${hold}`;
}
