import type { ModalView, WebClient } from "@slack/web-api";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { describeError } from "../lib/logger.js";
import { logIncidentModal, type ModalMetadata } from "../messages/log-incident-modal.js";
import type { Deps } from "../services/deps.js";
import { incidentTypeList } from "../services/render.js";

const TRIGGER_ERRORS = new Set(["expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"]);

/** What `views.update` needs to change an opened modal. */
export interface OpenedView {
  id: string;
  hash: string;
}

/**
 * Opens a modal. Called straight after ack, because a trigger id is good for three seconds
 * and once. Returns a user-facing message when Slack refused, `retry` naming what to run again;
 * `opened` hears the view's id and hash, for a caller that changes it later.
 */
export async function openModal(
  deps: Deps,
  client: WebClient,
  p: {
    triggerId: string;
    view: object;
    retry: string;
    context?: Record<string, unknown>;
    opened?: (view: OpenedView) => void;
  },
): Promise<string | null> {
  try {
    const res = await client.views.open({ trigger_id: p.triggerId, view: p.view as ModalView });
    if (p.opened && res.view?.id && res.view.hash) p.opened({ id: res.view.id, hash: res.view.hash });
    return null;
  } catch (err) {
    const code = slackErrorCode(err);
    deps.logger.warn({ ...p.context, code, err: code ? undefined : describeError(err) }, "views.open failed");
    return code && TRIGGER_ERRORS.has(code)
      ? `Slack took too long to open the form. Please ${p.retry} again.`
      : `I couldn't open the form just now. Please ${p.retry} again in a moment.`;
  }
}

/** The log-incident modal, empty or prefilled. */
export function openLogIncidentModal(
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
  return openModal(deps, client, { triggerId: p.triggerId, view, retry: "run `/incident`" });
}
