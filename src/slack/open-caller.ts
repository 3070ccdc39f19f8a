import type { ModalView, WebClient } from "@slack/web-api";
import { getIncidentById } from "../db/queries/incidents.js";
import type { IncidentRow } from "../db/schema/index.js";
import { formatReference } from "../domain/reference.js";
import { describeError } from "../lib/logger.js";
import { addCallerModal } from "../messages/caller-modal.js";
import type { Deps } from "../services/deps.js";
import { openModal } from "./open-modal.js";

/**
 * Why no caller can be added to `incident` now (the service refuses the same at submission,
 * under the row lock); null when one can. A resolved incident still takes callers: the
 * problem may be back for them, and their callbacks are part of closing it.
 */
export function addCallerRefusal(incident: IncidentRow): string | null {
  const ref = formatReference(incident.number);
  if (incident.mergedIntoId) {
    return `${ref} was closed as a duplicate: add the caller to the incident it duplicates (\`/incident show ${ref}\` names it).`;
  }
  if (incident.status === "closed") {
    return `${ref} is closed, so no caller can be added to it. If the problem is back, log a new incident with \`/incident\`.`;
  }
  return null;
}

/** Opens *Add a caller* for `incident` with a fresh trigger; returns what to tell the person instead. */
export async function openAddCallerModal(
  deps: Deps,
  client: WebClient,
  p: { incident: IncidentRow; triggerId: string; retry: string },
): Promise<string | null> {
  const refused = addCallerRefusal(p.incident);
  if (refused) return refused;
  return openModal(deps, client, {
    triggerId: p.triggerId,
    view: addCallerModal(p.incident, deps.clock.now()),
    retry: p.retry,
    context: { kind: "add_caller", incidentId: p.incident.id },
  });
}

/**
 * Turns the open Log form into *Add a caller* for the chosen incident, in place (same view, its
 * hash guarding against a change made meanwhile). Returns what to tell the person when it could
 * not (the incident closed meanwhile, the form closed), or null.
 */
export async function switchToAddCaller(
  deps: Deps,
  client: WebClient,
  p: { viewId: string; hash: string | undefined; incidentId: string },
): Promise<string | null> {
  const incident = await getIncidentById(deps.db, p.incidentId);
  if (!incident) return "That incident no longer exists: log the caller as a new incident.";
  const refused = addCallerRefusal(incident);
  if (refused) return refused;
  try {
    await client.views.update({
      view_id: p.viewId,
      ...(p.hash ? { hash: p.hash } : {}),
      view: addCallerModal(incident, deps.clock.now()) as ModalView,
    });
    return null;
  } catch (err) {
    deps.logger.warn(
      { incidentId: incident.id, viewId: p.viewId, err: describeError(err) },
      "add caller form not shown",
    );
    return `I couldn't switch the form to ${formatReference(incident.number)}. Close it and run \`/incident caller ${formatReference(incident.number)}\`.`;
  }
}
