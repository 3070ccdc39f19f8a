import type { IncidentRow } from "../db/schema/index.js";
import { callbackFiguresOf, callbacksLine } from "../domain/caller-figures.js";
import { type CallerCounts, RECENT_CALLERS_MS } from "../domain/callers.js";
import type { TeamBriefingStatus } from "../domain/floor.js";
import { ERASED_MARK, LEVEL_LABELS, REPORT_CHANNEL_LABELS, STATUS_LABELS } from "../domain/incident.js";
import { HOLD_REASON_LABELS, type HoldReason } from "../domain/lifecycle.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { sentence } from "../domain/sentence.js";
import { cardActions, type ExtraClockButtons, floorActions } from "./card-actions.js";
import { briefingCardBlock, impactBlocks, recordedImpactOf } from "./floor.js";
import { CARD_ACTION } from "./ids.js";
import { type DrillFacts, practiceContextLine } from "./practice-intro.js";
import {
  channelMention,
  clip,
  escapeClip,
  escapeMrkdwn,
  mrkdwn,
  plain,
  slackDate,
  userMention,
  workPlaceMention,
} from "./text.js";

export type Audience = "responder" | "stakeholder";

export interface CardContext {
  /** Who reads it. Stakeholders never see the caller reference, whatever is passed in. */
  audience: Audience;
  typeLabel: string;
  timezone: string;
  /** Whether a caller reference is recorded (its value never reaches the card). */
  callerReference?: string | null;
  /** Who may see it, in words ("the reporter, the owner, or a team lead…"). */
  personalDataViewers?: string;
  /** The caller reference was erased at the end of its retention period. */
  callerReferenceErased?: boolean;
  /** Permalink of the message an incident was logged from (the "Log as incident" shortcut). */
  sourceLink?: string | null;
  /** Responder cards carry the action buttons unless this is false. */
  actions?: boolean;
  /** Labels of the SLA clocks that have breached (the card is marked). */
  breached?: string[];
  /** Extra clocks' buttons (responder cards). */
  extraClocks?: ExtraClockButtons;
  /** Who hears about it beyond the incident channel ("Told: #cc-stakeholders · email: …"). */
  plan?: string | null;
  /** The latest agents' briefing and each team's confirmation (responder cards). */
  briefing?: { author: string; postedAt: Date; status: TeamBriefingStatus[] } | null;
  /** How many callers reported it, and their callbacks (counts only, never who). */
  callers?: CallerCounts;
  /** The master incident a duplicate was merged into (its callers moved there). */
  duplicateOf?: { number: number; channelId: string | null } | null;
  /** A practice drill's lead, trainees and speed (the card says PRACTICE and who runs it). */
  practice?: DrillFacts | null;
  /** Who reopened it, why and when, while it is being worked again. */
  reopened?: { by: string; reason: string | null; at: Date } | null;
}

type CardIncident = Pick<
  IncidentRow,
  | "number"
  | "title"
  | "description"
  | "priority"
  | "matrixPriority"
  | "major"
  | "status"
  | "impact"
  | "urgency"
  | "reportChannel"
  | "affectedService"
  | "reporterId"
  | "ownerId"
  | "channelId"
  | "reportedAt"
  | "loggedAt"
  | "sourceChannelId"
  | "id"
  | "holdReason"
  | "holdNote"
  | "resolutionSummary"
  | "closeCode"
  | "respondDueAt"
  | "nextUpdateDueAt"
  | "resolveDueAt"
> &
  // Optional so callers building a card from a partial row need not know about the floor.
  Partial<Pick<IncidentRow, "callsQueued" | "abandonmentRate" | "affectedQueue" | "impactRecordedAt">> &
  // Where a routine incident is worked: a thread under this card in the working channel.
  Partial<Pick<IncidentRow, "workingChannelId" | "threadTs">> &
  // A practice drill's incident is marked PRACTICE wherever its headline shows.
  Partial<Pick<IncidentRow, "practiceRunId">>;

const PRIORITY_EMOJI = {
  P1: ":red_circle:",
  P2: ":large_orange_circle:",
  P3: ":large_yellow_circle:",
  P4: ":large_blue_circle:",
  P5: ":white_circle:",
} as const;

export function headline(
  i: Pick<CardIncident, "number" | "title" | "priority" | "major"> &
    Partial<Pick<IncidentRow, "practiceRunId">>,
): string {
  return `${practicePrefix(i)}${formatReference(i.number)} · ${i.priority}${isMajor(i) ? " · MAJOR" : ""} · ${i.title}`;
}

