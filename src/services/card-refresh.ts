import { getIncidentById, markCardDrawn } from "../db/queries/incidents.js";
import { editMessage } from "../delivery/edit.js";
import { inviteOwner } from "./channel-members.js";
import type { Deps } from "./deps.js";
import { renderResponderCard } from "./render.js";

/**
 * Edits the pinned summary card to show the incident as it is now. Rendering reads the
 * current row, so a late or repeated refresh can only ever show the newest state.
 */
export async function refreshCard(deps: Deps, incidentId: string): Promise<"updated" | "skipped"> {
  const incident = await getIncidentById(deps.db, incidentId);
  // No card yet: the set-up job posts it from the current state when it gets there.
  // The card is in the incident's channel, or, for one worked in a thread, the working channel.
  const channel = incident?.channelId ?? incident?.workingChannelId;
  if (!incident || !channel || !incident.summaryTs) return "skipped";
  const card = await renderResponderCard(deps.db, deps.policy, incident);
  const edited = await editMessage(deps.slack, { channel, ts: incident.summaryTs }, card);
  if (!edited.ok) deps.logger.warn({ incidentId, error: edited.error }, "summary card not updated");
  // Drawn, or never to be (card deleted, channel archived): either way not one for the sweep.
  await markCardDrawn(deps.db, incident.id, incident.version);
  await inviteOwner(deps, incident);
  return edited.ok ? "updated" : "skipped";
}
