import { callerDetailsOf } from "../db/queries/caller-details.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getCallerReferenceState, getIncidentById } from "../db/queries/incidents.js";
import type { IncidentRow } from "../db/schema/index.js";
import { mayViewPersonalData, personalDataViewers } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { callerDetailsText } from "../messages/caller-details.js";
import type { Deps } from "./deps.js";

export type Reveal = { ok: true; value: string; message: string } | { ok: false; message: string };

/**
 * "Show caller details": every caller's reference and callback contact, to the reporter, the owner and the roles in
 * permissions.view_personal_data only, each showing logged (who and when, never the value) in
 * the same transaction that reads it, so a data-protection audit can say who saw it.
 */
export async function revealCallerDetails(
  deps: Deps,
  p: { incidentId: string; actor: string },
): Promise<Reveal> {
  const incident = await getIncidentById(deps.db, p.incidentId);
  if (!incident) return { ok: false, message: "That incident no longer exists." };
  return revealFor(deps, incident, p.actor);
}

export async function revealFor(deps: Deps, incident: IncidentRow, actor: string): Promise<Reveal> {
  const ref = formatReference(incident.number);
  if (
    !mayViewPersonalData(deps.policy, {
      userId: actor,
      ownerId: incident.ownerId,
      reporterId: incident.reporterId,
    })
  ) {
    return {
      ok: false,
      message: `${ref}'s caller details are personal data: only ${personalDataViewers(deps.policy)} can see them.`,
    };
  }
  return deps.db.transaction(async (tx): Promise<Reveal> => {
    const state = await getCallerReferenceState(tx, incident.id);
    // Retention erases an incident's caller details all at once: its reference erased, all are.
    if (state.erased) {
      return { ok: false, message: `${ref}'s caller reference was erased when its retention period ended.` };
    }
    const details = await callerDetailsOf(tx, incident.id);
    const known = details.filter((d) => !d.erased && (d.callerReference || d.callbackContact));
    // Incidents logged before caller reports existed hold their reference only apart.
    const logged =
      state.value && !details.some((d) => d.callerReference === state.value) ? state.value : null;
    if (known.length === 0 && !logged) {
      return { ok: false, message: `No caller reference or callback contact was recorded for ${ref}.` };
    }
    await appendLog(tx, {
      incidentId: incident.id,
      actor,
      kind: "personal_data_viewed",
      details: { what: "caller details", callers: details.length },
    });
    const value = state.value ?? known.find((d) => d.callerReference)?.callerReference ?? "";
    return {
      ok: true,
      value,
      message: callerDetailsText({ reference: ref, details, logged, timezone: deps.policy.timezone }),
    };
  });
}
