import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { ModalView, WebClient } from "@slack/web-api";
import { z } from "zod";
import { describeError } from "../../lib/logger.js";
import { callerNoticeModal } from "../../messages/caller-modal.js";
import type { Deps } from "../../services/deps.js";
import { openAddCallerModal, switchToAddCaller } from "../open-caller.js";
import { incidentOfButton } from "./button-incident.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** *Add this caller* carries the incident id as its value; the search select as its chosen option. */
const Chosen = z.union([
  z.object({ value: z.uuid() }).transform((a) => a.value),
  z.object({ selected_option: z.object({ value: z.uuid() }) }).transform((a) => a.selected_option.value),
]);

/**
 * On the Log form: *Add this caller* beside a known incident, or an incident chosen in the
 * search. The form becomes *Add a caller* for it, in place; when it cannot (closed meanwhile),
 * a notice is pushed over the form, whose Back returns to it.
 */
export async function onKnownIncidentChosen(deps: Deps, { ack, body, action, client }: Args): Promise<void> {
  await ack();
  const view = body.view;
  const chosen = Chosen.safeParse(action);
  if (!view || !chosen.success) return;
  const problem = await switchToAddCaller(deps, client as WebClient, {
    viewId: view.id,
    hash: view.hash,
    incidentId: chosen.data,
  });
  if (!problem) return;
  await client.views
    .push({ trigger_id: body.trigger_id, view: callerNoticeModal(problem) as ModalView })
    .catch((err: unknown) => deps.logger.warn({ err: describeError(err) }, "add caller notice not shown"));
}

/** *Add a caller* on the card: opens the form; a refusal goes to the clicker only. */
export async function onAddCallerButton(
  deps: Deps,
  { ack, body, action, respond, client }: Args,
): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const incident = await incidentOfButton(deps, action, say);
  if (!incident) return;
  const problem = await openAddCallerModal(deps, client as WebClient, {
    incident,
    triggerId: body.trigger_id,
    retry: "press Add a caller",
  });
  if (problem) await say(problem);
}
