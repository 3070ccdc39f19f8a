import { PRIORITIES } from "../domain/incident.js";
import { incidentSection, type ListRow, pressingSummary } from "./incident-list.js";
import { mrkdwn, plain } from "./text.js";

/**
 * A view holds at most 100 blocks: your incidents (≤ 20) and the team's by priority (≤ 60),
 * each one section whose accessory is its next action, plus at most 12 headings and notes, and
 * the resolved incidents with callbacks still to make (≤ 5, a divider, a heading, a note and a "more" line).
 */
const MINE_MAX = 20;
const TEAM_MAX = 60;
/** Resolved incidents whose callers wait for a callback: a heading, these and a "more" line. */
export const CALLBACKS_MAX = 5;

export function homeView(p: { mine: ListRow[]; open: ListRow[]; callbacks?: ListRow[]; timezone: string }) {
  const section = (text: string) => ({ type: "section", text: mrkdwn(text) });
  const row = (i: ListRow) => incidentSection(i, p.timezone);
  const team = p.open.slice(0, TEAM_MAX);
  const summary = pressingSummary(team);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: plain("Your open incidents", 150) },
    ...(p.mine.length ? p.mine.slice(0, MINE_MAX).map(row) : [section("None. :tada:")]),
    { type: "divider" },
    { type: "header", text: plain("Open incidents by priority", 150) },
    ...(summary ? [{ type: "context", elements: [mrkdwn(summary)] }] : []),
  ];
  for (const priority of PRIORITIES) {
    const items = team.filter((i) => i.priority === priority);
    if (items.length === 0) continue;
    blocks.push({ type: "context", elements: [mrkdwn(`*${priority}* (${items.length})`)] });
    blocks.push(...items.map(row));
  }
  if (team.length === 0) blocks.push(section("None."));
  if (p.open.length > TEAM_MAX)
    blocks.push(section(`…and ${p.open.length - TEAM_MAX} more: \`/incident list\`.`));
  const callbacks = p.callbacks ?? [];
  if (callbacks.length > 0) {
    blocks.push(
      { type: "divider" },
      { type: "header", text: plain("Callbacks to make", 150) },
      {
        type: "context",
        elements: [
          mrkdwn("Resolved, but callers still wait: take them from the callback list where each is worked."),
        ],
      },
      // No *Close* here: the next step is the callbacks, and closing first would drop them.
      ...callbacks.slice(0, CALLBACKS_MAX).map((i) => row({ ...i, next: null })),
    );
    if (callbacks.length > CALLBACKS_MAX)
      blocks.push(section("…and more: see each incident's callback list in its channel or thread."));
  }
  blocks.push({
    type: "context",
    elements: [mrkdwn("Type `/incident` anywhere to log an incident; `/incident help` for more.")],
  });
  return { type: "home" as const, blocks };
}
