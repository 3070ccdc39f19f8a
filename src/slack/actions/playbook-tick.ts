import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import { z } from "zod";
import { parseTickValue } from "../../messages/playbook.js";
import type { Deps } from "../../services/deps.js";
import { refreshPlaybookChecklist, tickPlaybookStep } from "../../services/playbook.js";

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const ButtonAction = z.object({ value: z.string(), action_ts: z.string() });

const STALE = "That checklist button is out of date; nothing was recorded.";

/**
 * "Mark done" / "Undo" on a playbook step. Anyone who can see the checklist (it lives in the
 * incident channel) may tick. The redrawn message is the answer; the clicker hears back only
 * when nothing changed or the message could not be redrawn.
 */
export async function onPlaybookTick(deps: Deps, { ack, body, action, respond }: Args): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = ButtonAction.safeParse(action);
  const value = parsed.success ? parseTickValue(parsed.data.value) : null;
  if (!parsed.success || !value) return void (await say(STALE));
  const outcome = await tickPlaybookStep(deps, {
    incidentId: value.inc,
    actor: body.user.id,
    step: value.i,
    done: value.done,
    requestKey: `action:${body.user.id}:playbook:${value.i}:${parsed.data.action_ts}`,
  });
  if (!outcome.ok) return void (await say(outcome.message));
  if (outcome.duplicate) return void (await say(outcome.message));
  // A click is answered now, not retried: a redraw Slack refused now waits for the next tick.
  const redrawn = await refreshPlaybookChecklist(deps, value.inc).catch(() => "skipped" as const);
  if (!outcome.changed) return void (await say(outcome.message));
  if (redrawn === "skipped") {
    await say(`${outcome.message} It is logged; the checklist message will show it after the next tick.`);
  }
}
