import type { IncidentRow } from "../db/schema/index.js";
import { formatLongDuration } from "../domain/duration.js";
import { STATUS_LABELS } from "../domain/incident.js";
import { roleLabel } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { CARD_ACTION, ESCALATION_ACTION } from "./ids.js";
import { clip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention, workPlaceMention } from "./text.js";

type SlaIncident = Pick<
  IncidentRow,
  "id" | "number" | "title" | "priority" | "status" | "ownerId" | "reporterId" | "channelId"
> &
  Partial<Pick<IncidentRow, "description" | "loggedAt" | "workingChannelId" | "threadTs">>;

const section = (text: string) => ({ type: "section", text: mrkdwn(text) });

/**
 * A warning in the incident channel. It mentions the owner; while nobody owns the incident,
 * it asks the holders of the first role of its ladder (`ladderFirst`, of `ladderRole`), whose
 * job it is to find one: never the reporting agent, who is back on the phones. The due time is
 * a Slack date, never a countdown that is wrong a minute later.
 */
export function slaWarning(
  i: SlaIncident,
  p: {
    clock: string;
    dueAt: Date;
    timezone: string;
    ladderFirst?: readonly string[];
    ladderRole?: string;
  },
) {
  const due = `*${formatReference(i.number)}*: ${escapeMrkdwn(p.clock)} is due ${slackDate(p.dueAt, p.timezone)}.`;
  const text = i.ownerId
    ? `:hourglass_flowing_sand: ${userMention(i.ownerId)} ${due}`
    : `:hourglass_flowing_sand: ${due} ${nobodyOwnsIt(p.ladderFirst ?? [], p.ladderRole)}`;
  return { text, blocks: [section(text)] };
}

/** "Nobody owns it yet: @Sarah (team lead), can you take it?" */
function nobodyOwnsIt(holders: readonly string[], role: string | undefined): string {
  if (holders.length === 0) return "Nobody owns it yet.";
  const who = `${holders.map((u) => userMention(u)).join(", ")}${role ? ` (${roleLabel(role)})` : ""}`;
  return `Nobody owns it yet: ${who}, can ${holders.length > 1 ? "one of you" : "you"} take it?`;
}

export function slaBreach(
  i: SlaIncident,
  p: { clock: string; dueAt: Date; timezone: string; escalatingTo: string | null; dmed?: readonly string[] },
) {
  const whom = p.dmed?.length ? `: ${p.dmed.map((u) => userMention(u)).join(", ")} messaged` : "";
  const ladder = p.escalatingTo ? ` Escalating to the ${escapeMrkdwn(p.escalatingTo)}${whom}.` : "";
  const text =
    `:rotating_light: *${formatReference(i.number)}* breached its ${escapeMrkdwn(p.clock.toLowerCase())} SLA ` +
    `(due ${slackDate(p.dueAt, p.timezone)}).${ladder} Owner: ${userMention(i.ownerId)}.`;
  return { text, blocks: [section(text)] };
}

/** A DM to a clock's notify roles (e.g. the DPO for the regulator's 72 hours). */
export function clockNotice(
  i: SlaIncident,
  p: { clock: string; dueAt: Date; breached: boolean; timezone: string },
) {
  const what = p.breached ? "is overdue" : "is coming up";
  const text =
    `:alarm_clock: *${formatReference(i.number)}* · ${escapeMrkdwn(clip(i.title, 150))}\n` +
    `${escapeMrkdwn(p.clock)} ${what}: due ${slackDate(p.dueAt, p.timezone)}. Channel: ${workPlaceMention(i)}.`;
  return { text, blocks: [section(text)] };
}

export interface EscalationDmInput {
  clockId: string;
  clock: string;
  /** The clock's name (respond, update_every, resolve or an extra clock's). */
  clockName?: string;
  /** How long the clock allowed (its SLA target). */
  targetMs?: number;
  overdueMs: number;
  level: number;
  role: string;
  atTop: boolean;
  /** The ladder step (0 at the breach); past the top role, each step is a reminder to it. */
  step?: number;
  manualReason?: string;
  /** Earlier rungs of this ladder: who was messaged, and when. */
  alreadyTold?: ReadonlyArray<{ role: string; holders: readonly string[]; at: Date }>;
  timezone?: string;
}

/** "its 15-minute target" for a target in one unit; "its target of 1 hour 30 minutes" otherwise. */
function targetWords(ms: number): string {
  const words = formatLongDuration(ms);
  const single = /^(\d+) (day|hour|minute|second)s?$/.exec(words);
  return single ? `its ${single[1]}-${single[2]} target` : `its target of ${words}`;
}

/**
 * Whether this step messages the top role again: the step past the top of the ladder. The step
 * that first reaches the top role is an escalation to it, not a reminder.
 */
const isReminder = (p: { step?: number; level: number }) => p.step !== undefined && p.step >= p.level;

/** What breached, in the words of someone woken by it. */
export function breachSentence(i: Pick<SlaIncident, "priority">, p: EscalationDmInput): string {
  const late = formatLongDuration(p.overdueMs);
  const target = p.targetMs !== undefined ? ` past ${targetWords(p.targetMs)}` : " overdue";
  switch (p.clockName) {
    case "respond":
      return `Nobody has acknowledged this ${i.priority}: ${late}${target}.`;
    case "update_every":
      return `Stakeholders have had no update on this ${i.priority}: the update is ${late} late.`;
    case "resolve":
      return `This ${i.priority} is still not resolved: ${late}${target}.`;
    case "callbacks":
      return `Callers who asked to be called back after this ${i.priority} are still waiting: the callbacks are ${late} late.`;
    default:
      return `*${escapeMrkdwn(p.clock)}* is ${late} overdue.`;
  }
}

