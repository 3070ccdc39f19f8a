import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { ERASED_MARK } from "../domain/incident.js";
import { type DescribeContext, describeActor, describeEntry, humanise } from "../domain/log-describe.js";
import { readableDay, readableTime, yearIn } from "../domain/readable-time.js";

/**
 * The incident log as a document: Markdown for people, CSV for spreadsheets. Pure (no I/O);
 * the caller looks up names and uploads the result. Like the timeline, both show people and
 * channels by name and times in the policy's zone (`Sun 6 Dec 02:56 EST`), never a Slack id or
 * a UTC timestamp; unlike it, they keep every entry, delivery plumbing included, since an
 * export is the whole record. Both carry only what the log holds, so the caller reference's
 * value never appears (the log records only that one was set).
 */

const CRLF = "\r\n";
const CSV_HEADER = ["id", "year", "time", "who", "event", "description"];

type Entry = Pick<IncidentLogRow, "id" | "at" | "actor" | "kind" | "details">;

/** How an export names people, channels and times. */
export type ExportContext = DescribeContext;

const isValidDate = (at: unknown): at is Date => at instanceof Date && Number.isFinite(at.getTime());

const localTime = (at: unknown, timezone: string, year = false) =>
  isValidDate(at) ? readableTime(at, timezone, { year }) : "an unknown time";

/** Kinds whose names say less than they should on their own. */
const EVENT_LABELS: Record<string, string> = { created: "Incident logged", exported: "Log exported" };

/** Abbreviations people write in capitals: "SLA warning", not "Sla warning". */
const ACRONYMS = /\b(sla|dm|kpi|csv)\b/g;

/** "Note added" for `note_added`: the kind as people read it. */
export const eventLabel = (kind: unknown) => {
  const key = String(kind);
  if (Object.hasOwn(EVENT_LABELS, key)) return EVENT_LABELS[key]!;
  const name = humanise(key).replace(ACRONYMS, (word) => word.toUpperCase());
  return name === "" ? "Unknown" : name.charAt(0).toUpperCase() + name.slice(1);
};

/**
 * One GitHub-flavoured Markdown table cell: backslashes and pipes escaped, HTML's special
 * characters as entities (so no markup from the log is rendered), line breaks as `<br>`.
 */
export function markdownCell(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|")
    .replace(/\r\n|[\r\n\u2028\u2029]/g, "<br>");
}

const row = (cells: string[]) => `| ${cells.map(markdownCell).join(" | ")} |`;

function markdownRow(e: Entry, ctx: ExportContext): string {
  return row([
    localTime(e.at, ctx.timezone),
    describeActor(e.actor, ctx),
    eventLabel(e.kind),
    describeEntry(e, ctx),
  ]);
}

/** A heading line: one line, with Markdown's line-start and HTML characters made inert. */
function headingText(value: string): string {
  return value
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .trim();
}

/** What an export says of the caller reference; its value is personal data and never exported. */
type CallerReferenceNote = "recorded" | "erased" | "none";
const CALLER_REFERENCE_NOTE: Record<CallerReferenceNote, string> = {
  recorded: "recorded (personal data: shown on the incident card, not exported)",
  erased: `${ERASED_MARK} (retention period over)`,
  none: "none",
};

/** "from Wed 1 Jul 2026 to Mon 23 Nov 2026", or "" for no dated entries. */
function span(entries: readonly Entry[], timezone: string): string {
  const times = entries.map((e) => e.at).filter(isValidDate);
  if (times.length === 0) return "";
  const ms = times.map((t) => t.getTime());
  const day = (t: number) => readableDay(new Date(t), timezone);
  const first = day(Math.min(...ms));
  const last = day(Math.max(...ms));
  return first === last ? ` on ${first}` : ` from ${first} to ${last}`;
}

/** The log as a Markdown document: heading, export line, and one table row per entry, in the order given. */
export function logToMarkdown(
  p: {
    reference: string;
    title: string;
    entries: IncidentLogRow[];
    exportedAt: Date;
    callerReference: CallerReferenceNote;
  } & ExportContext,
): string {
  const count = `${p.entries.length} entr${p.entries.length === 1 ? "y" : "ies"}`;
  const zone = headingText(p.timezone);
  const lines = [
    `# ${headingText(p.reference)} — ${headingText(p.title)}`,
    "",
    `Exported ${localTime(p.exportedAt, p.timezone, true)}; ${count}${span(p.entries, p.timezone)}. Times are ${zone} time.`,
    "",
    `Caller reference: ${CALLER_REFERENCE_NOTE[p.callerReference]}`,
    "",
    row(["Time", "Who", "Event", "What happened"]),
    "| --- | --- | --- | --- |",
    ...p.entries.map((e) => markdownRow(e, p)),
  ];
  return `${lines.join("\n")}\n`;
}

/** Characters that make a spreadsheet treat a cell as a formula. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * Neutralises spreadsheet formula injection with a leading `'`. A value that already starts with
 * quotes before a trigger character gets one more, so removing exactly one `'` from any cell
 * matching /^'+[=+\-@\t\r]/ always gives back the original value.
 */
export function guardFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One RFC 4180 field: formula-guarded, then quoted (quotes doubled) if it holds , " CR or LF. */
export function csvField(value: string): string {
  const guarded = guardFormula(value);
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

function csvRecord(e: Entry, ctx: ExportContext): string[] {
  return [
    String(e.id),
    isValidDate(e.at) ? yearIn(e.at, ctx.timezone) : "",
    localTime(e.at, ctx.timezone),
    describeActor(e.actor, ctx),
    eventLabel(e.kind),
    describeEntry(e, ctx),
  ];
}

/**
 * The log as RFC 4180 CSV: a header row, then one record per entry in the order given; every
 * record (the last included) ends in CRLF. `time` is read in the policy's zone, with its year
 * in a column of its own so that each row still reads `Sun 6 Dec 02:56 EST`.
 */
export function logToCsv(entries: IncidentLogRow[], ctx: ExportContext): string {
  const records = [CSV_HEADER, ...entries.map((e) => csvRecord(e, ctx))];
  return records.map((fields) => fields.map(csvField).join(",") + CRLF).join("");
}
