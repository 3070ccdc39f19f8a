import type { WebClient } from "@slack/web-api";
import { getIncidentByChannel, getIncidentByNumber } from "../../db/queries/incidents.js";
import type { IncidentRow } from "../../db/schema/index.js";
import { LIMITS, STATUS_LABELS, type Status } from "../../domain/incident.js";
import { ACTION_LABELS, actionTo, allowedActions } from "../../domain/lifecycle.js";
import { formatReference } from "../../domain/reference.js";
import type { Deps } from "../../services/deps.js";
import { escalateByHand } from "../../services/escalation.js";
import { changeStatus } from "../../services/lifecycle.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import { addNote } from "../../services/notes-and-updates.js";
import { assignOwner } from "../../services/ownership.js";
import { closeAnswer } from "../actions/callbacks.js";
import { openWorkModal } from "../open-work-modal.js";
import { optionalText, requiredText } from "../parse/fields.js";
import type { ParsedCommand } from "./parse-command.js";
import { exportLog, timelineReply } from "./timeline.js";

export type Reply = { text: string; blocks?: Record<string, unknown>[] };
export type WorkCommand = Extract<
  ParsedCommand,
  { kind: "status" | "assign" | "note" | "form" | "close" | "timeline" | "export" | "escalate" }
>;
export interface CommandContext {
  userId: string;
  channelId: string;
  triggerId: string;
  client: WebClient;
  requestKey: string;
}

/** The incident a command is about: the INC-n given, else the incident whose channel this is. */
export async function findIncident(
  deps: Deps,
  number: number | null,
  channelId: string,
  example: string,
): Promise<{ incident: IncidentRow } | { reply: Reply }> {
  const incident =
    number !== null
      ? await getIncidentByNumber(deps.db, number)
      : await getIncidentByChannel(deps.db, channelId);
  if (incident) return { incident };
  return {
    reply: {
      text:
        number === null
          ? `Which incident? Add its reference, e.g. \`/incident ${example} INC-000042\`, or run it in the incident's own channel.`
          : `There is no incident ${formatReference(number)}. \`/incident list\` shows the open ones.`,
    },
  };
}

const NoteText = requiredText("The note", LIMITS.note);
const EscalationReason = optionalText("The reason", LIMITS.reason);
const EXAMPLE_NOTE = "`/incident note Called the carrier, ETA 30 min`.";
const EXAMPLE_ESCALATE = "`/incident escalate Callers queueing 20 min`.";

const EXAMPLES: Record<WorkCommand["kind"], string> = {
  status: "status in_progress",
  assign: "assign @someone",
  note: "note Called the carrier",
  form: "update",
  close: "close",
  timeline: "timeline",
  export: "export",
  escalate: "escalate Callers queueing 20 minutes",
};

export async function answerWork(deps: Deps, cmd: WorkCommand, ctx: CommandContext): Promise<Reply | null> {
  const found = await findIncident(deps, cmd.number, ctx.channelId, EXAMPLES[cmd.kind]);
  if ("reply" in found) return found.reply;
  const { incident } = found;
  const base = { incidentId: incident.id, actor: ctx.userId, requestKey: ctx.requestKey };
  switch (cmd.kind) {
    case "status":
      return status(deps, incident, cmd, ctx);
    case "assign":
      if (!cmd.userId) return { text: "Whom to? Mention them: `/incident assign @someone`." };
      return toReply(await assignOwner(deps, { ...base, ownerId: cmd.userId }));
    case "note": {
      const note = NoteText.safeParse(cmd.text);
      if (!note.success) return { text: `${note.error.issues[0]?.message} ${EXAMPLE_NOTE}` };
      return toReply(await addNote(deps, { ...base, text: note.data }));
    }
    case "form": {
      const problem = await openWorkModal(deps, ctx.client, {
        kind: cmd.form,
        incident,
        triggerId: ctx.triggerId,
        channel: ctx.channelId,
        user: ctx.userId,
        ...(cmd.text ? { prefill: cmd.text } : {}),
      });
      return problem ? { text: problem } : null;
    }
    case "close":
      // With callbacks still to make the reply asks first, with a *Close anyway* button.
      return closeAnswer(deps, await changeStatus(deps, { ...base, action: "close" }), incident.id);
    case "timeline":
      return timelineReply(deps, incident, cmd.page, cmd.all);
    case "export":
      return exportLog(deps, incident, ctx.userId);
    case "escalate": {
      // A blank reason is refused by the service, with an example; only the length is checked here.
      const reason = EscalationReason.safeParse(cmd.reason);
      if (!reason.success) return { text: `${reason.error.issues[0]?.message} ${EXAMPLE_ESCALATE}` };
      return toReply(await escalateByHand(deps, { ...base, reason: reason.data ?? "" }));
    }
  }
}

/** `/incident status <status>`: the one move that gets there, or a form when it needs details. */
async function status(
  deps: Deps,
  incident: IncidentRow,
  cmd: Extract<WorkCommand, { kind: "status" }>,
  ctx: CommandContext,
): Promise<Reply | null> {
  const ref = formatReference(incident.number);
  const moves = allowedActions(incident.status).map((a) => ACTION_LABELS[a].toLowerCase());
  const options = moves.length ? ` From ${STATUS_LABELS[incident.status]} you can: ${moves.join(", ")}.` : "";
  if (!cmd.status) {
    return {
      text: `\`${cmd.word || "(nothing)"}\` is not a status. Use one of: ${SETTABLE_STATUSES.map((s) => STATUS_LABELS[s]).join(", ")}.${options}`,
    };
  }
  if (cmd.status === incident.status) return { text: `${ref} is already ${STATUS_LABELS[cmd.status]}.` };
  const action = actionTo(incident.status, cmd.status);
  if (!action) {
    return {
      text: `${ref} is ${STATUS_LABELS[incident.status]}: it can't go straight to ${STATUS_LABELS[cmd.status]}.${options}`,
    };
  }
  if (action === "hold" || action === "resolve" || action === "reopen") {
    const problem = await openWorkModal(deps, ctx.client, {
      kind: action,
      incident,
      triggerId: ctx.triggerId,
      channel: ctx.channelId,
      user: ctx.userId,
    });
    return problem ? { text: problem } : null;
  }
  const outcome = await changeStatus(deps, {
    incidentId: incident.id,
    actor: ctx.userId,
    requestKey: ctx.requestKey,
    action,
  });
  // `/incident status closed` asks like `/incident close` when callbacks are still to make.
  return action === "close" ? closeAnswer(deps, outcome, incident.id) : toReply(outcome);
}

/** The statuses `/incident status` moves to, by their labels (`In progress`, as the parser reads them). */
const SETTABLE_STATUSES: readonly Status[] = ["acknowledged", "in_progress", "on_hold", "resolved", "closed"];

const toReply = (outcome: ChangeOutcome): Reply => ({ text: outcome.message });
