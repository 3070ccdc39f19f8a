import type { IncidentRow } from "../../db/schema/index.js";
import { DEADLINE_LABELS, nextDeadline } from "../../domain/deadlines.js";
import { STATUS_LABELS } from "../../domain/incident.js";
import { formatReference } from "../../domain/reference.js";
import { channelMention, clip, escapeMrkdwn, mrkdwn, slackDate } from "./text.js";

export type ListItem = Pick<
  IncidentRow,
  | "number"
  | "title"
  | "priority"
  | "status"
  | "channelId"
  | "loggedAt"
  | "ownerId"
  | "respondDueAt"
  | "nextUpdateDueAt"
  | "resolveDueAt"
>;

export function incidentLine(i: ListItem, timezone: string): string {
  const owner = i.ownerId ? `owner <@${i.ownerId}>` : "no owner";
  const next = nextDeadline(i);
  const deadline = next ? ` · ${DEADLINE_LABELS[next.kind]} ${slackDate(next.at, timezone)}` : "";
  return (
    `*${formatReference(i.number)}* · ${i.priority} · ${STATUS_LABELS[i.status]} · ${escapeMrkdwn(clip(i.title, 120))}\n` +
    `${channelMention(i.channelId)} · logged ${slackDate(i.loggedAt, timezone)} · ${owner}${deadline}`
  );
}

/** Ephemeral list; at most `max` rows so it stays inside Slack's 50-block message limit. */
export function incidentList(items: ListItem[], p: { heading: string; timezone: string; more: boolean }) {
  if (items.length === 0) {
    return {
      text: `${p.heading}: none.`,
      blocks: [{ type: "section", text: mrkdwn(`*${p.heading}:* none. :tada:`) }],
    };
  }
  const blocks: Record<string, unknown>[] = [
    { type: "section", text: mrkdwn(`*${p.heading}* (${items.length})`) },
  ];
  for (const item of items) blocks.push({ type: "section", text: mrkdwn(incidentLine(item, p.timezone)) });
  if (p.more) blocks.push({ type: "context", elements: [mrkdwn("Showing the first results only.")] });
  return { text: `${p.heading} (${items.length})`, blocks };
}
