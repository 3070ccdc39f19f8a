import type { IncidentRow } from "../../db/schema/index.js";
import { formatDuration } from "../../domain/duration.js";
import { STATUS_LABELS } from "../../domain/incident.js";
import { formatReference } from "../../domain/reference.js";
import { CARD_ACTION, ESCALATION_ACTION } from "../ids.js";
import { channelMention, clip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention } from "./text.js";

type SlaIncident = Pick<
  IncidentRow,
  "id" | "number" | "title" | "priority" | "status" | "ownerId" | "reporterId" | "channelId"
>;

const section = (text: string) => ({ type: "section", text: mrkdwn(text) });

/** A warning in the incident channel: the owner (or, unowned, the reporter) is mentioned. */
export function slaWarning(
  i: SlaIncident,
  p: { clock: string; dueAt: Date; left: number; timezone: string },
) {
  const who = userMention(i.ownerId ?? i.reporterId);
  const text =
    `:hourglass_flowing_sand: ${who} *${formatReference(i.number)}*: ${escapeMrkdwn(p.clock)} is due ` +
    `${slackDate(p.dueAt, p.timezone)} (in ${formatDuration(Math.max(0, p.left))}).`;
  return { text, blocks: [section(text)] };
}

export function slaBreach(
  i: SlaIncident,
  p: { clock: string; dueAt: Date; timezone: string; escalatingTo: string | null },
) {
  const ladder = p.escalatingTo ? ` Escalating to the ${escapeMrkdwn(p.escalatingTo)}.` : "";
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
    `${escapeMrkdwn(p.clock)} ${what}: due ${slackDate(p.dueAt, p.timezone)}. Channel: ${channelMention(i.channelId)}.`;
  return { text, blocks: [section(text)] };
}

export interface EscalationDmInput {
  clockId: string;
  clock: string;
  overdueMs: number;
  level: number;
  role: string;
  atTop: boolean;
  manualReason?: string;
}

/**
 * The escalation DM: what breached and by how much, and buttons to act. It carries the
 * stakeholder-level summary only: never the caller reference.
 */
export function escalationDm(i: SlaIncident, p: EscalationDmInput) {
  const ref = formatReference(i.number);
  const why = p.manualReason
    ? `Escalated by hand: ${escapeMrkdwn(clip(p.manualReason, 500))}`
    : `*${escapeMrkdwn(p.clock)}* SLA breached ${formatDuration(p.overdueMs)} ago.`;
  const reminder = p.atTop && p.level > 1 && !p.manualReason ? " (reminder: still not acknowledged)" : "";
  const text = `:rotating_light: Escalation level ${p.level} (${p.role.replace(/_/g, " ")}): ${ref} ${i.priority}${reminder}`;
  const blocks: Record<string, unknown>[] = [
    section(`*${escapeMrkdwn(text)}*\n${escapeMrkdwn(clip(i.title, 200))}\n${why}`),
    {
      type: "section",
      fields: [
        mrkdwn(`*Status*\n${STATUS_LABELS[i.status]}`),
        mrkdwn(`*Owner*\n${userMention(i.ownerId)}`),
        mrkdwn(`*Channel*\n${channelMention(i.channelId)}`),
      ],
    },
  ];
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
  }
  blocks.push({ type: "actions", block_id: "escalation_actions", elements: buttons });
  return { text: escapeMrkdwn(text), blocks };
}

/** The DM edited once someone acknowledged: same summary, no buttons, who and when. */
export function acknowledgedDm(
  original: { blocks?: unknown[]; text?: string },
  p: { by: string; at: Date; timezone: string },
) {
  const kept = (original.blocks ?? []).filter((b) => (b as { type?: string }).type !== "actions");
  return {
    text: original.text ?? "Escalation acknowledged",
    blocks: [
      ...kept,
      {
        type: "context",
        elements: [mrkdwn(`:white_check_mark: Acknowledged by <@${p.by}> ${slackDate(p.at, p.timezone)}.`)],
      },
    ],
  };
}