/** "PRACTICE · " before anything naming a drill's incident (headline, DMs, lists); "" otherwise. */
export function practicePrefix(i: Partial<Pick<IncidentRow, "practiceRunId">>): string {
  return i.practiceRunId ? "PRACTICE · " : "";
}

function fields(i: CardIncident, ctx: CardContext): string[] {
  const priority =
    i.priority === i.matrixPriority
      ? i.priority
      : `${i.priority} (overridden; matrix gave ${i.matrixPriority})`;
  const out = [
    `*Priority*\n${PRIORITY_EMOJI[i.priority]} ${priority}`,
    `*Status*\n${STATUS_LABELS[i.status]}`,
    `*Type*\n${escapeMrkdwn(ctx.typeLabel)}`,
    `*Impact × urgency*\n${LEVEL_LABELS[i.impact]} × ${LEVEL_LABELS[i.urgency]}`,
    `*Affected service*\n${i.affectedService ? escapeMrkdwn(clip(i.affectedService, 150)) : "_not given_"}`,
    `*Reported via*\n${REPORT_CHANNEL_LABELS[i.reportChannel]}`,
    `*Owner*\n${userMention(i.ownerId)}`,
    `*Reporter*\n${userMention(i.reporterId)}`,
    `*Reported*\n${slackDate(i.reportedAt, ctx.timezone)}`,
    `*Logged*\n${slackDate(i.loggedAt, ctx.timezone)}`,
  ];
  return out;
}

/**
 * The incident summary. The pinned copy in the incident channel is for responders and may
 * show the caller reference; copies for stakeholder channels must not, and this is the one
 * place that decides it.
 */
export function incidentCard(i: CardIncident, ctx: CardContext) {
  const title = headline(i);
  // Top-level `text` is parsed as mrkdwn: escape it so a title like "<!channel>" pings nobody.
  const text = escapeMrkdwn(title);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: plain(title, 150) },
    ...(i.practiceRunId && ctx.practice
      ? [{ type: "context", elements: [mrkdwn(practiceContextLine(ctx.practice))] }]
      : []),
    { type: "section", fields: fields(i, ctx).map((f) => mrkdwn(f, 2000)) },
  ];
  if (ctx.audience === "responder" && hasCallerDetails(ctx)) {
    // The value itself is never on the card: it is shown, and its showing logged, one person
    // at a time (Show caller details).
    blocks.push({
      type: "section",
      text: mrkdwn(
        `*Caller details*\nRecorded. Personal data: shown only to ${escapeMrkdwn(ctx.personalDataViewers ?? "the reporter and the owner")}, and each viewing is logged.`,
      ),
      accessory: {
        type: "button",
        action_id: CARD_ACTION.showCallerDetails,
        text: plain("Show caller details", 75),
        value: i.id,
      },
    });
  } else if (ctx.audience === "responder" && ctx.callerReferenceErased) {
    blocks.push({
      type: "section",
      text: mrkdwn(`*Caller reference*\n${ERASED_MARK} (retention period over)`),
    });
  }
  blocks.push({
    type: "section",
    text: mrkdwn(`*What is happening*\n${escapeMrkdwn(clip(i.description, 2900))}`),
  });
  const callers = ctx.callers ? callersLine(ctx.callers, i.status) : null;
  if (callers) blocks.push({ type: "section", text: mrkdwn(callers) });
  const deadlines = deadlineLine(i, ctx);
  if (deadlines) blocks.push({ type: "section", text: mrkdwn(deadlines) });
  const state = stateLine(i, ctx.audience);
  if (state) blocks.push({ type: "section", text: mrkdwn(state) });
  const reopened = reopenedLine(i, ctx);
  if (reopened) blocks.push({ type: "section", text: mrkdwn(reopened) });
  if (ctx.duplicateOf) {
    const where = ctx.duplicateOf.channelId ? `: the work continues in <#${ctx.duplicateOf.channelId}>` : "";
    blocks.push({
      type: "section",
      text: mrkdwn(
        `:link: *Duplicate of ${formatReference(ctx.duplicateOf.number)}*${where}. Its callers were moved there; add new callers to ${formatReference(ctx.duplicateOf.number)}.`,
      ),
    });
  }
  blocks.push(...floorBlocks(i, ctx));
  if (ctx.audience === "responder" && ctx.actions !== false)
    blocks.push(...cardActions(i, ctx.extraClocks, inThread(i)), ...floorActions(i));
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(
        (!inThread(i)
          ? `Incident channel: ${channelMention(i.channelId)}`
          : ctx.audience === "responder"
            ? "Worked in the thread under this card: notes, updates and clock notices go there."
            : `Worked in ${workPlaceMention(i)}`) +
          (i.sourceChannelId
            ? ` · logged from ${sourceMessage(ctx.sourceLink)} in ${channelMention(i.sourceChannelId)}`
            : ""),
      ),
      ...(ctx.audience === "responder" && ctx.plan ? [mrkdwn(ctx.plan)] : []),
    ],
  });
  return { text, blocks };
}

