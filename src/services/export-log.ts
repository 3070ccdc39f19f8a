import { DateTime } from "luxon";
import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { ERASED_MARK } from "../domain/incident.js";
import { describeEntry, humanise } from "../domain/log-describe.js";

/**
 * The incident log as a document: Markdown for people, CSV for spreadsheets and scripts. Pure
 * (no I/O); the caller uploads the result. Both carry only what the log holds, so the caller
 * reference's value never appears (the log records only that one was set).
 */

const LOCAL_FORMAT = "yyyy-MM-dd HH:mm:ss ZZZZ";
/** Zone abbreviations depend on the locale; pinning it keeps exports the same on every host. */
const LOCALE = "en-US";
const CRLF = "\r\n";
const CSV_HEADER = ["id", "time_utc", "time_local", "actor", "kind", "description", "details_json"];

type Entry = Pick<IncidentLogRow, "id" | "at" | "actor" | "kind" | "details">;

const isValidDate = (at: unknown): at is Date => at instanceof Date && Number.isFinite(at.getTime());

function localTime(at: unknown, timezone: string): string {
  if (!isValidDate(at)) return "invalid date";
  const local = DateTime.fromJSDate(at, { zone: timezone }).setLocale(LOCALE);
  return local.isValid ? local.toFormat(LOCAL_FORMAT) : "invalid time zone";
}

function localIso(at: unknown, timezone: string): string {
  if (!isValidDate(at)) return "invalid date";
  return DateTime.fromJSDate(at, { zone: timezone }).toISO() ?? "invalid time zone";
}

const utcTime = (at: unknown) => (isValidDate(at) ? at.toISOString() : "invalid date");

function detailsJson(details: unknown): string {
  try {
    return JSON.stringify(details) ?? "";
  } catch {
    return "[unserialisable]";
  }
}

const kindLabel = (kind: string) => {
  const name = humanise(String(kind));
  return name === "" ? "unknown" : name.charAt(0).toUpperCase() + name.slice(1);
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

function markdownRow(e: Entry, timezone: string): string {
  return row([
    localTime(e.at, timezone),
    utcTime(e.at),
    String(e.actor),
    kindLabel(e.kind),
    describeEntry(e),
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

/** The log as a Markdown document: heading, export line, and one table row per entry, in the order given. */
export function logToMarkdown(p: {
  reference: string;
  title: string;
  timezone: string;
  entries: IncidentLogRow[];
  exportedAt: Date;
  callerReference: CallerReferenceNote;
}): string {
  const count = `${p.entries.length} entr${p.entries.length === 1 ? "y" : "ies"}`;
  const lines = [
    `# ${headingText(p.reference)} — ${headingText(p.title)}`,
    "",
    `Exported ${localTime(p.exportedAt, p.timezone)} (${utcTime(p.exportedAt)}); ${count}.`,
    "",
    `Caller reference: ${CALLER_REFERENCE_NOTE[p.callerReference]}`,
    "",
    row([`Time (${p.timezone})`, "Time (UTC)", "Actor", "Event", "Details"]),
    "| --- | --- | --- | --- | --- |",
    ...p.entries.map((e) => markdownRow(e, p.timezone)),
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

function csvRecord(e: Entry, timezone: string): string[] {
  return [
    String(e.id),
    utcTime(e.at),
    localIso(e.at, timezone),
    String(e.actor),
    String(e.kind),
    describeEntry(e),
    detailsJson(e.details),
  ];
}

/**
 * The log as RFC 4180 CSV: a header row, then one record per entry in the order given; every
 * record (the last included) ends in CRLF. `time_local` is ISO 8601 with the zone's offset.
 */
export function logToCsv(entries: IncidentLogRow[], timezone: string): string {
  const records = [CSV_HEADER, ...entries.map((e) => csvRecord(e, timezone))];
  return records.map((fields) => fields.map(csvField).join(",") + CRLF).join("");
}
