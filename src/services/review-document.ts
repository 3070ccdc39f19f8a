import type { ImprovementActionRow, ReviewRow } from "../db/schema/index.js";
import { formatActionReference, formatDueOn } from "../domain/action-reminders.js";
import { person } from "../domain/log-values.js";
import { type FactLines, formatReviewTime } from "../domain/review-facts.js";
import { markdownCell } from "./export-log.js";

/**
 * The completed review as a Markdown document for the incident channel. Pure (the caller
 * looks up the names and uploads it): people by name, dates as people write them. Free text is made inert: HTML characters become entities, so nothing a person
 * typed renders as markup.
 */

const inert = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const oneLine = (text: string) => inert(text.replace(/[\r\n\u2028\u2029]+/g, " ").trim());

function paragraph(heading: string, body: string | null): string[] {
  return [`## ${heading}`, "", body?.trim() ? inert(body.trim()) : "_Nothing recorded._", ""];
}

const bullets = (lines: string[], empty: string) =>
  lines.length ? lines.map((l) => `- ${inert(l)}`) : [`_${empty}_`];

export function reviewMarkdown(p: {
  reference: string;
  title: string;
  priority: string;
  timezone: string;
  review: ReviewRow;
  categoryLabel: string;
  lines: FactLines;
  actions: Array<Pick<ImprovementActionRow, "number" | "description" | "ownerId" | "dueOn">>;
  /** People's names by Slack id ("Dana Scully"); one not found reads "someone". */
  names: ReadonlyMap<string, string>;
}): string {
  const r = p.review;
  const name = (id: string) => person({ names: p.names, timezone: p.timezone }, id);
  const completed = r.completedAt ? formatReviewTime(r.completedAt, p.timezone) : "not completed";
  const actionRows = p.actions.map(
    (a) =>
      `| ${[formatActionReference(a.number), a.description, name(a.ownerId), formatDueOn(a.dueOn)].map(markdownCell).join(" | ")} |`,
  );
  const lines = [
    `# Post-incident review — ${oneLine(p.reference)}: ${oneLine(p.title)}`,
    "",
    `Priority ${p.priority}. Completed by ${oneLine(r.completedBy ? name(r.completedBy) : "someone")} on ${completed}. Times in ${p.timezone}.`,
    "",
    "## Key times",
    "",
    ...bullets(p.lines.times, "None recorded."),
    "",
    "## SLA",
    "",
    ...bullets(p.lines.sla, "No SLA clocks."),
    "",
    "## Breaches",
    "",
    ...bullets(p.lines.breaches, "None."),
    "",
    ...(p.lines.communications.length > 0 ? ["## Communications", "", ...p.lines.communications, ""] : []),
    ...(p.lines.callers?.length ? ["## Callers", "", ...p.lines.callers, ""] : []),
    `## Root cause (${oneLine(p.categoryLabel)})`,
    "",
    inert(r.rootCause?.trim() ?? ""),
    "",
    ...paragraph("Contributing factors", r.contributingFactors),
    ...paragraph("What went well", r.wentWell),
    ...paragraph("What did not go well", r.wentBadly),
    "## Preventive actions",
    "",
    ...(actionRows.length
      ? ["| Action | Description | Owner | Due |", "| --- | --- | --- | --- |", ...actionRows]
      : ["_None agreed._"]),
  ];
  return `${lines.join("\n")}\n`;
}
