import { clocksOf } from "../db/queries/sla-clocks.js";
import { formatReference } from "../domain/reference.js";
import { err, ok } from "../domain/result.js";
import type { Deps } from "./deps.js";
import { changeIncident } from "./mutate-incident.js";

/**
 * "Personal data involved": flags the incident and starts the type's clocks that start on it
 * (the regulator's 72 hours). Flagging twice changes nothing.
 */
export function flagPersonalData(deps: Deps, p: { incidentId: string; actor: string; requestKey?: string }) {
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    if (incident.personalDataAt)
      return err({
        code: "already_flagged",
        message: `${ref} is already flagged as involving personal data.`,
      });
    const starting = Object.values(deps.policy.incidentTypes[incident.type]?.clocks ?? {})
      .filter((c) => c.starts === "personal_data")
      .map((c) => c.name);
    return ok({
      patch: { personalDataAt: deps.clock.now() },
      log: [
        {
          kind: "field_changed" as const,
          details: { field: "personalData", from: false, to: true, clocksStarted: starting },
        },
      ],
      message: `${ref} is flagged as involving personal data.${starting.length ? ` Started: ${starting.join(", ").replace(/_/g, " ")}.` : ""}`,
      clocks: { start: starting },
    });
  });
}

/** The button that stops an extra clock ("Regulator notified", "Final response sent"). */
export async function stopExtraClock(
  deps: Deps,
  p: { incidentId: string; actor: string; clock: string; requestKey?: string },
) {
  const running = (await clocksOf(deps.db, p.incidentId)).find((c) => c.name === p.clock);
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    const def = deps.policy.incidentTypes[incident.type]?.clocks[p.clock];
    if (!def || !running || running.state === "stopped") {
      return err({ code: "no_clock", message: `${ref} has no running \`${p.clock}\` clock.` });
    }
    return ok({
      patch: {},
      log: [{ kind: "clock_stopped" as const, details: { clock: p.clock, label: def.stopLabel } }],
      message: `${ref}: ${def.stopLabel}. The ${p.clock.replace(/_/g, " ")} clock is stopped.`,
      clocks: { stop: [p.clock] },
    });
  });
}
