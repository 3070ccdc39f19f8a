import type { IncidentRow } from "../db/schema/index.js";
import { formatLongDuration } from "../domain/duration.js";
import { LEVEL_LABELS } from "../domain/incident.js";
import { formatReference } from "../domain/reference.js";
import { escapeClip, mrkdwn } from "./text.js";

type Categorised = Pick<IncidentRow, "number" | "title" | "impact" | "urgency" | "priority" | "major">;
type Placed = Pick<IncidentRow, "channelId" | "workingChannelId">;

/** "its channel <#C1>" or "its thread in <#C2>": where to go and look. */
export const whereWorked = (i: Placed) =>
  i.channelId
    ? `<#${i.channelId}>`
    : i.workingChannelId
      ? `its thread in <#${i.workingChannelId}>`
      : "its card";

/** What a raise changed, in the order a reader weighs it: priority, major, impact, urgency. */
export function raisedWords(before: Categorised, after: Categorised): string[] {
  const words: string[] = [];
  if (after.priority !== before.priority) words.push(`priority ${before.priority} → *${after.priority}*`);
  if (after.major && !before.major) words.push("now a *major incident*");
  if (after.impact !== before.impact)
    words.push(`impact ${LEVEL_LABELS[before.impact]} → ${LEVEL_LABELS[after.impact]}`);
  if (after.urgency !== before.urgency)
    words.push(`urgency ${LEVEL_LABELS[before.urgency]} → ${LEVEL_LABELS[after.urgency]}`);
  return words;
}

/**
 * The owner's (or, while unowned, the reporter's) DM when caller volume raised their incident:
 * how many callers, what changed, what next. Counts only: never a caller's details.
 */
export function volumeRaisedDm(
  before: Categorised,
  after: Categorised & Placed,
  crossing: { callers: number; withinMs: number },
  /** Whether some stakeholder channel hears this change (the policy's notify lists). */
  stakeholdersTold: boolean,
) {
  const ref = formatReference(after.number);
  const changed = raisedWords(before, after);
  const body =
    `:telephone_receiver: *${ref}* (${escapeClip(after.title, 150)}) had ${crossing.callers} callers in ` +
    `${formatLongDuration(crossing.withinMs)}, so I raised it: ${changed.join(", ")}.\n` +
    `${stakeholdersTold ? "The stakeholder channels are told of the change. " : ""}` +
    `Next: check the incident in ${whereWorked(after)} and post an update.`;
  return { text: body, blocks: [{ type: "section", text: mrkdwn(body) }] };
}
