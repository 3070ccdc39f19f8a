import { DateTime } from "luxon";
import { formatLongDuration } from "./duration.js";
import { LEVEL_LABELS, type Level, type Priority } from "./incident.js";
import { roleLabel } from "./permissions.js";
import type { Policy, PracticeScenario } from "./policy-types.js";
import { personalDataSlips, type SharedText } from "./practice-personal-data.js";
import { derivePriority } from "./priority-matrix.js";

/**
 * The debrief of a practice drill (issue 23): marking points scored from the incident's log,
 * each with the evidence a trainee can check against the timeline. Pure; nothing here throws on
 * odd log details (a detail of the wrong shape reads as absent). The evidence never quotes free
 * text from the log, so a caller reference pasted in a note is named, never repeated.
 */

export const PRACTICE_POINTS = [
  "logged",
  "priority",
  "acknowledged",
  "updates",
  "briefing",
  "escalation",
  "personal_data",
  "resolved",
  "review",
] as const;
export type PracticePoint = (typeof PRACTICE_POINTS)[number];

export const POINT_LABELS: Record<PracticePoint, string> = {
  logged: "Logged with every mandatory field and the right type",
  priority: "Priority matches the matrix",
  acknowledged: "Acknowledged within the respond SLA",
  updates: "Stakeholder updates on cadence",
  briefing: "Agents briefed, with a confirmation",
  escalation: "Escalation followed",
  personal_data: "Personal data kept out of shared messages",
  resolved: "Resolved with a close code and summary",
  review: "Review written",
};

export const POINT_SCORES = ["met", "partly", "missed", "not_applicable"] as const;
export type PointScore = (typeof POINT_SCORES)[number];

export interface PointResult {
  point: PracticePoint;
  label: string;
  score: PointScore;
  /** One or two plain sentences with times, e.g. "Acknowledged at 10:04, 3 minutes after logging…". */
  evidence: string;
}

export type { SharedText } from "./practice-personal-data.js";
export { personalDataIn } from "./practice-personal-data.js";

export interface PracticeScore {
  points: PointResult[];
  /** Met counts 1, partly ½, over the points that apply. */
  earned: number;
  applicable: number;
  /** earned / applicable, in [0, 1]; 1 when no point applies. */
  overall: number;
}

export interface PracticeLogEntry {
  at: Date;
  actor: string;
  kind: string;
  details: Record<string, unknown>;
}

/** The practice incident's row, as it stands when the drill ends. */
export interface PracticeIncident {
  title: string;
  description: string;
  type: string;
  reportChannel: string;
  impact: Level;
  urgency: Level;
  priority: Priority;
  matrixPriority: Priority;
  priorityOverrideReason: string | null;
  major: boolean;
  loggedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  closeCode: string | null;
  resolutionSummary: string | null;
}

export interface ScoreInput {
  incident: PracticeIncident;
  log: readonly PracticeLogEntry[];
  scenario: PracticeScenario;
  policy: Pick<Policy, "sla" | "priorityMatrix" | "timezone" | "incidentTypes">;
  /** Slack user ids of the trainees: the people whose actions are being marked. */
  trainees: readonly string[];
  /** Clock compression the drill ran at (1, 5, 10, 30): the SLA targets are divided by it. */
  speed: number;
  /** When the drill ended (or now): the end of an incident still open. */
  now: Date;
  texts?: readonly SharedText[];
}

interface Context extends ScoreInput {
  expectedPriority: Priority;
  speedFactor: number;
  clock: (at: Date) => string;
}

export function scorePractice(input: ScoreInput): PracticeScore {
  const e = input.scenario.expected;
  const ctx: Context = {
    ...input,
    expectedPriority: derivePriority(input.policy.priorityMatrix, e.impact, e.urgency),
    speedFactor: Number.isFinite(input.speed) && input.speed >= 1 ? input.speed : 1,
    // A fast drill lasts minutes: its times need the seconds to tell apart.
    clock: (at) => clockTime(at, input.policy.timezone, input.speed > 1),
  };
  const points: PointResult[] = [
    scoreLogged(ctx),
    scorePriority(ctx),
    scoreAcknowledged(ctx),
    scoreUpdates(ctx),
    scoreBriefing(ctx),
    scoreEscalation(ctx),
    scorePersonalData(ctx),
    scoreResolved(ctx),
    scoreReview(ctx),
  ];
  return { points, ...overallOf(points) };
}

