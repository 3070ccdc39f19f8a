import { assertNever, type Status } from "./incident.js";
import { allowedActions, isOpenStatus, type LifecycleAction } from "./lifecycle.js";

/** One SLA clock of an incident, as the App Home and `/incident list` read it. */
export interface ClockDeadline {
  /** respond, update_every, resolve, or one of the policy's extra clocks (regulator_notice). */
  clock: string;
  dueAt: Date;
  /** From when it counts as due soon: its last warning. Null: only once due. */
  soonFrom: Date | null;
  /** A paused clock (resolve while on hold) has a stale due time: it is never overdue. */
  paused: boolean;
  /** The card button that stops an extra clock ("Regulator notified"); none for built-in clocks. */
  stopLabel?: string | undefined;
}

/** overdue → due soon → later; paused when the only clock left is waiting on a hold. */
export const DEADLINE_TONES = ["overdue", "soon", "later", "paused"] as const;
export type DeadlineTone = (typeof DEADLINE_TONES)[number];

export interface DeadlineStatus {
  tone: DeadlineTone;
  clock: string;
  dueAt: Date;
  /**
   * Plain words: "acknowledge overdue by 2 min", "update due in 4 min", "resolve clock paused";
   * for `later`, the words a date follows ("resolve by", "update due").
   */
  words: string;
  /** Other clocks past their deadline too, most overdue first (clock names). */
  alsoOverdue: string[];
  stopLabel?: string | undefined;
}

const WORDS: Record<string, string> = { respond: "acknowledge", update_every: "update", resolve: "resolve" };
const LATER_WORDS: Record<string, string> = {
  respond: "acknowledge by",
  update_every: "update due",
  resolve: "resolve by",
};

/** How a clock is named in a sentence: "acknowledge", "update", "regulator notice". */
export function clockWords(clock: string): string {
  return WORDS[clock] ?? clock.replace(/_/g, " ");
}

/**
 * Whether a clock's deadline is live in this status: acknowledging ends `respond`, a hold
 * pauses `resolve`, resolving ends the update cadence and closing ends everything. Extra
 * clocks (a regulator's 72 hours) run on after the incident is resolved.
 */
function counts(clock: string, status: Status): boolean {
  if (status === "closed") return false;
  switch (clock) {
    case "respond":
      return status === "open";
    case "update_every":
      return isOpenStatus(status);
    case "resolve":
      return isOpenStatus(status) && status !== "on_hold";
    default:
      return true;
  }
}

type RunningTone = Exclude<DeadlineTone, "paused">;

function toneOf(d: ClockDeadline, now: number): RunningTone {
  if (now >= d.dueAt.getTime()) return "overdue";
  if (d.soonFrom && now >= d.soonFrom.getTime()) return "soon";
  return "later";
}

const RANK: Record<DeadlineTone, number> = { overdue: 0, soon: 1, later: 2, paused: 3 };

/**
 * The most pressing deadline of an incident at `now`: the most overdue one, else the one
 * nearest that is past its warning, else the next one. A paused clock is never overdue;
 * it is mentioned only when nothing else runs.
 */
export function deadlineStatus(p: {
  status: Status;
  clocks: ClockDeadline[];
  now: Date;
}): DeadlineStatus | null {
  const now = p.now.getTime();
  const live = p.clocks
    .filter((d) => !d.paused && counts(d.clock, p.status))
    .map((d) => ({ d, tone: toneOf(d, now) }))
    .sort((a, b) => RANK[a.tone] - RANK[b.tone] || a.d.dueAt.getTime() - b.d.dueAt.getTime());
  const [first, ...rest] = live;
  if (!first) {
    const held = p.status === "on_hold" ? p.clocks.find((d) => d.clock === "resolve") : undefined;
    if (!held) return null;
    return {
      tone: "paused",
      clock: "resolve",
      dueAt: held.dueAt,
      words: "resolve clock paused",
      alsoOverdue: [],
    };
  }
  const { d, tone } = first;
  return {
    tone,
    clock: d.clock,
    dueAt: d.dueAt,
    words: phrase(d.clock, tone, Math.abs(now - d.dueAt.getTime())),
    alsoOverdue: rest.filter((r) => r.tone === "overdue").map((r) => r.d.clock),
    ...(d.stopLabel ? { stopLabel: d.stopLabel } : {}),
  };
}

