import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { z } from "zod";
import type { Deps } from "../../services/deps.js";
import { acknowledgeEscalation } from "../../services/escalation.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const AckValue = z.object({ value: z.uuid() });

/** "Acknowledge" on an escalation DM. */
export async function onEscalationAcknowledge(
  deps: Deps,
  { ack, action, body, respond }: Args,
): Promise<void> {
  await ack();
  const parsed = AckValue.safeParse(action);
  const result = parsed.success
    ? await acknowledgeEscalation(deps, { clockId: parsed.data.value, actor: body.user.id })
    : { message: "That escalation message is out of date." };
  await respond({ response_type: "ephemeral", replace_original: false, text: result.message });
}

/** "Open channel" is a link button; Slack still tells the app, which only has to acknowledge. */
export async function onLinkButton({ ack }: Args): Promise<void> {
  await ack();
}
