import { asc, eq, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { LogKind } from "../../domain/log.js";
import type { DbOrTx } from "../client.js";
import { incidentLog } from "../schema/index.js";

export interface LogEntry {
  incidentId: string;
  actor: string;
  kind: LogKind;
  details?: Record<string, unknown>;
}

export async function appendLog(db: DbOrTx, entry: LogEntry | LogEntry[]): Promise<void> {
  const rows = Array.isArray(entry) ? entry : [entry];
  if (rows.length === 0) return;
  await db.execute(logInsert(rows));
}

/**
 * The insert of `rows`, as a statement of its own or a part of a larger one. Array
 * parameters, so the statement's text (and its prepared plan) is the same for one entry or
 * forty; `ordinality` keeps the entries' order in their ids.
 */
export function logInsert(rows: LogEntry[]): SQL {
  const columns = logColumns(rows);
  return logInsertOf({
    incidentId: sql.param(columns.log_incident_id),
    actor: sql.param(columns.log_actor),
    kind: sql.param(columns.log_kind),
    details: sql.param(columns.log_details),
  });
}

/** logInsert with placeholders, for a prepared statement; `logColumns` gives their values. */
export const LOG_INSERT_PLACEHOLDERS: SQL = logInsertOf({
  incidentId: sql.placeholder("log_incident_id"),
  actor: sql.placeholder("log_actor"),
  kind: sql.placeholder("log_kind"),
  details: sql.placeholder("log_details"),
});

/** The entries as the four arrays logInsert unnests, named as its placeholders are. */
export function logColumns(rows: LogEntry[]) {
  return {
    log_incident_id: rows.map((r) => r.incidentId),
    log_actor: rows.map((r) => r.actor),
    log_kind: rows.map((r) => r.kind),
    log_details: rows.map((r) => JSON.stringify(r.details ?? {})),
  };
}

function logInsertOf(arrays: Record<"incidentId" | "actor" | "kind" | "details", SQLWrapper>): SQL {
  return sql`
    insert into incident_log (incident_id, actor, kind, details)
    select incident_id, actor, kind, details from unnest(
      ${arrays.incidentId}::uuid[], ${arrays.actor}::text[], ${arrays.kind}::text[],
      ${arrays.details}::text[]::jsonb[]
    ) with ordinality as t(incident_id, actor, kind, details, n)
    order by n`;
}

/**
 * Logs `entry` once for each row `source` yields (a CTE or subquery with an `incident_id`
 * column, and any condition or order after it), as part of a larger statement: the entry is
 * written exactly when the change that causes it is.
 */
export function logEntryPer(source: SQL, entry: Omit<LogEntry, "incidentId">): SQL {
  return sql`
    insert into incident_log (incident_id, actor, kind, details)
    select incident_id, ${entry.actor}, ${entry.kind}, ${JSON.stringify(entry.details ?? {})}::jsonb
    from ${source}`;
}

/** For steps that may run again after a crash: records the entry only the first time. */
export async function appendLogOnce(db: DbOrTx, entry: LogEntry): Promise<void> {
  await db.execute(
    logEntryPer(
      sql`(select ${entry.incidentId}::uuid as incident_id) as one
        where not exists (select 1 from incident_log where incident_id = one.incident_id and kind = ${entry.kind})`,
      entry,
    ),
  );
}

/**
 * Records the entry unless the log has one of its kind whose details include its details (the
 * owner invited to this channel, say). Under a lock per incident and kind, so two writers at
 * once write it once.
 */
export async function appendLogOnceMatching(
  db: DbOrTx,
  entry: LogEntry & { details: Record<string, unknown> },
) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`log:${entry.incidentId}:${entry.kind}`}))`);
    await tx.execute(
      logEntryPer(
        sql`(select ${entry.incidentId}::uuid as incident_id) as one
          where not exists (select 1 from incident_log where incident_id = one.incident_id
            and kind = ${entry.kind} and details @> ${JSON.stringify(entry.details)}::jsonb)`,
        entry,
      ),
    );
  });
}

/** Whether the incident's log has an entry of `kind` whose details include `details` (jsonb containment). */
export async function hasLogEntry(
  db: DbOrTx,
  p: { incidentId: string; kind: LogKind; details: Record<string, unknown> },
): Promise<boolean> {
  const rows = (await db.execute(sql`
    select 1 as one from incident_log
    where incident_id = ${p.incidentId} and kind = ${p.kind} and details @> ${JSON.stringify(p.details)}::jsonb
    limit 1`)) as unknown as unknown[];
  return rows.length > 0;
}

export function listLog(db: DbOrTx, incidentId: string) {
  return db
    .select()
    .from(incidentLog)
    .where(eq(incidentLog.incidentId, incidentId))
    .orderBy(asc(incidentLog.id));
}
