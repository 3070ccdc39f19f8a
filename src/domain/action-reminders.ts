import { DateTime } from "luxon";
import { readableDate } from "./readable-time.js";

/**
 * When the owner of an improvement action hears about it. Pure: takes the action's state and
 * `now`, returns what to send next and when.
 *
 * An open action has three steps per due date, in this order:
 * - `remind`   at dueAt − remindBefore: "due soon", to the owner;
 * - `overdue`  at dueAt: "now overdue", to the owner;
 * - `escalate` at dueAt + escalateAfter: to the owner's team lead(s).
 *
 * Decisions:
 * - An action created (or moved) with less than `remindBefore` left gets no separate reminder:
 *   the assignment DM (or the reschedule) already says when it is due, and a "due soon" a
 *   moment later is noise. Its first step is `overdue`.
 * - A reminder that could only go out at or after the deadline (the worker or Redis was away
 *   at its time) is not sent: the overdue notice that follows says more.
 * - Moving the due date starts a new generation with nothing fired: the steps are planned
 *   afresh from the new date, so an overdue action moved to a later date is no longer overdue
 *   and will be reminded, marked overdue and escalated again relative to the new date.
 * - Steps never go backwards: once a step fired, no earlier one is planned in that generation.
 * - Done and cancelled actions plan nothing.
 */

export const ACTION_STEPS = ["remind", "overdue", "escalate"] as const;
export type ActionStep = (typeof ACTION_STEPS)[number];

export interface ActionTiming {
  remindBeforeMs: number;
  escalateAfterMs: number;
}

export interface ActionPlanState {
  status: "open" | "done" | "cancelled";
  dueAt: Date;
  /** Steps already fired in the current generation. */
  fired: readonly ActionStep[];
}

export interface PlannedStep {
  step: ActionStep;
  at: Date;
}

export function isActionStep(value: string): value is ActionStep {
  return (ACTION_STEPS as readonly string[]).includes(value);
}

/** The time a step is due for a deadline; fixed for the generation (depends on dueAt only). */
export function actionStepTime(step: ActionStep, dueAt: Date, timing: ActionTiming): Date {
  const due = dueAt.getTime();
  switch (step) {
    case "remind":
      return new Date(due - timing.remindBeforeMs);
    case "overdue":
      return dueAt;
    case "escalate":
      return new Date(due + timing.escalateAfterMs);
  }
}

/**
 * The next step to fire for an action, or null when nothing more is due in this generation.
 * Its time may already have passed (then it is due at once; e.g. an action created with a
 * due date in the past is overdue straight away).
 */
export function nextActionStep(timing: ActionTiming, state: ActionPlanState, now: Date): PlannedStep | null {
  if (state.status !== "open") return null;
  const lastFired = Math.max(-1, ...state.fired.map((s) => ACTION_STEPS.indexOf(s)));
  for (const step of ACTION_STEPS.slice(lastFired + 1)) {
    const at = actionStepTime(step, state.dueAt, timing);
    // Too late for a reminder ahead of time: the owner already knows the date.
    if (step === "remind" && now.getTime() >= at.getTime()) continue;
    return { step, at };
  }
  return null;
}

/**
 * The first step after the due date moved (or the action was first planned): a new generation
 * with nothing fired, so the plan depends on the new date and `now` alone.
 */
export function planFromDate(timing: ActionTiming, dueAt: Date, now: Date): PlannedStep | null {
  return nextActionStep(timing, { status: "open", dueAt, fired: [] }, now);
}

/**
 * Whether a step whose job runs now still says something true. Only the reminder can go
 * stale: "due soon" once the deadline has passed is wrong, and the overdue notice follows.
 */
export function stepStillWorthSending(step: ActionStep, dueAt: Date, now: Date): boolean {
  return step !== "remind" || now.getTime() < dueAt.getTime();
}

/** Whole days an action is past its deadline (0 before or within the first day). */
export function daysOverdue(dueAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - dueAt.getTime()) / 86_400_000));
}

/** Open and past its deadline. */
export function isOverdue(a: { status: string; dueAt: Date }, now: Date): boolean {
  return a.status === "open" && now.getTime() >= a.dueAt.getTime();
}

/** `ACT-42`: how people refer to an improvement action. */
export function formatActionReference(n: number): string {
  return `ACT-${n}`;
}

/** "Fri 27 Nov 2026" for a YYYY-MM-DD due date (a calendar date, so no zone shift), as every date reads. */
export function formatDueOn(dueOn: string): string {
  return readableDate(dueOn) ?? dueOn;
}

/** Today's date (YYYY-MM-DD) where the centre is: the earliest date an action may be moved to. */
export function localToday(now: Date, timezone: string): string {
  return DateTime.fromJSDate(now, { zone: timezone }).toISODate() ?? "";
}
