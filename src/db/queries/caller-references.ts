import { sql } from "drizzle-orm";
import type { DbOrTx } from "../client.js";

/**
 * Erases up to `limit` caller references of incidents closed before `cutoff`: the value set to
 * null and `erased_at` stamped, and the incident log told (never the value) in the same
 * statement, so neither happens without the other. `for update skip locked`: two workers
 * erasing at once take disjoint incidents. Returns how many were erased.
 */
export async function eraseCallerReferences(
  db: DbOrTx,
  p: { cutoff: Date; limit: number; actor: string; retention: string },
): Promise<number> {
  const rows = await db.execute(sql`
    with due as (
      select cr.incident_id, i.closed_at
      from caller_references cr
      join incidents i on i.id = cr.incident_id
      where cr.erased_at is null
        and i.status = 'closed'
        and i.closed_at < ${p.cutoff.toISOString()}::timestamptz
      order by i.closed_at
      limit ${p.limit}
      for update of cr skip locked
    ),
    erased as (
      update caller_references cr
      set value = null, erased_at = now()
      from due
      where cr.incident_id = due.incident_id
      returning cr.incident_id, due.closed_at
    )
    insert into incident_log (incident_id, actor, kind, details)
    select incident_id, ${p.actor}, 'caller_reference_erased',
           jsonb_build_object('reason', 'retention', 'retention', ${p.retention}::text, 'closedAt', closed_at)
    from erased
    returning incident_id
  `);
  return rows.length;
}

/** Incidents with a pinned card whose caller reference was erased since `since`. */
export async function erasedSinceWithCard(db: DbOrTx, since: Date): Promise<string[]> {
  const rows = await db.execute<{ incident_id: string }>(sql`
    select cr.incident_id
    from caller_references cr
    join incidents i on i.id = cr.incident_id
    where cr.erased_at > ${since.toISOString()}::timestamptz and i.summary_ts is not null
  `);
  return rows.map((r) => r.incident_id);
}

/**
 * Erases the caller details (caller reference, callback contact) of up to `limit` caller
 * reports of incidents closed before `cutoff`: set to null and `erased_at` stamped, with one
 * log line per incident saying how many reports (never a value), in the same statement.
 * `for update skip locked` as above. Returns how many reports were erased.
 */
export async function eraseCallerReportContacts(
  db: DbOrTx,
  p: { cutoff: Date; limit: number; actor: string; retention: string },
): Promise<number> {
  const rows = await db.execute<{ reports: string }>(sql`
    with due as (
      select c.report_id, r.incident_id, i.closed_at
      from caller_report_contacts c
      join caller_reports r on r.id = c.report_id
      join incidents i on i.id = r.incident_id
      where c.erased_at is null
        and i.status = 'closed'
        and i.closed_at < ${p.cutoff.toISOString()}::timestamptz
      order by i.closed_at, c.report_id
      limit ${p.limit}
      for update of c skip locked
    ),
    erased as (
      update caller_report_contacts c
      set caller_reference = null, callback_contact = null, erased_at = now()
      from due
      where c.report_id = due.report_id
      returning due.incident_id, due.closed_at
    ),
    logged as (
      insert into incident_log (incident_id, actor, kind, details)
      select incident_id, ${p.actor}, 'caller_reference_erased',
             jsonb_build_object('reason', 'retention', 'retention', ${p.retention}::text, 'closedAt', min(closed_at),
                                'what', 'callers'' details', 'count', count(*))
      from erased
      group by incident_id
      returning details
    )
    select coalesce(sum((details->>'count')::int), 0) as reports from logged
  `);
  return Number(rows[0]?.reports ?? 0);
}
