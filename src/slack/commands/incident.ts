import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { IncidentRow } from "../../db/schema/index.js";
import { describeError } from "../../lib/logger.js";
import { helpReply } from "../../messages/help.js";
import { clip, escapeMrkdwn, mrkdwn } from "../../messages/text.js";
import type { Deps } from "../../services/deps.js";
import { isDatabaseUnavailable } from "../../services/errors.js";
import { revealFor } from "../../services/personal-data.js";
import { renderResponderCard, renderStakeholderCard } from "../../services/render.js";
import { openAddCallerModal } from "../open-caller.js";
import { openLogIncidentModal } from "../open-modal.js";
import { openReviewModal } from "../open-review.js";
import { actionsReply } from "./actions.js";
import { answerComms } from "./comms.js";
import { answerHandover } from "./handover.js";
import { answerList } from "./list.js";
import { type ParsedCommand, parseCommand } from "./parse-command.js";
import { answerPractice } from "./practice.js";
import { openPracticeForm } from "./practice-start.js";
import { answerReport } from "./report.js";
import { answerWork, type CommandContext, findIncident, type Reply } from "./work.js";

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/incident …`: ack at once, then open the modal or answer ephemerally. */
export async function onIncidentCommand(deps: Deps, { command, ack, respond, client }: Args): Promise<void> {
  await ack();
  const parsed = parseCommand(command.text ?? "");
  if (parsed.kind === "open_modal") {
    const problem = await openLogIncidentModal(deps, client, {
      triggerId: command.trigger_id,
      title: parsed.title,
      metadata: { originChannel: command.channel_id },
    });
    if (problem) await respond({ response_type: "ephemeral", text: problem });
    return;
  }
  let reply: Reply | null;
  try {
    reply = await answer(deps, parsed, {
      userId: command.user_id,
      channelId: command.channel_id,
      triggerId: command.trigger_id,
      client,
      requestKey: `command:${command.trigger_id}`,
    });
  } catch (err) {
    deps.logger.error(
      { err: describeError(err), subcommand: parsed.kind, user: command.user_id },
      "command failed",
    );
    reply = {
      text: isDatabaseUnavailable(err)
        ? "The incident database is unreachable right now. Please try again in a minute."
        : "Something went wrong answering that. Please try again; if it keeps happening, tell your Switchboard admin.",
    };
  }
  if (reply) await respond({ response_type: "ephemeral", ...reply });
}

async function answer(
  deps: Deps,
  parsed: Exclude<ParsedCommand, { kind: "open_modal" }>,
  ctx: CommandContext,
): Promise<Reply | null> {
  switch (parsed.kind) {
    case "help":
      return helpReply(deps.policy, parsed.topic);
    case "list":
      return answerList(deps, parsed.filter, ctx);
    case "show":
      return show(deps, parsed.number, ctx);
    case "status":
    case "assign":
    case "note":
    case "form":
    case "close":
    case "timeline":
    case "export":
    case "escalate":
      return answerWork(deps, parsed, ctx);
    case "report":
      return answerReport(deps, parsed.range, ctx);
    case "review":
      return review(deps, parsed.number, ctx);
    case "actions":
      return actionsReply(deps, parsed.filter, ctx);
    case "handover":
      return answerHandover(deps, parsed, ctx);
    case "comms":
      return answerComms(deps, parsed.number, ctx);
    case "caller":
      return caller(deps, parsed.number, ctx);
    case "practice":
      if (parsed.action === "start") return openPracticeForm(deps, ctx);
      return answerPractice(deps, parsed, ctx);
    case "unknown":
      return unknownReply(parsed);
  }
}

/**
 * What was typed but not understood. The word is echoed short and escaped, so it can neither
 * ping nor overflow; a first word that is no subcommand at all gets the list of them.
 */
function unknownReply(parsed: Extract<ParsedCommand, { kind: "unknown" }>): Reply {
  const typed = `\`${escapeMrkdwn(clip(parsed.word, 80))}\``;
  const meant = parsed.suggestion;
  // "report 9999-01-01 …" names the right subcommand already: only its arguments were wrong.
  const hint =
    meant && parsed.word !== meant && !parsed.word.startsWith(`${meant} `)
      ? ` Did you mean \`/incident ${meant}\`?`
      : "";
  if (parsed.choices) {
    const list = parsed.choices.map((c) => `\`${c}\``).join(", ");
    return {
      text: `Unknown subcommand ${typed}.${hint} The subcommands are ${list}; \`/incident help\` shows examples. To log a new incident, type \`/incident\` and give the title in the form.`,
    };
  }
  return {
    text: `${typed} is ${parsed.reason}.${hint} Type \`/incident help\` for what I can do, or \`/incident\` to log an incident.`,
  };
}

/** `/incident caller [INC-n]`: the Add a caller form of an open (or resolved) incident. */
async function caller(deps: Deps, number: number | null, ctx: CommandContext): Promise<Reply | null> {
  const found = await findIncident(deps, number, ctx.channelId, "caller");
  if ("reply" in found) return found.reply;
  const problem = await openAddCallerModal(deps, ctx.client, {
    incident: found.incident,
    triggerId: ctx.triggerId,
    retry: "run `/incident caller`",
  });
  return problem ? { text: problem } : null;
}

/** `/incident review [INC-n]`: the review form of a resolved or closed incident. */
async function review(deps: Deps, number: number | null, ctx: CommandContext): Promise<Reply | null> {
  const found = await findIncident(deps, number, ctx.channelId, "review");
  if ("reply" in found) return found.reply;
  const problem = await openReviewModal(deps, ctx.client, {
    incident: found.incident,
    userId: ctx.userId,
    triggerId: ctx.triggerId,
    channel: ctx.channelId,
  });
  return problem ? { text: problem } : null;
}

async function show(deps: Deps, number: number | null, ctx: CommandContext): Promise<Reply> {
  const found = await findIncident(deps, number, ctx.channelId, "show");
  if ("reply" in found) return found.reply;
  const { incident } = found;
  if (isResponder(incident, ctx)) {
    // The caller's details follow the card's rule: shown, and logged, only to whom may see them.
    const card = await renderResponderCard(deps.db, deps.policy, incident);
    const reveal = await revealFor(deps, incident, ctx.userId);
    if (!reveal.ok) return card;
    const shown = sectionsOf(reveal.message).map((text) => ({ type: "section", text: mrkdwn(text) }));
    return { ...card, blocks: [...card.blocks, ...shown] };
  }
  return renderStakeholderCard(deps, incident);
}

/** Text in pieces of whole lines that each fit a section (3,000 characters). */
function sectionsOf(text: string, max = 3_000): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (const line of text.split("\n")) {
    if (piece && piece.length + line.length + 1 > max) {
      pieces.push(piece);
      piece = "";
    }
    piece = piece ? `${piece}\n${line}` : line;
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** People working the incident may see its personal data; everyone else gets the stakeholder view. */
function isResponder(incident: IncidentRow, ctx: { userId: string; channelId: string }): boolean {
  // Where it is worked: its channel, or, for a routine incident, the working channel its card is in.
  const workedIn = incident.channelId ?? incident.workingChannelId;
  return workedIn === ctx.channelId || incident.reporterId === ctx.userId || incident.ownerId === ctx.userId;
}