/**
 * The escalation DM: what breached and by how much, what the incident is, who was told before,
 * and buttons to act. It carries the stakeholder-level summary only: never the caller reference.
 */
export function escalationDm(i: SlaIncident, p: EscalationDmInput) {
  const ref = formatReference(i.number);
  const why = p.manualReason
    ? `Escalated by hand: ${escapeMrkdwn(clip(p.manualReason, 500))}`
    : breachSentence(i, p);
  const reminder = isReminder(p) && !p.manualReason ? " (reminder: still not acknowledged)" : "";
  const text = `:rotating_light: Escalation level ${p.level} (${p.role.replace(/_/g, " ")}): ${ref} ${i.priority}${reminder}`;
  const about = [
    escapeMrkdwn(clip(i.title, 200)),
    ...(i.description ? [`>${escapeMrkdwn(clip(i.description, 600)).replace(/\n/g, "\n>")}`] : []),
    why,
  ];
  const blocks: Record<string, unknown>[] = [
    section(`*${escapeMrkdwn(text)}*\n${about.join("\n")}`),
    {
      type: "section",
      fields: [
        mrkdwn(`*Status*\n${STATUS_LABELS[i.status]}`),
        mrkdwn(`*Owner*\n${userMention(i.ownerId)}`),
        mrkdwn(`*Channel*\n${workPlaceMention(i)}`),
        ...(i.loggedAt && p.timezone ? [mrkdwn(`*Logged*\n${slackDate(i.loggedAt, p.timezone)}`)] : []),
      ],
    },
  ];
  const told = (p.alreadyTold ?? []).filter((t) => t.holders.length > 0);
  if (told.length > 0 && p.timezone) {
    const tz = p.timezone;
    const lines = told.map(
      (t) =>
        `${t.holders.map((u) => userMention(u)).join(", ")} (${roleLabel(t.role)}) ${slackDate(t.at, tz)}`,
    );
    blocks.push({ type: "context", elements: [mrkdwn(clip(`Already told: ${lines.join("; ")}`, 3000))] });
  }
  const buttons: Record<string, unknown>[] = [];
  if (!p.manualReason) {
    buttons.push({
      type: "button",
      action_id: ESCALATION_ACTION.acknowledge,
      text: plain("Acknowledge", 75),
      style: "primary",
      value: p.clockId,
    });
  }
  buttons.push({
    type: "button",
    action_id: CARD_ACTION.takeOwnership,
    text: plain("Take ownership", 75),
    value: i.id,
  });
  if (i.channelId) {
    buttons.push({
      type: "button",
      action_id: ESCALATION_ACTION.openChannel,
      text: plain("Open channel", 75),
      url: `https://slack.com/app_redirect?channel=${i.channelId}`,
    });
  } else if (i.workingChannelId && i.threadTs) {
    // A routine incident: its thread, by the card's permalink in the working channel.
    buttons.push({
      type: "button",
      action_id: ESCALATION_ACTION.openChannel,
      text: plain("Open thread", 75),
      url: `https://slack.com/archives/${i.workingChannelId}/p${i.threadTs.replace(".", "")}`,
    });
  }
  blocks.push({ type: "actions", block_id: "escalation_actions", elements: buttons });
  if (!p.manualReason) blocks.push({ type: "context", elements: [mrkdwn(acknowledgeHelp(p.clockName))] });
  return { text: escapeMrkdwn(text), blocks };
}

/** What pressing Acknowledge does, said under the button. */
function acknowledgeHelp(clockName: string | undefined): string {
  return clockName === "respond"
    ? "*Acknowledge* marks the incident acknowledged, makes you its owner if nobody owns it, and stops these messages."
    : "*Acknowledge* tells everyone you are on it and stops these messages for this breach. *Take ownership* makes you the owner.";
}

/** The DM edited once someone acknowledged: same summary, no buttons, who and when, and who owns it. */
export function acknowledgedDm(
  original: { blocks?: unknown[]; text?: string },
  p: { by: string; at: Date; timezone: string; ownerId?: string | null },
) {
  const kept = (original.blocks ?? []).filter((b) => {
    const type = (b as { type?: string }).type;
    return type !== "actions" && !(type === "context" && JSON.stringify(b).includes("*Acknowledge*"));
  });
  const owner =
    p.ownerId === undefined
      ? ""
      : p.ownerId
        ? ` Owner now: ${userMention(p.ownerId)}.`
        : " Nobody owns it yet.";
  return {
    text: original.text ?? "Escalation acknowledged",
    blocks: [
      ...kept,
      {
        type: "context",
        elements: [
          mrkdwn(`:white_check_mark: Acknowledged by <@${p.by}> ${slackDate(p.at, p.timezone)}.${owner}`),
        ],
      },
    ],
  };
}

/** The incident channel's line when an unacknowledged breach climbs a rung of its ladder. */
export function ladderClimbLine(
  i: Pick<SlaIncident, "number">,
  p: { clock: string; level: number; role: string; step: number; to: readonly string[]; at: Date },
  timezone: string,
) {
  const whom = p.to.length ? p.to.map((u) => userMention(u)).join(", ") : "nobody holds that role";
  const what = isReminder(p) ? "reminded again" : "escalated";
  const text = `:mega: ${formatReference(i.number)} ${escapeMrkdwn(p.clock.toLowerCase())} breach still not acknowledged: ${what} to the ${roleLabel(p.role)} (${whom}).`;
  return {
    text,
    blocks: [section(text), { type: "context", elements: [mrkdwn(slackDate(p.at, timezone))] }],
  };
}
