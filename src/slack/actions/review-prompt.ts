import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { getIncidentById } from "../../db/queries/incidents.js";
import type { Deps } from "../../services/deps.js";
import { openReviewModal } from "../open-review.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const ButtonAction = z.object({ value: z.uuid() });

/** "Write the review" on a review prompt: opens the form, or tells the clicker why not. */
export async function onWriteReview(deps: Deps, { ack, body, action, respond, client }: Args): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = ButtonAction.safeParse(action);
  const incident = parsed.success ? await getIncidentById(deps.db, parsed.data.value) : null;
  if (!incident)
    return void (await say("That button is out of date. Run `/incident review` in the incident's channel."));
  const problem = await openReviewModal(deps, client as WebClient, {
    incident,
    userId: body.user.id,
    triggerId: body.trigger_id,
    channel: body.channel?.id,
  });
  if (problem) await say(problem);
}
