import type { IncidentRow } from "../db/schema/index.js";
import { callbackFiguresOf, callbacksLine, callersWord } from "../domain/caller-figures.js";
import type { CallerCounts } from "../domain/callers.js";
import { clockWords, type DeadlineStatus, type NextAction } from "../domain/deadline-status.js";
import { STATUS_LABELS } from "../domain/incident.js";
import { ACTION_LABELS } from "../domain/lifecycle.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { CARD_ACTION, LIST_ACTION } from "./ids.js";
import { clip, escapeMrkdwn, mrkdwn, plain, slackDate, workPlaceMention } from "./text.js";

export type ListItem = Pick<
  IncidentRow,
  "id" | "number" | "title" | "priority" | "status" | "channelId" | "loggedAt" | "ownerId"
> &
  // Flagged major by hand: the line says MAJOR as the card does.
  Partial<Pick<IncidentRow, "major">> &
  // A practice drill's incident (listed to its lead and trainees only) is marked PRACTICE.
  // A routine incident's thread is where "Open thread" leads.
  Partial<Pick<IncidentRow, "practiceRunId" | "workingChannelId" | "threadTs">>;

/** A listed incident with what presses and what to do about it (see services/incident-rows). */
export interface ListRow extends ListItem {
  deadline?: DeadlineStatus | null;
  next?: NextAction | null;
  /** Its callers, counted (the Home tab); never who they are. */
  callers?: CallerCounts;
}

/** "🔴 acknowledge overdue by 2 min", "🟠 update due in 4 min", "resolve by <date>", "⏸️ resolve clock paused". */
export function deadlineText(d: DeadlineStatus, timezone: string): string {
  const also = d.alsoOverdue.length ? ` (${d.alsoOverdue.map(clockWords).join(", ")} overdue too)` : "";
  switch (d.tone) {
    case "overdue":
      return `*🔴 ${escapeMrkdwn(d.words)}*${escapeMrkdwn(also)}`;
    case "soon":
      return `🟠 ${escapeMrkdwn(d.words)}${escapeMrkdwn(also)}`;
    case "later":
      return `${escapeMrkdwn(d.words)} ${slackDate(d.dueAt, timezone)}`;
    case "paused":
      return `⏸️ ${escapeMrkdwn(d.words)}`;
  }
}

export function incidentLine(i: ListRow, timezone: string): string {
  const owner = i.ownerId ? `owner <@${i.ownerId}>` : "no owner yet";
  const deadline = i.deadline ? `${deadlineText(i.deadline, timezone)}\n` : "";
  return (
    `${i.practiceRunId ? "*PRACTICE* · " : ""}*${formatReference(i.number)}* · ${i.priority}${isMajor({ priority: i.priority, major: i.major ?? false }) ? " · MAJOR" : ""} · ${STATUS_LABELS[i.status]} · ${escapeMrkdwn(clip(i.title, 120))}\n` +
    `${deadline}${workPlaceMention(i)} · ${owner} · logged ${slackDate(i.loggedAt, timezone)}`
  );
}

/**
 * The row's button: the same action ids and values as the incident card, so its handlers answer;
 * or a link to the incident's channel or thread.
 */
export function nextActionButton(
  i: Pick<ListRow, "id" | "deadline" | "next" | "channelId" | "workingChannelId" | "threadTs">,
) {
  if (!i.next) return null;
  const style = i.deadline?.tone === "overdue" ? { style: "primary" } : {};
  const button = (actionId: string, label: string, value: string) => ({
    type: "button",
    action_id: actionId,
    text: plain(label, 75),
    value,
    ...style,
  });
  switch (i.next.kind) {
    case "lifecycle":
      return button(CARD_ACTION[i.next.action], ACTION_LABELS[i.next.action], i.id);
    case "update":
      return button(CARD_ACTION.update, "Post update", i.id);
    case "stop_clock":
      return button(
        CARD_ACTION.stopClock,
        i.next.label,
        JSON.stringify({ incidentId: i.id, clock: i.next.clock }),
      );
    case "open":
      return openButton(i);
  }
}

/** "Open channel" or "Open thread": a link, for a viewer whose next step is to follow the incident. */
function openButton(i: Pick<ListRow, "channelId" | "workingChannelId" | "threadTs">) {
  const link = (label: string, url: string) => ({
    type: "button",
    action_id: LIST_ACTION.open,
    text: plain(label, 75),
    url,
  });
  if (i.channelId) return link("Open channel", `https://slack.com/app_redirect?channel=${i.channelId}`);
  if (i.workingChannelId && i.threadTs)
    return link(
      "Open thread",
      `https://slack.com/archives/${i.workingChannelId}/p${i.threadTs.replace(".", "")}`,
    );
  return null;
}

/** One incident: its line, and its next action as the section's accessory. */
export function incidentSection(i: ListRow, timezone: string) {
  const accessory = nextActionButton(i);
  return {
    type: "section",
    text: mrkdwn(incidentLine(i, timezone) + callersPart(i.callers, i.status)),
    ...(accessory ? { accessory } : {}),
  };
}

/**
 * " · 37 callers · 9 of 12 callbacks made": counts only, the callbacks in the card's words
 * (callbacksLine); empty before the first caller.
 */
export function callersPart(c: CallerCounts | undefined, status: IncidentRow["status"]): string {
  if (!c || c.callers === 0) return "";
  const callbacks = callbacksLine(callbackFiguresOf(c), {
    fixed: status === "resolved" || status === "closed",
  });
  return ` · ${callersWord(c.callers)}${callbacks ? ` · ${callbacks}` : ""}`;
}

/** "🔴 2 overdue · 🟠 1 due soon", or null when nothing presses. */
export function pressingSummary(rows: ListRow[]): string | null {
  const overdue = rows.filter((r) => r.deadline?.tone === "overdue").length;
  const soon = rows.filter((r) => r.deadline?.tone === "soon").length;
  const parts = [overdue ? `🔴 ${overdue} overdue` : "", soon ? `🟠 ${soon} due soon` : ""].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

/** Ephemeral list; at most `max` rows so it stays inside Slack's 50-block message limit. */
export function incidentList(items: ListRow[], p: { heading: string; timezone: string; more: boolean }) {
  if (items.length === 0) {
    return {
      text: `${p.heading}: none.`,
      blocks: [{ type: "section", text: mrkdwn(`*${p.heading}:* none. :tada:`) }],
    };
  }
  const summary = pressingSummary(items);
  const blocks: Record<string, unknown>[] = [
    { type: "section", text: mrkdwn(`*${p.heading}* (${items.length})${summary ? ` · ${summary}` : ""}`) },
  ];
  for (const item of items) blocks.push(incidentSection(item, p.timezone));
  if (p.more) blocks.push({ type: "context", elements: [mrkdwn("Showing the first results only.")] });
  return { text: `${p.heading} (${items.length})${summary ? `: ${summary}` : ""}`, blocks };
}
