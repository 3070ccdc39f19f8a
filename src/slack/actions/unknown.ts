import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from "@slack/bolt";
import { mrkdwn, plain } from "../../messages/text.js";

/**
 * Buttons and forms this version does not know: an old message or modal still open in someone's
 * Slack, or a request that was never Slack's. Bolt leaves them unacknowledged (Slack then shows
 * an error after 3 s); they are answered at once instead, and change nothing.
 */

/** What a card button that can no longer be read answers (shared by every card button). */
export const STALE_BUTTON = "That button is out of date. Run `/incident show` for a fresh card.";
const STALE_FORM = "This form is out of date and was not saved. Close it and run `/incident` again.";

/** An `action_id` pattern matching every id except `known` (plain `[a-z_]` ids). */
export function anyExcept(known: readonly string[]): RegExp {
  return new RegExp(`^(?!(?:${known.join("|")})$)`);
}

export async function onUnknownAction({
  ack,
  body,
  respond,
}: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> {
  await ack();
  if (body.response_url) {
    await respond({ response_type: "ephemeral", replace_original: false, text: STALE_BUTTON });
  }
}

export async function onUnknownView({
  ack,
}: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> {
  await ack({
    response_action: "update",
    view: {
      type: "modal",
      title: plain("Switchboard", 24),
      close: plain("Close", 24),
      blocks: [{ type: "section", text: mrkdwn(STALE_FORM) }],
    },
  });
}
