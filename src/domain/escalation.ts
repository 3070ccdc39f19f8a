/** Where a breach's escalation ladder stands after `step` unacknowledged intervals. */
export interface LadderStep {
  /** 0-based: 0 is the breach itself. */
  step: number;
  role: string;
  /** 1-based authority level. */
  level: number;
  /** True from the last rung on: further steps keep reminding the top role. */
  atTop: boolean;
}

/**
 * Step k goes to escalation[min(k, length − 1)]: one level up per step, then the top role again
 * at every later step. Throws on an empty ladder (the policy schema never produces one).
 */
export function ladderStep(escalation: readonly string[], step: number): LadderStep {
  if (!Number.isInteger(step) || step < 0)
    throw new RangeError(`ladder step must be an integer >= 0 (got ${step})`);
  if (escalation.length === 0) throw new Error("escalation ladder is empty: it needs at least one role");
  const top = escalation.length - 1;
  const index = Math.min(step, top);
  const role = escalation[index]!;
  return { step, role, level: index + 1, atTop: step >= top };
}

/**
 * When step `step` is due. The escalation `repeat` is wall-clock time, not business time, even for
 * a business-hours clock: once a deadline is breached, nobody acknowledging is urgent whenever it
 * happens, so the ladder keeps climbing out of hours.
 */
export function ladderStepTime(breachedAt: Date, repeatMs: number, step: number): Date {
  return new Date(breachedAt.getTime() + step * repeatMs);
}

/** Slack user ids holding `role`, without repeats, in policy order; [] for an unknown role. */
export function recipients(roles: Readonly<Record<string, readonly string[]>>, role: string): string[] {
  return [...new Set(roles[role] ?? [])];
}