/** Met 1, partly ½, missed 0, over the points that apply. */
export function overallOf(points: readonly Pick<PointResult, "score">[]): Omit<PracticeScore, "points"> {
  let earned = 0;
  let applicable = 0;
  for (const p of points) {
    if (p.score === "not_applicable") continue;
    applicable += 1;
    earned += p.score === "met" ? 1 : p.score === "partly" ? 0.5 : 0;
  }
  return { earned, applicable, overall: applicable === 0 ? 1 : earned / applicable };
}

// ---- helpers ----

const result = (point: PracticePoint, score: PointScore, evidence: string): PointResult => ({
  point,
  label: POINT_LABELS[point],
  score,
  evidence,
});

function clockTime(at: Date, zone: string, seconds: boolean): string {
  const time = DateTime.fromJSDate(at, { zone });
  return time.isValid ? time.toFormat(seconds ? "HH:mm:ss" : "HH:mm") : "?";
}

const str = (d: Record<string, unknown>, key: string): string | null => {
  const v = isRecord(d) ? d[key] : undefined;
  return typeof v === "string" && v.trim() !== "" ? v : null;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const validTime = (at: unknown): at is Date => at instanceof Date && Number.isFinite(at.getTime());

/** The log in time order, without entries whose time cannot be read. */
function entries(ctx: Context, ...kinds: string[]): PracticeLogEntry[] {
  return ctx.log
    .filter((e) => isRecord(e) && validTime(e.at) && kinds.includes(e.kind))
    .map((e) => (isRecord(e.details) ? e : { ...e, details: {} }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

const sinceLogging = (ctx: Context, at: Date) =>
  formatLongDuration(Math.max(0, at.getTime() - ctx.incident.loggedAt.getTime()));

/** "30 minutes (scaled 30×: 1 minute)", or just "30 minutes" at 1×. */
function target(ctx: Context, ms: number): string {
  const real = formatLongDuration(ms);
  if (ctx.speedFactor === 1) return real;
  return `${real} (scaled ${ctx.speedFactor}×: ${formatLongDuration(ms / ctx.speedFactor)})`;
}

const typeName = (ctx: Context, key: string) => ctx.policy.incidentTypes[key]?.label ?? key;
const isTrainee = (ctx: Context, actor: string) => ctx.trainees.includes(actor);
const endOf = (ctx: Context) => ctx.incident.resolvedAt ?? ctx.incident.closedAt ?? ctx.now;

/** A value's history: what it was at logging, then each change (field_changed) with when. */
function history(ctx: Context, field: string, initial: string): Array<{ at: Date; value: string }> {
  const created = entries(ctx, "created")[0];
  const first = (created && str(created.details, field)) ?? initial;
  const steps = [{ at: created?.at ?? ctx.incident.loggedAt, value: first }];
  for (const e of entries(ctx, "field_changed", "priority_overridden")) {
    const to = str(e.details, "to");
    if (to === null) continue;
    if (e.kind === "field_changed" ? str(e.details, "field") === field : field === "priority") {
      steps.push({ at: e.at, value: to });
    }
  }
  return steps;
}

/** Who logged it: the trainee's first choices are theirs to answer for; a scripted start is not. */
const loggedByTrainee = (ctx: Context) => {
  const created = entries(ctx, "created")[0];
  return created ? isTrainee(ctx, created.actor) : true;
};

// ---- the points ----

function scoreLogged(ctx: Context): PointResult {
  const i = ctx.incident;
  const missing: string[] = [];
  if (!i.title?.trim()) missing.push("title");
  if (!i.description?.trim()) missing.push("description");
  if (!i.reportChannel) missing.push("report channel");
  if (ctx.scenario.report.callerReference && entries(ctx, "caller_reference_set").length === 0) {
    missing.push("caller reference");
  }
  const expected = ctx.scenario.expected.type;
  const types = history(ctx, "type", i.type);
  const firstType = types[0]?.value ?? i.type;
  const at = ctx.clock(i.loggedAt);
  if (missing.length > 0) {
    return result(
      "logged",
      "missed",
      `Logged at ${at} without: ${missing.join(", ")}. Every incident needs ${missing.length === 1 ? "it" : "them"}${
        missing.includes("caller reference") ? "; the caller reference goes in its own field" : ""
      }.`,
    );
  }
  if (i.type !== expected) {
    return result(
      "logged",
      "missed",
      `Logged as ${typeName(ctx, i.type)}; this scenario's type is ${typeName(ctx, expected)}. The type decides who is told and who it escalates to.`,
    );
  }
  if (firstType !== expected) {
    const fixed = types.find((t, n) => n > 0 && t.value === expected);
    const when = fixed ? ` at ${ctx.clock(fixed.at)}` : "";
    const evidence = `Logged at ${at} as ${typeName(ctx, firstType)}, changed to ${typeName(ctx, expected)}${when}.`;
    return loggedByTrainee(ctx)
      ? result(
          "logged",
          "partly",
          `${evidence} Choose the type when logging so the right people hear at once.`,
        )
      : result("logged", "met", evidence);
  }
  return result(
    "logged",
    "met",
    `Logged at ${at} as ${typeName(ctx, expected)}, with every mandatory field.`,
  );
}

function scorePriority(ctx: Context): PointResult {
  const i = ctx.incident;
  const e = ctx.scenario.expected;
  const want = ctx.expectedPriority;
  const matrix = `impact ${LEVEL_LABELS[e.impact].toLowerCase()} and urgency ${LEVEL_LABELS[e.urgency].toLowerCase()} give ${want}`;
  if (i.priority !== want) {
    return result(
      "priority",
      "missed",
      `Priority is ${i.priority} (impact ${i.impact}, urgency ${i.urgency}); this scenario's ${matrix}.`,
    );
  }
  const overridden = i.priorityOverrideReason !== null || i.priority !== i.matrixPriority;
  if (overridden) {
    return result(
      "priority",
      "partly",
      `${want} by an override with a reason; the matrix gives it without one: ${matrix}. Set impact and urgency instead.`,
    );
  }
  const majorWanted = e.major || want === "P1";
  if (i.major !== majorWanted) {
    const flag = majorWanted
      ? "not flagged major; this scenario is a major incident"
      : "flagged major; this scenario is not";
    return result("priority", "partly", `${want} as the matrix gives, but ${flag}.`);
  }
  const steps = history(ctx, "priority", i.priority);
  const first = steps[0]?.value ?? i.priority;
  if (first !== want && loggedByTrainee(ctx)) {
    const fixed = steps.find((s, n) => n > 0 && s.value === want);
    return result(
      "priority",
      "partly",
      `Logged as ${first}, corrected to ${want}${fixed ? ` at ${ctx.clock(fixed.at)}` : ""}: ${matrix}.`,
    );
  }
  return result("priority", "met", `${want}: ${matrix}.`);
}

/** When it was first acknowledged, and by whom. */
function acknowledgement(ctx: Context): { at: Date; by: string | null } | null {
  const entry = entries(ctx, "status_changed").find(
    (e) => str(e.details, "action") === "acknowledge" || str(e.details, "to") === "acknowledged",
  );
  const at = ctx.incident.acknowledgedAt ?? entry?.at ?? null;
  if (!validTime(at)) return null;
  return { at, by: entry?.actor ?? null };
}

function scoreAcknowledged(ctx: Context): PointResult {
  const p = ctx.expectedPriority;
  const respondMs = ctx.policy.sla[p]?.respondMs ?? 0;
  const dueMs = respondMs / ctx.speedFactor;
  const sla = `the ${p} respond SLA is ${target(ctx, respondMs)}`;
  const ack = acknowledgement(ctx);
  const due = new Date(ctx.incident.loggedAt.getTime() + dueMs);
  if (!ack)
    return result(
      "acknowledged",
      "missed",
      `Not acknowledged; it was due by ${ctx.clock(due)}. ${capitalise(sla)}.`,
    );
  const took = ack.at.getTime() - ctx.incident.loggedAt.getTime();
  const head = `Acknowledged at ${ctx.clock(ack.at)}, ${sinceLogging(ctx, ack.at)} after logging; ${sla}`;
  if (took > dueMs) {
    return result("acknowledged", "missed", `${head}, so ${formatLongDuration(took - dueMs)} late.`);
  }
  if (ack.by && ctx.trainees.length > 0 && !isTrainee(ctx, ack.by)) {
    return result("acknowledged", "partly", `${head}, but by <@${ack.by}> rather than the trainee.`);
  }
  return result("acknowledged", "met", `${head}.`);
}

function scoreUpdates(ctx: Context): PointResult {
  const p = ctx.expectedPriority;
  const everyMs = ctx.policy.sla[p]?.updateEveryMs ?? 0;
  const cadenceMs = everyMs / ctx.speedFactor;
  const cadence = `the ${p} cadence is every ${target(ctx, everyMs)}`;
  const start = ctx.incident.loggedAt.getTime();
  const end = Math.max(start, endOf(ctx).getTime());
  const times = entries(ctx, "update_written")
    .map((e) => e.at.getTime())
    .filter((t) => t >= start && t <= end);
  if (times.length === 0) {
    if (end - start <= cadenceMs) {
      return result(
        "updates",
        "not_applicable",
        `Resolved before the first update was due. ${capitalise(cadence)}.`,
      );
    }
    const due = ctx.clock(new Date(start + cadenceMs));
    return result(
      "updates",
      "missed",
      `No stakeholder update; the first was due by ${due}. ${capitalise(cadence)}.`,
    );
  }
  // The longest stretch without an update, from logging to the end of the incident.
  const marks = [start, ...times, end];
  let worst = { from: start, to: start };
  for (let n = 1; n < marks.length; n++) {
    const from = marks[n - 1] ?? start;
    const to = marks[n] ?? start;
    if (to - from > worst.to - worst.from) worst = { from, to };
  }
  const count = `${times.length} update${times.length === 1 ? "" : "s"}, the first at ${ctx.clock(new Date(times[0] ?? start))}`;
  const gap = worst.to - worst.from;
  if (gap > cadenceMs) {
    const stretch = `${ctx.clock(new Date(worst.from))} to ${ctx.clock(new Date(worst.to))}`;
    return result(
      "updates",
      "partly",
      `${count}, but ${stretch} went ${formatLongDuration(gap)} without one; ${cadence}.`,
    );
  }
  return result("updates", "met", `${count}, never more than ${formatLongDuration(gap)} apart; ${cadence}.`);
}

function scoreBriefing(ctx: Context): PointResult {
  if (!ctx.scenario.expects.briefing) {
    return result("briefing", "not_applicable", "Not expected in this scenario.");
  }
  const posted = entries(ctx, "briefing_posted")[0];
  if (!posted) {
    return result(
      "briefing",
      "missed",
      "Agents were not briefed. A major incident needs a briefing so every caller hears the same message.",
    );
  }
  const confirmed = entries(ctx, "briefing_confirmed").filter((e) => e.at >= posted.at);
  const head = `Briefing posted at ${ctx.clock(posted.at)}`;
  if (confirmed.length === 0) {
    return result("briefing", "partly", `${head}, but no team lead confirmed their team was briefed.`);
  }
  const teams = [...new Set(confirmed.map((e) => str(e.details, "teamLabel") ?? "a team"))];
  const first = confirmed[0] as PracticeLogEntry;
  return result("briefing", "met", `${head}; confirmed for ${teams.join(", ")} from ${ctx.clock(first.at)}.`);
}

const CLOCK_WORDS: Record<string, string> = {
  respond: "respond",
  update_every: "update",
  resolve: "resolve",
};

/**
 * The first answer to an SLA escalation: its DM acknowledged, or what the clock was waiting for
 * done after it (acknowledging the incident for respond, an update for the update cadence, the
 * resolution for resolve), since each stops that clock's ladder as well.
 */
function escalationAnswer(ctx: Context, clock: string, since: Date): { at: Date; how: string } | null {
  const after = (at: Date | null | undefined) => (validTime(at) && at >= since ? at : null);
  const candidates: Array<{ at: Date | null; how: string }> = [
    {
      at:
        entries(ctx, "escalation_acknowledged").find(
          (a) => str(a.details, "clock") === clock && a.at >= since,
        )?.at ?? null,
      how: "the escalation acknowledged",
    },
  ];
  if (clock === "respond")
    candidates.push({ at: after(acknowledgement(ctx)?.at), how: "the incident acknowledged" });
  if (clock === "update_every") {
    const update = entries(ctx, "update_written").find((u) => u.at >= since);
    candidates.push({ at: update?.at ?? null, how: "an update posted" });
  }
  if (clock === "resolve") candidates.push({ at: after(ctx.incident.resolvedAt), how: "resolved" });
  const answered = candidates.filter((c): c is { at: Date; how: string } => c.at !== null);
  answered.sort((a, b) => a.at.getTime() - b.at.getTime());
  return answered[0] ?? null;
}

function scoreEscalation(ctx: Context): PointResult {
  const sent = entries(ctx, "escalation_sent");
  const manual = sent.filter((e) => e.details.manual === true);
  const byClock = new Map<string, PracticeLogEntry>();
  for (const e of sent) {
    const clock = e.details.manual === true ? null : str(e.details, "clock");
    if (clock && !byClock.has(clock)) byClock.set(clock, e);
  }
  const checks: Array<{ ok: boolean; says: string }> = [];
  if (ctx.scenario.expects.manualEscalation) {
    const first = manual[0];
    const role = first && str(first.details, "role");
    checks.push(
      first
        ? {
            ok: true,
            says: `Escalated by hand at ${ctx.clock(first.at)}${role ? ` to the ${roleLabel(role)}` : ""}.`,
          }
        : {
            ok: false,
            says: "Not escalated by hand; this scenario needs a manager told (/incident escalate).",
          },
    );
  }
  for (const [clock, first] of byClock) {
    const answer = escalationAnswer(ctx, clock, first.at);
    const what = `The ${CLOCK_WORDS[clock] ?? clock.replace(/_/g, " ")} SLA escalation at ${ctx.clock(first.at)}`;
    checks.push(
      answer
        ? { ok: true, says: `${what} was answered at ${ctx.clock(answer.at)} (${answer.how}).` }
        : { ok: false, says: `${what} was never acknowledged.` },
    );
  }
  if (checks.length === 0) {
    return result(
      "escalation",
      "not_applicable",
      "No escalation was expected, and no SLA escalation was sent.",
    );
  }
  const good = checks.filter((c) => c.ok).length;
  const score: PointScore = good === checks.length ? "met" : good === 0 ? "missed" : "partly";
  return result("escalation", score, checks.map((c) => c.says).join(" "));
}

function scorePersonalData(ctx: Context): PointResult {
  const i = ctx.incident;
  const written: SharedText[] = [
    {
      at: i.loggedAt,
      actor: entries(ctx, "created")[0]?.actor ?? "",
      what: "the description",
      text: i.description,
    },
    ...(ctx.texts ?? []),
  ];
  const slips = personalDataSlips(ctx.log, written, ctx.scenario.report.callerReference);
  const found = slips.map(
    (s) =>
      `${capitalise(s.what)} at ${ctx.clock(s.at)}${s.actor ? ` by <@${s.actor}>` : ""} contains ${s.found}.`,
  );
  if (found.length === 0) {
    return result(
      "personal_data",
      "met",
      "No caller reference, phone number or email address in the description, notes, updates or reasons.",
    );
  }
  const more = found.length > 3 ? ` (and ${found.length - 3} more)` : "";
  return result(
    "personal_data",
    "missed",
    `${found.slice(0, 3).join(" ")}${more} Those are shared and kept in the log: caller details go in the caller fields only.`,
  );
}

const capitalise = (s: string) => (s ? `${s[0]?.toUpperCase()}${s.slice(1)}` : s);

function scoreResolved(ctx: Context): PointResult {
  const i = ctx.incident;
  const entry = [...entries(ctx, "status_changed")]
    .reverse()
    .find((e) => str(e.details, "action") === "resolve" || str(e.details, "to") === "resolved");
  const at = i.resolvedAt ?? entry?.at ?? null;
  if (!validTime(at)) {
    return result("resolved", "missed", `Not resolved by the end of the drill (${ctx.clock(ctx.now)}).`);
  }
  const resolution = isRecord(entry?.details.resolution) ? entry.details.resolution : {};
  const code = i.closeCode ?? str(resolution, "closeCode");
  const summary = i.resolutionSummary ?? str(resolution, "summary");
  const lacking = [code ? null : "a close code", summary?.trim() ? null : "a summary"].filter(Boolean);
  if (lacking.length > 0) {
    return result("resolved", "partly", `Resolved at ${ctx.clock(at)} without ${lacking.join(" or ")}.`);
  }
  const label = capitalise((code ?? "").replace(/_/g, " "));
  return result("resolved", "met", `Resolved at ${ctx.clock(at)} as ${label}, with a summary.`);
}

function scoreReview(ctx: Context): PointResult {
  if (!ctx.scenario.expects.review)
    return result("review", "not_applicable", "Not expected in this scenario.");
  const done = entries(ctx, "review_completed")[0];
  if (done) return result("review", "met", `Review written at ${ctx.clock(done.at)}.`);
  const asked = entries(ctx, "review_requested")[0];
  return result(
    "review",
    "missed",
    asked
      ? `Review asked for at ${ctx.clock(asked.at)} but not written. A major incident needs one.`
      : "No review written. A major incident needs one: what happened, why, and what will change.",
  );
}
