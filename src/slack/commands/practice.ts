import { practiceHistoryReply } from "../../messages/practice-history.js";
import type { Deps } from "../../services/deps.js";
import { endPractice } from "../../services/practice-debrief.js";
import { practiceHistory } from "../../services/practice-history.js";
import type { ParsedCommand } from "./parse-command.js";
import { type CommandContext, findIncident, type Reply } from "./work.js";

type PracticeCommand = Exclude<Extract<ParsedCommand, { kind: "practice" }>, { action: "start" }>;

/** `/incident practice end [INC-n]` and `/incident practice history [@user]` (issue 23). */
export async function answerPractice(
  deps: Deps,
  parsed: PracticeCommand,
  ctx: CommandContext,
): Promise<Reply> {
  if (parsed.action === "history") {
    const trainee = parsed.userId ?? ctx.userId;
    const history = await practiceHistory(deps, { viewer: ctx.userId, trainee });
    if (!history.ok) return { text: history.error.message };
    return practiceHistoryReply({ userId: trainee, drills: history.value, timezone: deps.policy.timezone });
  }
  const found = await findIncident(deps, parsed.number, ctx.channelId, "practice end");
  if ("reply" in found) return found.reply;
  const { incident } = found;
  if (!incident.practiceRunId) {
    return {
      text: "That is a real incident, not a practice drill: there is nothing to end. Close it as usual.",
    };
  }
  const ended = await endPractice(deps, { runId: incident.practiceRunId, actor: ctx.userId, check: true });
  if (!ended.ok) return { text: ended.error.message };
  const { reference, overall } = ended.value;
  const score = overall === null ? "" : ` Overall: ${Math.round(overall * 100)}%.`;
  return ended.value.ended === "now"
    ? { text: `Practice drill ${reference} ended. The debrief is being posted in its channel.${score}` }
    : { text: `Practice drill ${reference} had already ended; its debrief is in its channel.${score}` };
}
