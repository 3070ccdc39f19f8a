import type { ModalView, WebClient } from "@slack/web-api";
import { z } from "zod";
import { callbackTally, claimedCallbacks } from "../../db/queries/callbacks.js";
import { getIncidentById } from "../../db/queries/incidents.js";
import { CALLBACK_OUTCOMES } from "../../domain/callers.js";
import { describeError } from "../../lib/logger.js";
import { CLAIM_BUTTONS, closeAnywayReply, myCallbacksModal } from "../../messages/callbacks.js";
import { CALLBACK_ACTION } from "../../messages/ids.js";
import {
  type CallbacksShown,
  recordCallback,
  showMyCallbacks,
  takeCallbacks,
} from "../../services/callbacks.js";
import type { Deps } from "../../services/deps.js";
import { changeStatus } from "../../services/lifecycle.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import type { ActionArgs } from "../listeners.js";
import { openModal } from "../open-modal.js";
import { STALE_BUTTON } from "./unknown.js";

const Button = z.object({ action_id: z.string(), value: z.uuid(), action_ts: z.string() });

/**
 * *Take it / 5 / 10 / all* and *My callbacks* on the callback list: the callbacks the clicker holds
 * open in a modal only they see (the callers' details are personal data). Taken callbacks stay
 * theirs even if the modal cannot open; *My callbacks* shows them again.
 */
export async function onCallbackListButton(deps: Deps, { ack, body, action, respond, client }: ActionArgs) {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = Button.safeParse(action);
  if (!parsed.success) return void (await say(STALE_BUTTON));
  const incidentId = parsed.data.value;
  const actor = body.user.id;
  const size = CLAIM_BUTTONS[parsed.data.action_id];
  const shown: CallbacksShown = size
    ? await takeCallbacks(deps, { incidentId, actor, size })
    : await showMyCallbacks(deps, { incidentId, actor });
  if (!shown.ok) return void (await say(shown.message));
  const view = myCallbacksModal(shown.incident, shown.callbacks, {
    timezone: deps.policy.timezone,
    justTook: shown.took,
  });
  const problem = await openModal(deps, client as WebClient, {
    triggerId: body.trigger_id,
    view,
    retry: "click *My callbacks*",
    context: { incidentId, user: actor },
  });
  if (problem) {
    const took = shown.took ? `You took ${shown.took} callbacks; they stay yours. ` : "";
    await say(`${took}${problem}`);
  }
}

const Outcome = z.object({
  selected_option: z.object({ value: z.string().regex(/^[0-9a-f-]{36}:[a-z_]+$/) }),
  action_ts: z.string(),
});
const Metadata = z.object({ incidentId: z.uuid(), ids: z.array(z.uuid()) });

/**
 * An outcome chosen in the claimer's callbacks modal: recorded at once (logged without the
 * caller's details), then the modal is redrawn to show it, or why it was not recorded.
 */
export async function onCallbackOutcome(deps: Deps, { ack, body, action, client }: ActionArgs) {
  await ack();
  const view = body.view;
  const chosen = Outcome.safeParse(action);
  let meta: z.infer<typeof Metadata> | null = null;
  try {
    const m = Metadata.safeParse(JSON.parse(view?.private_metadata ?? ""));
    meta = m.success ? m.data : null;
  } catch {
    meta = null;
  }
  if (!view || !chosen.success || !meta) return;
  const [reportId, outcome] = chosen.data.selected_option.value.split(":") as [string, string];
  const known = z.enum(CALLBACK_OUTCOMES).safeParse(outcome);
  if (!known.success) return;
  const actor = body.user.id;
  const recorded = await recordCallback(deps, {
    incidentId: meta.incidentId,
    reportId,
    outcome: known.data,
    actor,
    requestKey: `callback:${actor}:${reportId}:${chosen.data.action_ts}`,
  });
  const incident = await getIncidentById(deps.db, meta.incidentId);
  if (!incident) return;
  // The callbacks this modal showed already (their reveal is logged): no second reveal.
  const callbacks = await claimedCallbacks(deps.db, { incidentId: incident.id, actor, ids: meta.ids });
  const shown = callbacks.filter((c) => meta.ids.includes(c.id));
  const redrawn = myCallbacksModal(incident, shown, {
    timezone: deps.policy.timezone,
    notice: recorded.ok ? undefined : `:warning: ${recorded.message}`,
  });
  try {
    await (client as WebClient).views.update({ view_id: view.id, view: redrawn as ModalView });
  } catch (err) {
    deps.logger.warn({ incidentId: incident.id, err: describeError(err) }, "callbacks modal not updated");
  }
}

/** *Close anyway* on the answer to a close with callbacks still to make. */
export async function onCloseAnyway(deps: Deps, { ack, body, action, respond }: ActionArgs) {
  await ack();
  const parsed = Button.safeParse(action);
  if (!parsed.success) {
    return void (await respond({ response_type: "ephemeral", replace_original: false, text: STALE_BUTTON }));
  }
  const outcome = await changeStatus(deps, {
    incidentId: parsed.data.value,
    actor: body.user.id,
    action: "close",
    closeAnyway: true,
    requestKey: `action:${body.user.id}:${CALLBACK_ACTION.closeAnyway}:${parsed.data.action_ts}`,
  });
  await respond({ response_type: "ephemeral", replace_original: true, text: outcome.message });
}

/**
 * The answer to a close: "4 callbacks are still to make. Close anyway?" with its button, or
 * the outcome's message as it is.
 */
export async function closeAnswer(
  deps: Deps,
  outcome: ChangeOutcome,
  incidentId: string,
): Promise<{ text: string; blocks?: Record<string, unknown>[] }> {
  if (outcome.ok || outcome.code !== "callbacks_outstanding") return { text: outcome.message };
  const incident = await getIncidentById(deps.db, incidentId);
  const { outstanding } = await callbackTally(deps.db, incidentId);
  return incident ? closeAnywayReply(incident, outstanding) : { text: outcome.message };
}
