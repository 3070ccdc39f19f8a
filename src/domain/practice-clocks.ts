import type { Audience } from "./communications.js";
import { PRIORITIES } from "./incident.js";
import type { CallbackPolicy, CustomClockPolicy, Policy, SlaPolicy } from "./policy-types.js";
import { scaledMs } from "./practice-scenarios.js";

/**
 * The clocks of a practice drill (issue 23): every SLA duration, warning and escalation repeat
 * divided by the drill's speed, in calendar time. A drill run at 10× on a Friday evening must
 * still make the trainee acknowledge within a tenth of the respond target, so business hours do
 * not apply to drills: they run always-hours, whatever the priority says. Pure.
 */

/** The incident fields that say whether, and how fast, it is a drill. */
export interface PracticeMarked {
  practiceRunId?: string | null;
  practiceSpeed?: number | null;
}

const scaled = new WeakMap<Policy, Map<number, Policy>>();

/**
 * The policy as a drill at `speed` reads its clocks: SLA targets, repeats, extra clocks (due and
 * warnings), callback clocks and audiences' update cadences all `speed` times shorter, and every
 * clock in always-hours. Everything else (roles, types, channels) is the policy itself. The
 * same (policy, speed) gives the same object, so per-policy caches (calendars) keep working.
 */
export function practiceClockPolicy(policy: Policy, speed: number): Policy {
  let bySpeed = scaled.get(policy);
  if (!bySpeed) {
    bySpeed = new Map();
    scaled.set(policy, bySpeed);
  }
  let out = bySpeed.get(speed);
  if (!out) {
    out = scalePolicy(policy, speed);
    bySpeed.set(speed, out);
  }
  return out;
}

/** The policy an incident's clocks run by: its drill's scaled copy, or the policy itself. */
export function clockPolicyOf(policy: Policy, incident: PracticeMarked): Policy {
  if (!incident.practiceRunId) return policy;
  return practiceClockPolicy(policy, incident.practiceSpeed ?? 1);
}

/** Whether the incident is a practice drill's. */
export const isPractice = (incident: PracticeMarked): boolean => !!incident.practiceRunId;

function scalePolicy(policy: Policy, speed: number): Policy {
  const ms = (value: number) => Math.max(1, scaledMs(value, speed));
  const sla = Object.fromEntries(
    PRIORITIES.map((p) => {
      const s = policy.sla[p];
      const out: SlaPolicy = {
        respondMs: ms(s.respondMs),
        updateEveryMs: ms(s.updateEveryMs),
        resolveMs: ms(s.resolveMs),
        repeatMs: ms(s.repeatMs),
        hours: "always",
      };
      return [p, out];
    }),
  ) as Policy["sla"];
  const clock = (c: CustomClockPolicy): CustomClockPolicy => ({
    ...c,
    dueMs: ms(c.dueMs),
    warnMs: c.warnMs.map((w) => ms(w)),
  });
  const callback = (c: CallbackPolicy | undefined): CallbackPolicy | undefined =>
    c && { withinMs: ms(c.withinMs), hours: "always" };
  const audiences = (list: Audience[] | undefined): Audience[] | undefined =>
    list?.map((a) => ({ ...a, updateEveryMs: a.updateEveryMs === null ? null : ms(a.updateEveryMs) }));
  const incidentTypes = Object.fromEntries(
    Object.entries(policy.incidentTypes).map(([key, type]) => [
      key,
      {
        ...type,
        clocks: Object.fromEntries(Object.entries(type.clocks).map(([name, c]) => [name, clock(c)])),
        ...(type.callbackWithin ? { callbackWithin: callback(type.callbackWithin) } : {}),
        ...(type.communications ? { communications: audiences(type.communications) } : {}),
      },
    ]),
  );
  return {
    ...policy,
    sla,
    incidentTypes,
    ...(policy.callbackWithin ? { callbackWithin: callback(policy.callbackWithin) } : {}),
    ...(policy.communications ? { communications: audiences(policy.communications) } : {}),
  };
}
