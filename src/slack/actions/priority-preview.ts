import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { z } from "zod";
import { LEVELS } from "../../domain/incident.js";
import { derivePriority } from "../../domain/priority-matrix.js";
import { describeError } from "../../lib/logger.js";
import { LOG_FIELDS, PRIORITY_PREVIEW_BLOCK } from "../../messages/ids.js";
import { priorityPreviewText } from "../../messages/log-incident-modal.js";
import { mrkdwn } from "../../messages/text.js";
import type { Deps } from "../../services/deps.js";
import { readViewState } from "../parse/view-state.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const Choice = z.object({ [LOG_FIELDS.impact]: z.enum(LEVELS), [LOG_FIELDS.urgency]: z.enum(LEVELS) });

/**
 * Impact or urgency changed in the open modal: show the priority the matrix gives. Only the
 * preview block changes; Slack keeps what the user typed in inputs whose ids are unchanged.
 */
export async function onPriorityInputChanged(deps: Deps, { ack, body, client }: Args): Promise<void> {
  await ack();
  const view = body.view;
  if (!view) return;
  const choice = Choice.safeParse(readViewState(view.state?.values));
  if (!choice.success) return;
  const impact = choice.data[LOG_FIELDS.impact];
  const urgency = choice.data[LOG_FIELDS.urgency];
  const priority = derivePriority(deps.policy.priorityMatrix, impact, urgency);
  const text = mrkdwn(priorityPreviewText({ impact, urgency, priority }));
  const blocks = (view.blocks as unknown as Array<Record<string, unknown>>).map((b) =>
    b.block_id === PRIORITY_PREVIEW_BLOCK ? { type: "section", block_id: PRIORITY_PREVIEW_BLOCK, text } : b,
  );
  try {
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: {
        type: "modal",
        callback_id: view.callback_id,
        title: view.title,
        submit: view.submit ?? undefined,
        close: view.close ?? undefined,
        private_metadata: view.private_metadata,
        blocks,
      } as never,
    });
  } catch (err) {
    // hash_conflict: the user changed another field meanwhile; that change brings its own update.
    deps.logger.debug({ err: describeError(err) }, "priority preview not updated");
  }
}
