import type { RespondArguments, RespondFn } from "@slack/bolt";
import type { View, WebClient } from "@slack/web-api";
import { describeError, type Logger } from "../lib/logger.js";
import { homeNotice } from "../messages/home-notice.js";

type HomeClick = {
  type?: string;
  trigger_id?: string;
  view?: { type?: string };
  user?: { id?: string };
};

/**
 * A click on the App Home carries no response_url, so Bolt gives its listener no `respond`;
 * the incident card's handlers answer every click through one, and without it they would do
 * the work and then throw, leaving a refusal ("it is already acknowledged") unsaid. This hands
 * such a click's listener a `respond` of its own. Bolt passes each middleware a copy of the
 * arguments, so this wraps the listener's arguments at registration:
 * `(args) => onCardButton(deps, withHomeRespond(args, log))`.
 */
export function withHomeRespond<A extends { body: unknown; client: WebClient }>(args: A, logger: Logger): A {
  if ((args as { respond?: RespondFn }).respond) return args;
  const body = args.body as HomeClick;
  const user = body.user?.id;
  if (body.type !== "block_actions" || body.view?.type !== "home" || !user) return args;
  return { ...args, respond: homeRespond(args.client, { user, triggerId: body.trigger_id, logger }) };
}

/**
 * Shows the answer in a small modal over the Home tab while the click's trigger is still good
 * (it lasts 3 s and opens one view), else in the app's DM with the user.
 */
export function homeRespond(
  client: WebClient,
  p: { user: string; triggerId: string | undefined; logger: Logger },
): RespondFn {
  let triggerId = p.triggerId;
  // Callers read nothing back; a 200 is what a response_url would have answered.
  const answered = () => new Response(null, { status: 200 });
  return async (message: string | RespondArguments) => {
    const text = typeof message === "string" ? message : (message.text ?? "");
    if (!text) return answered();
    if (triggerId) {
      const trigger = triggerId;
      triggerId = undefined;
      try {
        await client.views.open({ trigger_id: trigger, view: homeNotice(text) as View });
        return answered();
      } catch (err) {
        p.logger.debug({ err: describeError(err), user: p.user }, "home answer not shown as a modal");
      }
    }
    const dm = await client.conversations.open({ users: p.user });
    if (!dm.channel?.id) throw new Error("conversations.open returned no channel");
    await client.chat.postMessage({ channel: dm.channel.id, text });
    return answered();
  };
}
