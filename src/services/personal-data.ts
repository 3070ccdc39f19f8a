import { appendLog } from "../db/queries/incident-log.js";
import { getCallerReferenceState, getIncidentById } from "../db/queries/incidents.js";
import type { IncidentRow } from "../db/schema/index.js";
import { mayViewPersonalData, personalDataViewers } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { escapeMrkdwn } from "../messages/text.js";
import type { Deps } from "./deps.js";

export type Reveal = { ok: true; value: string; message: string } | { ok: false; message: string };

/**
 * "Show caller details": the caller reference, to the reporter, the owner and the roles in
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
    if (!state.value) {
      return {
        ok: false,
        message: state.erased
          ? `${ref}'s caller reference was erased when its retention period ended.`
          : `No caller reference was recorded for ${ref}.`,
      };
    }
    await appendLog(tx, {
      incidentId: incident.id,
      actor,
      kind: "personal_data_viewed",
      details: { what: "caller reference" },
    });
    return {
      ok: true,
      value: state.value,
      message: `*Caller reference for ${ref}*: ${escapeMrkdwn(state.value)}\nPersonal data: keep it out of shared channels. That you viewed it is logged.`,
    };
  });
}
