import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { getIncidentById } from "../../db/queries/incidents.js";
import type { IncidentRow } from "../../db/schema/index.js";
import type { LifecycleAction } from "../../domain/lifecycle.js";
import type { Deps } from "../../services/deps.js";
import { changeStatus } from "../../services/lifecycle.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import { takeOwnership } from "../../services/ownership.js";
import { CARD_ACTION, type CardAction } from "../ids.js";
import { openWorkModal, type WorkModalKind } from "../open-work-modal.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const ButtonAction = z.object({
  action_id: z.string(),
  value: z.uuid(),
  action_ts: z.string(),
});

/** Buttons that change the incident at once; the others open a form first. */
const DIRECT: Partial<Record<CardAction, LifecycleAction>> = {
  [CARD_ACTION.acknowledge]: "acknowledge",
  [CARD_ACTION.start]: "start",
  [CARD_ACTION.resume]: "resume",
  [CARD_ACTION.close]: "close",
};

const FORMS: Partial<Record<CardAction, WorkModalKind>> = {
  [CARD_ACTION.hold]: "hold",
  [CARD_ACTION.resolve]: "resolve",
  [CARD_ACTION.reopen]: "reopen",
  [CARD_ACTION.update]: "update",
  [CARD_ACTION.recategorise]: "recategorise",
};

/**
 * A button on an incident card. The answer goes to the clicker only (ephemeral); the card
 * itself is refreshed by the change's own job, so everyone sees the new state.
 */
export async function onCardButton(deps: Deps, { ack, body, action, respond, client }: Args): Promise<void> {
  await ack();
  const parsed = ButtonAction.safeParse(action);
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  if (!parsed.success)
    return void (await say("That button is out of date. Run `/incident show` for a fresh card."));
  const incident = await getIncidentById(deps.db, parsed.data.value);
  if (!incident) return void (await say("That incident no longer exists."));
  const actionId = parsed.data.action_id as CardAction;
  const form = FORMS[actionId];
  if (form) {
    const problem = await openWorkModal(deps, client as WebClient, {
      kind: form,
      incident,
      triggerId: body.trigger_id,
      channel: body.channel?.id,
    });
    if (problem) await say(problem);
    return;
  }
  const outcome = await applyDirect(deps, incident, actionId, {
    actor: body.user.id,
    requestKey: `action:${body.user.id}:${parsed.data.action_id}:${parsed.data.action_ts}`,
  });
  await say(outcome ? outcome.message : "I don't know that button. Run `/incident show` for a fresh card.");
}

function applyDirect(
  deps: Deps,
  incident: IncidentRow,
  actionId: CardAction,
  p: { actor: string; requestKey: string },
): Promise<ChangeOutcome> | null {
  if (actionId === CARD_ACTION.takeOwnership) return takeOwnership(deps, { incidentId: incident.id, ...p });
  const lifecycle = DIRECT[actionId];
  return lifecycle ? changeStatus(deps, { incidentId: incident.id, action: lifecycle, ...p }) : null;
}
