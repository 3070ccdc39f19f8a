import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { IncidentRow } from "../../db/schema/index.js";
import { planFor } from "../../domain/communications.js";
import { authorize } from "../../domain/permissions.js";
import { logCommunicationModal } from "../../messages/comms-modal.js";
import type { Deps } from "../../services/deps.js";
import { closedRefusal } from "../../services/mutate-incident.js";
import { openModal } from "../open-modal.js";
import { incidentOfButton } from "./button-incident.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * Opens *Log a communication* for an incident, from its card or `/incident comms`. Refuses
 * before the form opens what the submit would refuse anyway: a closed incident, or someone who
 * may not post updates on it. Returns what to tell the user, or null when the form opened.
 */
export async function openLogCommunication(
  deps: Deps,
  client: WebClient,
  p: { incident: IncidentRow; triggerId: string; channel?: string; user: string; retry: string },
): Promise<string | null> {
  const { incident } = p;
  if (incident.status === "closed") return closedRefusal(deps, incident).message;
  const allowed = authorize(deps.policy, {
    userId: p.user,
    action: "update",
    ownerId: incident.ownerId,
    reporterId: incident.reporterId,
  });
  if (!allowed.ok) return allowed.error.message;
  const meta = { incidentId: incident.id, ...(p.channel ? { channel: p.channel } : {}) };
  return openModal(deps, client, {
    triggerId: p.triggerId,
    view: logCommunicationModal(incident, meta, planFor(deps.policy, incident.type), deps.clock.now()),
    retry: p.retry,
    context: { form: "log_communication", incidentId: incident.id },
  });
}

/** *Log a communication* on the card: opens the form; any refusal goes to the clicker only. */
export async function onLogCommunicationButton(
  deps: Deps,
  { ack, body, action, respond, client }: Args,
): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const incident = await incidentOfButton(deps, action, say);
  if (!incident) return;
  const problem = await openLogCommunication(deps, client as WebClient, {
    incident,
    triggerId: body.trigger_id,
    channel: body.channel?.id,
    user: body.user.id,
    retry: "press the button",
  });
  if (problem) await say(problem);
}
