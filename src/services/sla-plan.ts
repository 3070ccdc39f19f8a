import type { NewSlaClock, SlaClockRow } from "../db/schema/index.js";
import { type Calendar, calendarFromPolicy } from "../domain/business-time.js";
import { CALLBACKS_CLOCK } from "../domain/callbacks.js";
import { type ClockStep, firstStep, type StepPlan } from "../domain/clock-steps.js";
import { planFor } from "../domain/communications.js";
import type { Priority } from "../domain/incident.js";
import { callbackPolicyOf, type Policy } from "../domain/policy-types.js";
import { type ClockPlan, dueAt, warnTimes } from "../domain/sla.js";

const calendars = new WeakMap<Policy, Calendar>();

/** The policy's business calendar, built once per policy. */
export function calendarOf(policy: Policy): Calendar {
  let cal = calendars.get(policy);
  if (!cal) {
    cal = calendarFromPolicy(policy.timezone, policy.businessHours);
    calendars.set(policy, cal);
  }
  return cal;
}

type PlanFields = Pick<SlaClockRow, "startedAt" | "durationMs" | "hours" | "pausedMs" | "warnOffsetsMs">;

export function planOf(row: PlanFields): ClockPlan {
  return {
    startedAt: row.startedAt,
    durationMs: row.durationMs,
    hours: row.hours,
    pausedMs: row.pausedMs,
    warnOffsetsMs: row.warnOffsetsMs,
  };
}

export function stepPlanOf(policy: Policy, row: PlanFields, priority: Priority): StepPlan {
  const cal = calendarOf(policy);
  const plan = planOf(row);
  return {
    warnTimes: warnTimes(plan, cal),
    dueAt: dueAt(plan, cal),
    repeatMs: policy.sla[priority].repeatMs,
  };
}

/**
 * Fills in the derived fields of a clock about to run under a (new) plan: its deadline and
 * the first step still ahead of `now`.
 */
export function scheduleFields(policy: Policy, row: PlanFields, priority: Priority, now: Date) {
  const plan = stepPlanOf(policy, row, priority);
  const step: ClockStep = firstStep(plan, now);
  const at = step === "breach" ? plan.dueAt : (plan.warnTimes[Number(step.slice(5))] ?? plan.dueAt);
  return { dueAt: plan.dueAt, nextStep: step as string, nextStepAt: at };
}

/** The built-in clocks of a priority, plus the incident type's extra clocks, as new rows. */
export function initialClocks(
  policy: Policy,
  p: { incidentId: string; type: string; priority: Priority; loggedAt: Date },
): NewSlaClock[] {
  const sla = policy.sla[p.priority];
  const warn = (ms: number) => [Math.floor(ms * policy.warnAt)];
  const builtIn: Array<[string, number]> = [
    ["respond", sla.respondMs],
    ["update_every", sla.updateEveryMs],
    ["resolve", sla.resolveMs],
  ];
  const rows: Array<Omit<NewSlaClock, "dueAt"> & PlanFields> = builtIn.map(([name, ms]) => ({
    incidentId: p.incidentId,
    name,
    hours: sla.hours,
    startedAt: p.loggedAt,
    durationMs: ms,
    pausedMs: 0,
    warnOffsetsMs: warn(ms),
  }));
  for (const clock of Object.values(policy.incidentTypes[p.type]?.clocks ?? {})) {
    if (clock.starts !== "logged") continue;
    rows.push({
      incidentId: p.incidentId,
      name: clock.name,
      // Statutory deadlines run in calendar time, whatever the contact centre's hours.
      hours: "always",
      startedAt: p.loggedAt,
      durationMs: clock.dueMs,
      pausedMs: 0,
      warnOffsetsMs: clock.warnMs,
      notifyRoles: clock.notify,
    });
  }
  rows.push(...cadenceClocks(policy, { ...p, now: p.loggedAt }));
  return rows.map((row) => ({ ...row, ...scheduleFields(policy, row, p.priority, p.loggedAt) }));
}

/** An audience's own update cadence runs as the clock `comms_<audience key>`. */
export const CADENCE_PREFIX = "comms_";
export const cadenceClockName = (audienceKey: string) => `${CADENCE_PREFIX}${audienceKey}`;
export const isCadenceClock = (name: string) => name.startsWith(CADENCE_PREFIX);

/**
 * The audiences of the incident's plan with their own `update_every` (and that hear about an
 * incident of this priority), as clocks starting now. They warn and breach like the update
 * clock, escalating on the type's ladder; an update sent to the audience, or a communication
 * with it logged, starts its clock again.
 */
export function cadenceClocks(
  policy: Policy,
  p: { incidentId: string; type: string; priority: Priority; now: Date },
): Array<Omit<NewSlaClock, "dueAt"> & PlanFields> {
  return planFor(policy, p.type)
    .filter((a) => a.updateEveryMs !== null && (!a.priorities || a.priorities.includes(p.priority)))
    .map((a) => {
      const ms = a.updateEveryMs ?? 0;
      return {
        incidentId: p.incidentId,
        name: cadenceClockName(a.key),
        // A promise to an outside party is kept in calendar time.
        hours: "always" as const,
        startedAt: p.now,
        durationMs: ms,
        pausedMs: 0,
        warnOffsetsMs: [Math.floor(ms * policy.warnAt)],
      };
    });
}

/** The cadence an audience clock runs to now, or null when its audience left the plan. */
export function cadenceMs(policy: Policy, type: string, clockName: string): number | null {
  const audience = planFor(policy, type).find((a) => cadenceClockName(a.key) === clockName);
  return audience?.updateEveryMs ?? null;
}

/**
 * The callback clock of an incident resolved now with callbacks to make (policy
 * `callback_within`, in its own hours or else the priority's), or null when its type has none.
 * It warns and escalates on the type's ladder like the update clock.
 */
export function callbackClock(
  policy: Policy,
  p: { incidentId: string; type: string; priority: Priority; now: Date },
): (Omit<NewSlaClock, "dueAt"> & PlanFields) | null {
  const rule = callbackPolicyOf(policy, p.type);
  if (!rule) return null;
  return {
    incidentId: p.incidentId,
    name: CALLBACKS_CLOCK,
    hours: rule.hours ?? policy.sla[p.priority].hours,
    startedAt: p.now,
    durationMs: rule.withinMs,
    pausedMs: 0,
    warnOffsetsMs: [Math.floor(rule.withinMs * policy.warnAt)],
  };
}

/** Rows for a type's extra clocks that start now (e.g. on the personal-data flag). */
export function extraClocks(
  policy: Policy,
  p: { incidentId: string; type: string; priority: Priority; now: Date; names: string[] },
): NewSlaClock[] {
  const defs = Object.values(policy.incidentTypes[p.type]?.clocks ?? {}).filter((c) =>
    p.names.includes(c.name),
  );
  return defs.map((clock) => {
    const row = {
      incidentId: p.incidentId,
      name: clock.name,
      hours: "always" as const,
      startedAt: p.now,
      durationMs: clock.dueMs,
      pausedMs: 0,
      warnOffsetsMs: clock.warnMs,
      notifyRoles: clock.notify,
    };
    return { ...row, ...scheduleFields(policy, row, p.priority, p.now) };
  });
}

export const CLOCK_LABELS: Record<string, string> = {
  respond: "Acknowledge",
  update_every: "Stakeholder update",
  resolve: "Resolve",
};

export function clockLabel(name: string): string {
  if (isCadenceClock(name)) return `Update to ${name.slice(CADENCE_PREFIX.length).replace(/_/g, " ")}`;
  return CLOCK_LABELS[name] ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}
