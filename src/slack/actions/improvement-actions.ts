import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { getAction } from "../../db/queries/improvement-actions.js";
import { formatActionReference, localToday } from "../../domain/action-reminders.js";
import { describeError } from "../../lib/logger.js";
import { ACTION_FIELDS } from "../../messages/ids.js";
import { actionDoneDm, rescheduleModal } from "../../messages/improvement-actions.js";
import {
  actionManagersOnly,
  markActionDone,
  mayManageAction,
  rescheduleAction,
} from "../../services/action-changes.js";
import type { Deps } from "../../services/deps.js";
import { answerByDeadline, canRetry, confirmSaved } from "../answer-by-deadline.js";
import { openModal } from "../open-modal.js";
import { parseRescheduleMetadata, rescheduleForm } from "../parse/action-forms.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const Button = z.object({ action_id: z.string(), value: z.uuid(), action_ts: z.string() });
const STALE = "That button is out of date. `/incident actions` lists your actions.";

/**
 * "Mark done" on an action DM. Done, the DM is replaced by one without buttons; anything else
 * (already done, not theirs to close) is answered to the clicker alone.
 */
export async function onActionDone(deps: Deps, { ack, action, body, respond }: ActionArgs): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = Button.safeParse(action);
  if (!parsed.success) return void (await say(STALE));
  const outcome = await markActionDone(deps, {
    actionId: parsed.data.value,
    actor: body.user.id,
    requestKey: `action:${body.user.id}:${parsed.data.action_id}:${parsed.data.action_ts}`,
  });
  if (outcome.ok && outcome.action && outcome.incident) {
    const done = actionDoneDm(outcome.action, outcome.incident, { doneBy: body.user.id });
    await respond({ replace_original: true, ...done });
    return;
  }
  await say(outcome.message);
}

/** "Propose new date": opens the form at once (the trigger lasts 3 s) if the clicker may move it. */
export async function onActionProposeDate(
  deps: Deps,
  { ack, action, body, respond, client }: ActionArgs,
): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = Button.safeParse(action);
  const found = parsed.success ? await getAction(deps.db, parsed.data.value) : null;
  if (!found) return void (await say(STALE));
  const ref = formatActionReference(found.number);
  if (found.status !== "open") return void (await say(`${ref} is already ${found.status}.`));
  if (!mayManageAction(deps, body.user.id, found.ownerId)) {
    return void (await say(actionManagersOnly(deps, found.ownerId, `move ${ref}`)));
  }
  const view = rescheduleModal(found, {
    today: localToday(deps.clock.now(), deps.policy.timezone),
    channel: body.channel?.id,
  });
  const problem = await openModal(deps, client as WebClient, {
    triggerId: body.trigger_id,
    view,
    retry: "press Propose new date",
    context: { actionId: found.id },
  });
  if (problem) await say(problem);
}

const FIELDS = Object.values(ACTION_FIELDS);

/** Submit of "Propose new date": bad input or a refusal keeps the form open with the reason. */
export async function onActionRescheduleSubmit(deps: Deps, args: ViewArgs): Promise<void> {
  const { ack, view, body, client } = args;
  const meta = parseRescheduleMetadata(view.private_metadata);
  const parsed = rescheduleForm(deps.clock.now(), deps.policy.timezone).safeParse(
    readViewState(view.state.values),
  );
  if (!meta) {
    return void (await ack({
      response_action: "errors",
      errors: { [ACTION_FIELDS.dueOn]: "This form is out of date. Close it and press the button again." },
    }));
  }
  if (!parsed.success) {
    return void (await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, FIELDS) }));
  }
  await answerByDeadline(deps, args, {
    save: () =>
      rescheduleAction(deps, {
        actionId: meta.actionId,
        actor: body.user.id,
        requestKey: `view:${view.id}`,
        ...parsed.data,
      }).catch((err: unknown) => {
        deps.logger.error({ err: describeError(err), actionId: meta.actionId }, "new date not saved");
        throw err;
      }),
    answer: (settled) => {
      const message = !settled.ok
        ? canRetry(settled.error)
          ? "Couldn't save just now: the database is not answering. Try again in a few seconds."
          : "Couldn't save because of an internal error. Please try again."
        : settled.value.ok
          ? null
          : settled.value.message;
      return message === null
        ? undefined
        : { response_action: "errors", errors: { [ACTION_FIELDS.dueOn]: message } };
    },
    saving: { title: view.title.text, what: "the new date" },
    savedText: (outcome) => outcome.message,
    after: async (outcome) => {
      if (!outcome.ok || !meta.channel) return;
      await confirmSaved(deps, client, { channel: meta.channel, user: body.user.id, text: outcome.message });
    },
  });
}
