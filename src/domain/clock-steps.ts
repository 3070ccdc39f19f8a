import { ladderStepTime } from "./escalation.js";

/**
 * The steps of one clock plan, in order: each warning (`warn-0`, `warn-1`, …), the breach,
 * then escalation steps (`escalate-1`, `escalate-2`, …) every `repeat` until acknowledged.
 * Times are planned from the deadline, not from when a step happened to run, so a late
 * step does not push the rest of the ladder later.
 */
export type ClockStep = `warn-${number}` | "breach" | `escalate-${number}`;

export interface StepPlan {
  warnTimes: Date[];
  dueAt: Date;
  repeatMs: number;
}

export function parseStep(
  step: string,
): { kind: "warn" | "escalate"; index: number } | { kind: "breach" } | null {
  if (step === "breach") return { kind: "breach" };
  const m = /^(warn|escalate)-(\d{1,6})$/.exec(step);
  if (!m) return null;
  return { kind: m[1] as "warn" | "escalate", index: Number(m[2]) };
}

export function stepTime(step: ClockStep, plan: StepPlan): Date {
  const parsed = parseStep(step);
  if (!parsed) throw new RangeError(`not a clock step: ${step}`);
  switch (parsed.kind) {
    case "breach":
      return plan.dueAt;
    case "warn": {
      const at = plan.warnTimes[parsed.index];
      if (!at) throw new RangeError(`no warning ${parsed.index} in this plan`);
      return at;
    }
    case "escalate":
      return ladderStepTime(plan.dueAt, plan.repeatMs, parsed.index);
  }
}

/** The step after `step` (the ladder never ends by itself: acknowledging or stopping ends it). */
export function nextStep(step: ClockStep, plan: StepPlan): ClockStep {
  const parsed = parseStep(step);
  if (!parsed) throw new RangeError(`not a clock step: ${step}`);
  if (parsed.kind === "warn")
    return parsed.index + 1 < plan.warnTimes.length ? `warn-${parsed.index + 1}` : "breach";
  if (parsed.kind === "breach") return "escalate-1";
  return `escalate-${parsed.index + 1}`;
}

/** The highest step index a step name holds (parseStep reads up to six digits). */
const MAX_STEP_INDEX = 999_999;

/**
 * The step to plan after `step` ran at `now`, on a ladder of `ladderLength` roles. A ladder that
 * fell behind (workers or Redis down past several of its steps) still climbs every rung it
 * missed, one step each, so each level hears of the breach once and in order. But the top
 * role's reminders that fell due meanwhile collapse into one, the latest of them: after an
 * outage the head of operations gets one late message, not one per missed interval.
 */
export function stepAfter(step: ClockStep, plan: StepPlan, now: Date, ladderLength: number): ClockStep {
  const next = nextStep(step, plan);
  const parsed = parseStep(next);
  if (parsed?.kind !== "escalate" || plan.repeatMs <= 0) return next;
  // Escalation k goes to ladder rung min(k, length - 1); from the top rung on, each is a reminder.
  const top = Math.max(1, ladderLength - 1);
  if (parsed.index < top) return next;
  const latestDue = Math.floor((now.getTime() - plan.dueAt.getTime()) / plan.repeatMs);
  const index = Math.max(parsed.index, Math.min(latestDue, MAX_STEP_INDEX));
  return `escalate-${index}`;
}

/**
 * Where a freshly (re)planned clock starts: the first warning still ahead of `now`, else the
 * breach (due now if the new deadline has already passed). Warnings already behind are not
 * sent late: the breach, or a later warning, says more.
 */
export function firstStep(plan: StepPlan, now: Date): ClockStep {
  const index = plan.warnTimes.findIndex(
    (at) => at.getTime() > now.getTime() && at.getTime() < plan.dueAt.getTime(),
  );
  return index >= 0 ? `warn-${index}` : "breach";
}
