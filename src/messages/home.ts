import { PRIORITIES } from "../domain/incident.js";
import { incidentSection, type ListRow, pressingSummary } from "./incident-list.js";
import { clockProblem } from "./sla.js";
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

/** Incidents that need the viewer though not theirs: escalated to them, or overdue for a manager. */
const NEEDS_MAX = 10;

/** An incident on the viewer's Home because it needs them: its ladder messaged them, or it is overdue. */
export interface NeedsYouRow extends ListRow {
  /** Its escalation ladder DMed the viewer and nobody has acknowledged it yet. */
  escalatedToYou: boolean;
  /** The breached clocks whose ladders DMed the viewer: name, and label for an extra clock. */
  escalatedFor?: ReadonlyArray<{ name: string; label: string }>;
}

export function homeView(p: {
  mine: ListRow[];
  open: ListRow[];
  callbacks?: ListRow[];
  /** Escalated to the viewer, or overdue on a ladder they are on (services/home decides). */
  needsYou?: NeedsYouRow[];
  timezone: string;
}) {
  const section = (text: string) => ({ type: "section", text: mrkdwn(text) });
  const row = (i: ListRow) => incidentSection(i, p.timezone);
  const needsYou = p.needsYou ?? [];
  const needs = needsYouBlocks(needsYou, p.timezone);
  // The team's list gives up the rows the "Needs you" part takes, to stay inside 100 blocks.
  const team = p.open.slice(0, TEAM_MAX - needs.length);
  const summary = pressingSummary(team);
  const blocks: Record<string, unknown>[] = [
    ...needs,
    { type: "header", text: plain("Your open incidents", 150) },
    ...(p.mine.length
      ? p.mine.slice(0, MINE_MAX).map(row)
      : [section(needsYou.length ? "None that you own or reported." : "None. :tada:")]),
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
  if (p.open.length > team.length)
    blocks.push(section(`…and ${p.open.length - team.length} more: \`/incident list\`.`));
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

/**
 * "Needs you": what a woken manager came for. Each row as in the lists, those escalated to the
 * viewer marked so; empty (no heading) when nothing does.
 */
function needsYouBlocks(rows: NeedsYouRow[], timezone: string): Record<string, unknown>[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, NEEDS_MAX).map((i) => {
    const s = incidentSection(i, timezone);
    if (!i.escalatedToYou) return s;
    // What is still wrong, in the clock's own words: never "not acknowledged" once it was.
    const problems = (i.escalatedFor ?? []).map((c) => clockProblem(c.name, c.label));
    const heading = `*Escalated to you*${problems.length > 0 ? `: ${problems.join("; ")}` : ""}`;
    return { ...s, text: mrkdwn(`${heading}\n${s.text.text}`) };
  });
  const more =
    rows.length > NEEDS_MAX ? [{ type: "section", text: mrkdwn("…and more: `/incident list`.") }] : [];
  return [{ type: "header", text: plain("Needs you", 150) }, ...shown, ...more, { type: "divider" }];
}
