import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { getIncidentById } from "../../db/queries/incidents.js";
import type { IncidentRow } from "../../db/schema/index.js";
import { isOpenStatus } from "../../domain/lifecycle.js";
import { formatReference } from "../../domain/reference.js";
import { describeError } from "../../lib/logger.js";
import { askForHelpModal, briefAgentsModal, recordImpactModal } from "../../messages/floor-modals.js";
import { FLOOR_ACTION } from "../../messages/ids.js";
import type { Deps } from "../../services/deps.js";
import { confirmBriefing, NO_AGENT_CHANNELS } from "../../services/floor.js";
import { openModal } from "../open-modal.js";
import { STALE_BUTTON } from "./unknown.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const ButtonAction = z.object({ action_id: z.string(), value: z.uuid(), action_ts: z.string() });

/** The floor's card buttons each open a form; the refusals that need no form come first. */
export async function onFloorCardButton(
  deps: Deps,
  { ack, body, action, respond, client }: Args,
): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = ButtonAction.safeParse(action);
  if (!parsed.success) return void (await say(STALE_BUTTON));
  const incident = await getIncidentById(deps.db, parsed.data.value);
  if (!incident) return void (await say("That incident no longer exists."));
  const form = floorForm(deps, parsed.data.action_id, incident, body.channel?.id);
  if (typeof form === "string") return void (await say(form));
  const problem = await openModal(deps, client as WebClient, {
    triggerId: body.trigger_id,
    view: form,
    retry: "press the button",
    context: { action: parsed.data.action_id, incidentId: incident.id },
  });
  if (problem) await say(problem);
}

/** The form for a button, or why there is none. */
function floorForm(deps: Deps, actionId: string, incident: IncidentRow, channel: string | undefined) {
  if (!isOpenStatus(incident.status))
    return `${formatReference(incident.number)} is no longer open; this is for incidents still being worked.`;
  const meta = { incidentId: incident.id, ...(channel ? { channel } : {}) };
  switch (actionId) {
    case FLOOR_ACTION.briefAgents:
      return deps.policy.agentChannels.length === 0
        ? NO_AGENT_CHANNELS
        : briefAgentsModal(incident, meta, deps.policy.agentChannels);
    case FLOOR_ACTION.recordImpact:
      return recordImpactModal(incident, meta);
    case FLOOR_ACTION.askForHelp:
      return askForHelpModal(incident, meta);
    default:
      return STALE_BUTTON;
  }
}

/** "Team briefed" on a briefing post in an agents' channel; the answer goes to the clicker only. */
export async function onTeamBriefed(deps: Deps, { ack, body, action, respond }: Args): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = ButtonAction.safeParse(action);
  if (!parsed.success) return void (await say("That briefing message is out of date."));
  try {
    const outcome = await confirmBriefing(deps, {
      briefingId: parsed.data.value,
      actor: body.user.id,
      requestKey: `action:${body.user.id}:${parsed.data.action_id}:${parsed.data.action_ts}`,
    });
    await say(outcome.message);
  } catch (err) {
    deps.logger.error({ err: describeError(err), briefingId: parsed.data.value }, "briefing not confirmed");
    await say("Couldn't record that just now. Please press *Team briefed* again in a moment.");
  }
}
