import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { getIncidentById } from "../../db/queries/incidents.js";
import type { IncidentRow } from "../../db/schema/index.js";
import type { LifecycleAction } from "../../domain/lifecycle.js";
import { CARD_ACTION, type CardAction } from "../../messages/ids.js";
import { joinFromHelpRequest } from "../../services/channel-members.js";
import type { Deps } from "../../services/deps.js";
import { flagPersonalData, stopExtraClock } from "../../services/extra-clocks.js";
import { changeStatus } from "../../services/lifecycle.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import { takeOwnership } from "../../services/ownership.js";
import { revealCallerDetails } from "../../services/personal-data.js";
import { requestPromotion } from "../../services/promote.js";
import { openWorkModal, type WorkModalKind } from "../open-work-modal.js";
import { closeAnswer } from "./callbacks.js";
import { STALE_BUTTON } from "./unknown.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const ButtonAction = z.object({ action_id: z.string(), value: z.string(), action_ts: z.string() });

/** Most buttons carry the incident id; a "stop clock" button carries the clock's name too. */
const StopClockValue = z.object({ incidentId: z.uuid(), clock: z.string().regex(/^[a-z][a-z0-9_]*$/) });

function buttonValue(raw: string): { incidentId: string; clock?: string } | null {
  if (z.uuid().safeParse(raw).success) return { incidentId: raw };
  try {
    const parsed = StopClockValue.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

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
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = ButtonAction.safeParse(action);
  const value = parsed.success ? buttonValue(parsed.data.value) : null;
  if (!parsed.success || !value) return void (await say(STALE_BUTTON));
  const incident = await getIncidentById(deps.db, value.incidentId);
  if (!incident) return void (await say("That incident no longer exists."));
  const actionId = parsed.data.action_id as CardAction;
  if (actionId === CARD_ACTION.joinChannel) {
    const where = { channel: body.channel?.id, ts: body.message?.ts };
    return void (await say(
      await joinFromHelpRequest(deps, { incidentId: incident.id, actor: body.user.id, ...where }),
    ));
  }
  if (actionId === CARD_ACTION.showCallerDetails) {
    return void (await say(
      (
        await revealCallerDetails(deps, { incidentId: incident.id, actor: body.user.id })
      ).message,
    ));
  }
  if (actionId === CARD_ACTION.openChannel) {
    return void (await say(await requestPromotion(deps, { incidentId: incident.id, actor: body.user.id })));
  }
  const form = FORMS[actionId];
  if (form) {
    const problem = await openWorkModal(deps, client as WebClient, {
      kind: form,
      incident,
      triggerId: body.trigger_id,
      channel: body.channel?.id,
      user: body.user.id,
    });
    if (problem) await say(problem);
    return;
  }
  const outcome = await applyDirect(deps, incident, actionId, {
    actor: body.user.id,
    requestKey: `action:${body.user.id}:${parsed.data.action_id}:${parsed.data.action_ts}`,
    clock: value.clock,
  });
  if (!outcome) return void (await say(STALE_BUTTON));
  // Closing with callbacks still to make asks first: the answer carries *Close anyway*.
  const answer = await closeAnswer(deps, outcome, incident.id);
  await respond({ response_type: "ephemeral", replace_original: false, ...answer });
}

function applyDirect(
  deps: Deps,
  incident: IncidentRow,
  actionId: CardAction,
  p: { actor: string; requestKey: string; clock: string | undefined },
): Promise<ChangeOutcome> | null {
  const base = { incidentId: incident.id, actor: p.actor, requestKey: p.requestKey };
  if (actionId === CARD_ACTION.takeOwnership) return takeOwnership(deps, base);
  if (actionId === CARD_ACTION.flagPersonalData) return flagPersonalData(deps, base);
  if (actionId === CARD_ACTION.stopClock && p.clock) return stopExtraClock(deps, { ...base, clock: p.clock });
  const lifecycle = DIRECT[actionId];
  return lifecycle ? changeStatus(deps, { ...base, action: lifecycle }) : null;
}
