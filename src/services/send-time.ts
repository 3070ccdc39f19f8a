import type { WebClient } from "@slack/web-api";
import { getIncidentById } from "../db/queries/incidents.js";
import type { IncidentRow } from "../db/schema/index.js";
import type { SendTimeRenderers } from "../delivery/deps.js";
import { briefingOfKey } from "../delivery/purposes.js";
import { renderBriefingPost } from "./briefing-refresh.js";
import { renderResponderCard } from "./render.js";

/**
 * The posts drawn when they are sent rather than when they are written: start-up hands these
 * to delivery in Deps.renderers.
 */
export const SEND_TIME_RENDERERS: SendTimeRenderers = {
  // A briefing post waiting for its turn shows the confirmations made meanwhile.
  briefing: async (deps, row) => {
    const briefingId = briefingOfKey(row.dedupeKey);
    return briefingId
      ? ((await renderBriefingPost(deps, briefingId)) as Record<string, unknown> | null)
      : null;
  },
  summary_card: async (deps, row) => {
    if (!row.incidentId) return null;
    const incident = await getIncidentById(deps.db, row.incidentId);
    if (!incident) return null;
    return renderResponderCard(deps.db, deps.policy, incident, await sourcePermalink(deps.slack, incident));
  },
};

/** Link to the message an incident was logged from; the card reads fine without it. */
function sourcePermalink(slack: WebClient, incident: IncidentRow): Promise<string | null> {
  if (!incident.sourceChannelId || !incident.sourceMessageTs) return Promise.resolve(null);
  return slack.chat
    .getPermalink({ channel: incident.sourceChannelId, message_ts: incident.sourceMessageTs })
    .then((r) => r.permalink ?? null)
    .catch(() => null);
}
