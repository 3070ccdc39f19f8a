import type { WebClient } from "@slack/web-api";
import type { Deps } from "../services/deps.js";
import { incidentTypeList } from "../services/render.js";
import { logIncidentModal, type ModalMetadata } from "./blocks/log-incident-modal.js";
import { slackErrorCode } from "./errors.js";

/**
 * Opens the log-incident modal. Called straight after ack, because a trigger id is good for
 * three seconds and once. Returns a user-facing message when Slack refused.
 */
export async function openLogIncidentModal(
  deps: Deps,
  client: WebClient,
  p: { triggerId: string; title?: string; description?: string; metadata: ModalMetadata },
): Promise<string | null> {
  const view = logIncidentModal({
    types: incidentTypeList(deps.policy),
    now: deps.clock.now(),
    title: p.title,
    description: p.description,
    metadata: p.metadata,
  });
  try {
    await client.views.open({ trigger_id: p.triggerId, view });
    return null;
  } catch (err) {
    const code = slackErrorCode(err);
    deps.logger.warn({ code, err: code ? undefined : String(err) }, "views.open failed");
    if (code === "expired_trigger_id" || code === "exchanged_trigger_id" || code === "invalid_trigger_id") {
      return "Slack took too long to open the form. Please run `/incident` again.";
    }
    return "I couldn't open the form just now. Please try `/incident` again in a moment.";
  }
}
