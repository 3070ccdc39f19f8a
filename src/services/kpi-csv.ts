import { DateTime } from "luxon";
import type { DbOrTx } from "../db/client.js";
import { kpiCsvPage } from "../db/queries/kpi.js";
import type { Priority } from "../domain/incident.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { csvField } from "./export-log.js";

/**
 * The incidents of a report period as RFC 4180 CSV (the conventions of export-log.ts: CRLF after
 * every record, formula-guarded fields, quoted when needed). Read from PostgreSQL a page at a time
 * in (logged_at, number) order, so a year of incidents never sits in memory as rows.
 *
 * `major` and `escalation_level` are what the card and the log say: major as the card marks it
 * (isMajor), and the highest level the log records an escalation to, automatic or by hand. The
 * incident row's `escalation_level` column only tracks escalations by hand.
 *
 * Personal data stays out: no caller reference (it lives in its own table and is never joined),
 * and no free text beyond the title, which stakeholders see anyway. Callers are counts only
 * (`callers`, `callbacks_wanted`): who called never leaves caller_report_contacts.
 */

const KPI_CSV_HEADER = [
  "reference",
  "title",
  "type",
  "priority",
  "major",
  "status",
  "close_code",
  "report_channel",
  "affected_service",
  "logged_at_utc",
  "logged_at_local",
  "acknowledged_at_utc",
  "resolved_at_utc",
  "closed_at_utc",
  "minutes_to_acknowledge",
  "minutes_to_resolve",
  "respond_due_at_utc",
  "respond_breached",
  "resolve_due_at_utc",
  "resolve_breached",
  "reopen_count",
  "escalation_level",
  "owner",
  "reporter",
  "callers",
  "callbacks_wanted",
] as const;

const PAGE_SIZE = 2_000;
const CRLF = "\r\n";

type Row = Record<string, unknown>;

const text = (v: unknown) => (v === null || v === undefined ? "" : String(v));

function record(r: Row, timezone: string): string[] {
  const local = DateTime.fromISO(String(r.logged_at), { zone: timezone }).toISO() ?? "";
  return [
    formatReference(Number(r.number)),
    text(r.title),
    text(r.type),
    text(r.priority),
    // The card's definition (isMajor), not the flag alone: an incident whose priority makes it
    // major though its flag was never set is MAJOR on the card, so it is major here.
    isMajor({ priority: r.priority as Priority, major: r.major === true }) ? "yes" : "no",
    text(r.status),
    text(r.close_code),
    text(r.report_channel),
    text(r.affected_service),
    text(r.logged_at),
    local,
    text(r.acknowledged_at),
    text(r.resolved_at),
    text(r.closed_at),
    text(r.tta_min),
    text(r.ttr_min),
    text(r.respond_due),
    r.respond_due === null ? "" : r.respond_breached === true ? "yes" : "no",
    text(r.resolve_due),
    r.resolve_due === null ? "" : r.resolve_breached === true ? "yes" : "no",
    text(r.reopen_count),
    text(r.escalation_level),
    text(r.owner_id),
    text(r.reporter_id),
    text(r.callers),
    text(r.callbacks_wanted),
  ];
}

const line = (fields: readonly string[]) => fields.map(csvField).join(",") + CRLF;

/** The CSV in chunks (header first), one per page of incidents, in logging order. */
export async function* kpiCsvChunks(
  db: DbOrTx,
  p: { from: Date; to: Date; timezone: string },
): AsyncGenerator<{ text: string; incidents: number }> {
  yield { text: line(KPI_CSV_HEADER), incidents: 0 };
  let after: { at: string; number: number } | null = null;
  for (;;) {
    const rows = (await kpiCsvPage(db, { from: p.from, to: p.to, after, limit: PAGE_SIZE })) as Row[];
    if (rows.length === 0) return;
    yield { text: rows.map((r) => line(record(r, p.timezone))).join(""), incidents: rows.length };
    const last = rows[rows.length - 1]!;
    // The cursor keeps PostgreSQL's full (microsecond) precision, so no row is skipped or repeated.
    after = { at: String(last.cursor_at), number: Number(last.number) };
    if (rows.length < PAGE_SIZE) return;
  }
}

/** The whole CSV as bytes (Slack's upload needs the length first) and how many incidents it lists. */
export async function kpiCsv(
  db: DbOrTx,
  p: { from: Date; to: Date; timezone: string },
): Promise<{ bytes: Buffer; incidents: number }> {
  const parts: Buffer[] = [];
  let incidents = 0;
  for await (const chunk of kpiCsvChunks(db, p)) {
    parts.push(Buffer.from(chunk.text, "utf8"));
    incidents += chunk.incidents;
  }
  return { bytes: Buffer.concat(parts), incidents };
}
