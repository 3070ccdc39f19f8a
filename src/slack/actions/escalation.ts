import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { z } from "zod";
import { ESCALATION_ACTION } from "../../messages/ids.js";
import type { Deps } from "../../services/deps.js";
import { acknowledgeEscalation } from "../../services/escalation.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const AckValue = z.object({ value: z.uuid(), action_ts: z.string() });

/** "Acknowledge" on an escalation DM. */
export async function onEscalationAcknowledge(
  deps: Deps,
  { ack, action, body, respond }: Args,
): Promise<void> {
  await ack();
  const parsed = AckValue.safeParse(action);
  const result = parsed.success
    ? await acknowledgeEscalation(deps, {
        clockId: parsed.data.value,
        actor: body.user.id,
        requestKey: `action:${body.user.id}:${ESCALATION_ACTION.acknowledge}:${parsed.data.action_ts}`,
      })
    : { message: "That escalation message is out of date." };
  await respond({ response_type: "ephemeral", replace_original: false, text: result.message });
}

/** "Open channel" is a link button; Slack still tells the app, which only has to acknowledge. */
export async function onLinkButton({ ack }: Args): Promise<void> {
  await ack();
}
