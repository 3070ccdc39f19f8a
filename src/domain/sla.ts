import { addClockTime, type Calendar, clockTimeBetween } from "./business-time.js";
import type { BuiltInClock, SlaHours, SlaPolicy } from "./policy-types.js";

export type { BuiltInClock } from "./policy-types.js";
export { BUILT_IN_CLOCKS } from "./policy-types.js";

/**
 * One SLA clock as planned now. Every duration is clock time: business milliseconds for a
 * business-hours clock, real milliseconds for a 24×7 one.
 */
export interface ClockPlan {
  startedAt: Date;
  durationMs: number;
  hours: SlaHours;
  /** Clock time spent paused so far (e.g. on hold), in the same measure as durationMs. */
  pausedMs: number;
  /** Fractions of durationMs at which to warn, e.g. [0.75]. */
  warnFractions?: number[];
  /** Clock-time offsets from the start at which to warn, e.g. 24 h and 48 h of a 72 h clock. */
  warnOffsetsMs?: number[];
}

// Pauses push the deadline out by the clock time they took, wherever in the run they fell.
export function dueAt(plan: ClockPlan, cal: Calendar): Date {
  return addClockTime(plan.startedAt, plan.durationMs + plan.pausedMs, plan.hours, cal);
}

// Float noise (0.29 * 100 = 28.999…) must not cost a millisecond when rounding down.
const FRACTION_EPSILON = 1e-6;

/**
 * Warning instants, ascending and without repeats. Offsets come from the fractions (rounded down to
 * whole ms) and the absolute offsets; only those strictly between 0 and durationMs count. Like the
 * due time, each is shifted by all pausedMs, so a warning that fired before a hold is recomputed
 * to a later instant: callers track which warnings were sent by index, not by instant.
 */
export function warnTimes(plan: ClockPlan, cal: Calendar): Date[] {
  const fromFractions = (plan.warnFractions ?? []).map((fraction) =>
    Math.floor(fraction * plan.durationMs + FRACTION_EPSILON),
  );
  const offsets = [...new Set([...fromFractions, ...(plan.warnOffsetsMs ?? [])])]
    .filter((offset) => offset > 0 && offset < plan.durationMs)
    .sort((x, y) => x - y);
  return offsets.map((offset) => addClockTime(plan.startedAt, offset + plan.pausedMs, plan.hours, cal));
}

/**
 * The clock time a pause took: all of [pausedAt, resumedAt) for a 24×7 clock, only the business
 * hours inside it for a business-hours clock (a hold over a weekend costs nothing extra). Callers
 * clamp pausedAt to the clock's start and sum over several holds.
 */
export function pausedTimeBetween(pausedAt: Date, resumedAt: Date, hours: SlaHours, cal: Calendar): number {
  return clockTimeBetween(pausedAt, resumedAt, hours, cal);
}

export interface BuiltInPlanInput {
  sla: SlaPolicy;
  warnAt: number;
  loggedAt: Date;
  /** The last stakeholder update; the update cadence restarts from it. */
  lastUpdateAt?: Date | null;
}

/** Fresh (unpaused) plans of the three built-in clocks for an incident's priority. */
export function builtInPlans(p: BuiltInPlanInput): Record<BuiltInClock, ClockPlan> {
  const plan = (startedAt: Date, durationMs: number): ClockPlan => ({
    startedAt,
    durationMs,
    hours: p.sla.hours,
    pausedMs: 0,
    warnFractions: [p.warnAt],
  });
  return {
    respond: plan(p.loggedAt, p.sla.respondMs),
    update_every: plan(p.lastUpdateAt ?? p.loggedAt, p.sla.updateEveryMs),
    resolve: plan(p.loggedAt, p.sla.resolveMs),
  };
}

/**
 * The same clock with a new duration, e.g. after a priority change: it keeps its original start
 * and the pauses so far, so time already spent counts against the new target.
 */
export function replan(plan: ClockPlan, newDurationMs: number): ClockPlan {
  return { ...plan, durationMs: newDurationMs };
}

/** How far past `due` `now` is, in real ms; 0 when not yet due. */
export function overdueBy(due: Date, now: Date): number {
  return Math.max(0, now.getTime() - due.getTime());
}