function phrase(clock: string, tone: RunningTone, gapMs: number): string {
  switch (tone) {
    case "overdue":
      return gapMs < MINUTE
        ? `${clockWords(clock)} just overdue`
        : `${clockWords(clock)} overdue by ${plainDuration(gapMs)}`;
    case "soon":
      return `${clockWords(clock)} due in ${plainDuration(gapMs)}`;
    case "later":
      return LATER_WORDS[clock] ?? `${clockWords(clock)} due`;
    default:
      return assertNever(tone);
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A gap as people say it: "under a minute", "4 min", "1 h 5 min", "2 days 3 h". Rounded
 * down to the minute, and to the hour past a day, so "due in" never promises more time than
 * is left.
 */
export function plainDuration(ms: number): string {
  const gap = Math.max(0, ms);
  if (gap < MINUTE) return "under a minute";
  const days = Math.floor(gap / DAY);
  const hours = Math.floor((gap % DAY) / HOUR);
  const minutes = Math.floor((gap % HOUR) / MINUTE);
  if (days > 0) return [`${days} ${days === 1 ? "day" : "days"}`, hours ? `${hours} h` : ""].join(" ").trim();
  if (hours > 0) return [`${hours} h`, minutes ? `${minutes} min` : ""].join(" ").trim();
  return `${minutes} min`;
}

/** What a row's one button does: a move of the state machine, an update, or an extra clock's stop. */
export type NextAction =
  | { kind: "lifecycle"; action: LifecycleAction }
  | { kind: "update" }
  | { kind: "stop_clock"; clock: string; label: string }
  /** The way to the incident (its channel or thread), for a viewer who may not take its next move. */
  | { kind: "open" };

/** After acknowledging, the move that usually comes next from each status. */
const NEXT_MOVES: readonly LifecycleAction[] = ["resume", "start", "resolve", "close"];

/**
 * The one action a list row offers. Acknowledging comes first (it stops the ladder); then an
 * update that is overdue or due soon; then an extra clock's stop when that deadline presses;
 * otherwise the state machine's next move (start work, resolve, resume, close).
 */
export function nextAction(status: Status, deadline: DeadlineStatus | null): NextAction | null {
  const allowed = allowedActions(status);
  if (allowed.includes("acknowledge")) return { kind: "lifecycle", action: "acknowledge" };
  const pressing = deadline && (deadline.tone === "overdue" || deadline.tone === "soon") ? deadline : null;
  const updateLate =
    (pressing?.clock === "update_every" || deadline?.alsoOverdue.includes("update_every")) &&
    isOpenStatus(status);
  if (updateLate) return { kind: "update" };
  if (pressing?.stopLabel) return { kind: "stop_clock", clock: pressing.clock, label: pressing.stopLabel };
  const move = NEXT_MOVES.find((a) => allowed.includes(a));
  return move ? { kind: "lifecycle", action: move } : null;
}

/**
 * The row's action as one viewer sees it. A move they may not make (resolving is for the owner
 * and the managers, permissions.ts decides) becomes the way to the incident instead, so no row
 * offers a button that only answers with a refusal. `worksIt`: the viewer owns the incident,
 * nobody does yet, or they manage incidents (may resolve); for anyone else a row offers no step
 * of the owner's work (start, resume, post an update, stop a clock), only the way in.
 */
export function nextActionFor(
  next: NextAction | null,
  may: (action: LifecycleAction) => boolean,
  worksIt = true,
): NextAction | null {
  if (!next || next.kind === "open") return next;
  if (next.kind === "lifecycle" && !may(next.action)) return { kind: "open" };
  // Someone else's incident: its next step is its owner's (or a manager's). Anyone may still
  // acknowledge one nobody has picked up; everyone else is offered the way in.
  if (!worksIt && !(next.kind === "lifecycle" && next.action === "acknowledge")) return { kind: "open" };
  return next;
}