/**
 * Whether the card offers "Show caller details": a caller reference was given when it was
 * logged, or callers were added since (each may have left a reference or a callback contact).
 */
const hasCallerDetails = (ctx: CardContext) =>
  !!ctx.callerReference ||
  (!ctx.callerReferenceErased &&
    ((ctx.callers?.callers ?? 0) > 1 || (ctx.callers?.callbacksWanted ?? 0) > 0));

/** A routine incident worked in the thread under its card, with no channel of its own. */
const inThread = (i: CardIncident) => !i.channelId && !!i.workingChannelId;

/** Contact-centre impact (for everyone) and the agents' briefing status (responders). */
function floorBlocks(i: CardIncident, ctx: CardContext): Record<string, unknown>[] {
  const impact = impactBlocks(recordedImpactOf(i), ctx.timezone);
  const briefing =
    ctx.audience === "responder" && ctx.briefing
      ? [briefingCardBlock(ctx.briefing, ctx.briefing.status, ctx.timezone, ctx.reopened?.at ?? null)]
      : [];
  return [...impact, ...briefing];
}

/** The deadlines still running, and any breach, so nobody has to work them out. */
/**
 * "*Callers:* 37 (9 in the last 15 min) · 12 callbacks wanted"; once resolved, how many
 * callbacks are made, in the words of the callback list (callbacksLine). Null before the first caller.
 */
export function callersLine(c: CallerCounts, status: CardIncident["status"]): string | null {
  if (c.callers === 0) return null;
  const recent = c.recent > 0 ? ` (${c.recent} in the last ${RECENT_CALLERS_MS / 60_000} min)` : "";
  const fixed = status === "resolved" || status === "closed";
  const callbacks = callbacksLine(callbackFiguresOf(c), { fixed });
  return [`*Callers:* ${c.callers}${recent}`, ...(callbacks ? [callbacks] : [])].join(" · ");
}

function deadlineLine(i: CardIncident, ctx: CardContext): string | null {
  const parts: string[] = [];
  if (i.status === "open" && i.respondDueAt)
    parts.push(`acknowledge by ${slackDate(i.respondDueAt, ctx.timezone)}`);
  const live = i.status !== "resolved" && i.status !== "closed";
  if (live && i.nextUpdateDueAt) parts.push(`next update by ${slackDate(i.nextUpdateDueAt, ctx.timezone)}`);
  if (live && i.status !== "on_hold" && i.resolveDueAt)
    parts.push(`resolve by ${slackDate(i.resolveDueAt, ctx.timezone)}`);
  const breached = ctx.breached?.length ? `:rotating_light: *SLA breached:* ${ctx.breached.join(", ")}` : "";
  if (parts.length === 0 && !breached) return null;
  const due = parts.length ? `:stopwatch: *Deadlines:* ${parts.join(" · ")}` : "";
  return [breached, due].filter(Boolean).join("\n");
}

/** Why it is on hold, or how it was resolved. A hold note may name the customer: responders only. */
function stateLine(i: CardIncident, audience: Audience): string | null {
  if (i.status === "on_hold") {
    const reason = HOLD_REASON_LABELS[i.holdReason as HoldReason] ?? "On hold";
    const note = audience === "responder" && i.holdNote ? `: ${escapeMrkdwn(clip(i.holdNote, 500))}` : "";
    return `:double_vertical_bar: *On hold* (${reason})${note}`;
  }
  if ((i.status === "resolved" || i.status === "closed") && i.resolutionSummary) {
    const code = i.closeCode ? ` (${i.closeCode.replace(/_/g, " ")})` : "";
    return `:white_check_mark: *Resolution*${code}\n${escapeMrkdwn(clip(i.resolutionSummary, 2800))}`;
  }
  return null;
}

