import { HANDOVER_NOTE_MAX } from "../../messages/handover.js";
import type { Deps } from "../../services/deps.js";
import { handOver } from "../../services/handover.js";
import { requiredText } from "../parse/fields.js";
import type { ParsedCommand } from "./parse-command.js";
import { type CommandContext, findIncident, type Reply } from "./work.js";

const HandoverNote = requiredText("A handover note", HANDOVER_NOTE_MAX);
const EXAMPLE =
  "For example: `/incident handover @sam Carrier engineer on site, next update due 16:00; caller list pinned in the channel`.";

/** `/incident handover [INC-n] @user <note>`: hand ownership over at a shift change. */
export async function answerHandover(
  deps: Deps,
  cmd: Extract<ParsedCommand, { kind: "handover" }>,
  ctx: CommandContext,
): Promise<Reply> {
  const found = await findIncident(deps, cmd.number, ctx.channelId, "handover @someone <note>");
  if ("reply" in found) return found.reply;
  if (!cmd.userId) return { text: `Whom to? Mention the person taking over, then your note. ${EXAMPLE}` };
  const note = HandoverNote.safeParse(cmd.note);
  if (!note.success) {
    return { text: `${note.error.issues[0]?.message} Say where things stand for the next owner. ${EXAMPLE}` };
  }
  const outcome = await handOver(deps, {
    incidentId: found.incident.id,
    actor: ctx.userId,
    to: cmd.userId,
    note: note.data,
    requestKey: ctx.requestKey,
  });
  return { text: outcome.message };
}
