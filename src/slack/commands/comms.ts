import type { Deps } from "../../services/deps.js";
import { openLogCommunication } from "../actions/comms-button.js";
import { type CommandContext, findIncident, type Reply } from "./work.js";

/** `/incident comms [INC-n]`: the *Log a communication* form, as the card's button opens it. */
export async function answerComms(
  deps: Deps,
  number: number | null,
  ctx: CommandContext,
): Promise<Reply | null> {
  const found = await findIncident(deps, number, ctx.channelId, "comms");
  if ("reply" in found) return found.reply;
  const problem = await openLogCommunication(deps, ctx.client, {
    incident: found.incident,
    triggerId: ctx.triggerId,
    channel: ctx.channelId,
    user: ctx.userId,
    retry: "run `/incident comms`",
  });
  return problem ? { text: problem } : null;
}