/** "Reopened by @x today 10:40: <why>", while the incident is being worked again. */
function reopenedLine(i: CardIncident, ctx: CardContext): string | null {
  if (!ctx.reopened || i.status === "resolved" || i.status === "closed") return null;
  const why = ctx.reopened.reason ? `: ${escapeMrkdwn(clip(ctx.reopened.reason, 300))}` : "";
  return `:leftwards_arrow_with_hook: *Reopened* by ${userMention(ctx.reopened.by)} ${slackDate(ctx.reopened.at, ctx.timezone)}${why}`;
}

function sourceMessage(link: string | null | undefined): string {
  return link?.startsWith("https://") ? `<${link.replace(/[<>|]/g, "")}|a message>` : "a message";
}

/** First message to a stakeholder channel about a new incident. */
export function incidentAnnouncement(
  i: CardIncident,
  ctx: Omit<CardContext, "audience" | "callerReference">,
) {
  const card = incidentCard(i, { ...ctx, audience: "stakeholder" });
  const intro = `:rotating_light: New ${i.priority} incident logged: *${escapeMrkdwn(formatReference(i.number))}*`;
  return {
    text: `New incident ${card.text}`,
    blocks: [{ type: "section", text: mrkdwn(intro) }, ...card.blocks],
  };
}

/** The most incidents one roundup lists; its text stays well inside Slack's 40,000 characters. */
export const MAX_ROUNDUP = 100;
/** Slack's limit on a section's text. */
const SECTION_TEXT = 3000;

type RoundupIncident = Pick<IncidentRow, "number" | "title" | "priority" | "major" | "type" | "channelId"> &
  Partial<Pick<IncidentRow, "workingChannelId">>;

/** One new incident in a line of a roundup: priority, reference, type, title and its channel. */
export function announcementLine(i: RoundupIncident, typeLabel: (type: string) => string): string {
  return (
    `${PRIORITY_EMOJI[i.priority]} *${formatReference(i.number)}* · ${i.priority}${isMajor(i) ? " · MAJOR" : ""}` +
    ` · ${escapeClip(typeLabel(i.type), 60)} · _${escapeClip(i.title, 150)}_ · ${workPlaceMention(i)}`
  );
}

/**
 * Several new incidents announced in one post: what a stakeholder channel gets when incidents
 * arrive faster than Slack lets the channel take posts (about one a second). One line each,
 * highest priority first, with a link to each incident's channel for the details.
 */
export function announcementRoundup(list: RoundupIncident[], typeLabel: (type: string) => string) {
  const sorted = [...list].sort((a, b) => a.priority.localeCompare(b.priority) || a.number - b.number);
  const counts = new Map<string, number>();
  for (const i of sorted) counts.set(i.priority, (counts.get(i.priority) ?? 0) + 1);
  const breakdown = [...counts].map(([p, n]) => `${n} × ${p}`).join(", ");
  const lines = sorted.map((i) => announcementLine(i, typeLabel));
  const sections: string[] = [];
  for (const line of lines) {
    const last = sections.length - 1;
    if (last >= 0 && sections[last]!.length + 1 + line.length <= SECTION_TEXT) sections[last] += `\n${line}`;
    else sections.push(line);
  }
  const refs = sorted.map((i) => `${formatReference(i.number)} (${i.priority})`).join(", ");
  return {
    text: clip(`${sorted.length} new incidents logged: ${refs}`, 300),
    blocks: [
      {
        type: "section",
        text: mrkdwn(`:rotating_light: *${sorted.length} new incidents logged* (${breakdown})`),
      },
      ...sections.map((text) => ({ type: "section", text: mrkdwn(text) })),
      {
        type: "context",
        elements: [mrkdwn("Each incident's channel has its details and updates.")],
      },
    ],
  };
}

export function reporterNotice(
  i: Pick<
    CardIncident,
    "number" | "title" | "priority" | "major" | "channelId" | "workingChannelId" | "practiceRunId"
  >,
) {
  const ref = formatReference(i.number);
  const where = workPlaceMention(i);
  // "(P1 · MAJOR)" as the card says it: the reporter sees at once that it is a major incident.
  const grade = `${i.priority}${isMajor(i) ? " · MAJOR" : ""}`;
  const text = `${ref} (${grade}) is logged: ${sentence(escapeMrkdwn(clip(i.title, 150)))} Work it in ${where}.`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:white_check_mark: *${ref}* (${grade}) is logged: _${escapeMrkdwn(clip(i.title, 150))}_\n${i.channelId || !i.workingChannelId ? `Its channel is ${where}` : `It is worked in ${where}`}; ${i.practiceRunId ? "it is a practice drill, so nobody outside its channel is told." : "stakeholders have been told."}`,
        ),
      },
    ],
  };
}
