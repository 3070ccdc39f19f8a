import { sql } from "drizzle-orm";
import { z } from "zod";
import {
  type CallbackWanted,
  type CallerCounts,
  NO_CALLERS,
  RECENT_CALLERS_MS,
} from "../../domain/callers.js";
import type { ReportChannel } from "../../domain/incident.js";
import type { DbOrTx } from "../client.js";
import { CALLBACK_COUNTS } from "./callbacks.js";

export interface NewCallerReportInput {
  incidentId: string;
  reportChannel: ReportChannel;
  contactedAt: Date;
  said: string | null;
  callback: CallbackWanted;
  reportedBy: string;
  /** The form's view id: the same submission twice adds one report. */
  submissionKey: string | null;
  callerReference: string | null;
  callbackContact: string | null;
}

/**
 * Adds a caller report and its personal data in one statement. Returns its id and whether it
 * was added now (false: this submission was seen before, and nothing was written).
 */
export async function insertCallerReport(
  db: DbOrTx,
  r: NewCallerReportInput,
): Promise<{ id: string; created: boolean }> {
  const [row] = await db.execute<{ id: string; created: boolean }>(sql`
    with added as (
      insert into caller_reports (incident_id, report_channel, contacted_at, said, callback, reported_by, submission_key)
      values (${r.incidentId}::uuid, ${r.reportChannel}, ${r.contactedAt.toISOString()}::timestamptz, ${r.said},
              ${r.callback}, ${r.reportedBy}, ${r.submissionKey})
      on conflict (submission_key) do nothing
      returning id
    ),
    contact as (
      insert into caller_report_contacts (report_id, caller_reference, callback_contact)
      select id, ${r.callerReference}, ${r.callbackContact} from added
    )
    select id, true as created from added
    union all
    select id, false as created from caller_reports
    where submission_key = ${r.submissionKey} and not exists (select 1 from added)`);
  if (!row) throw new Error("caller report neither added nor found");
  return row;
}

const CountsRow = z.object({
  incident_id: z.string(),
  callers: z.coerce.number(),
  recent: z.coerce.number(),
  callbacks_wanted: z.coerce.number(),
  callbacks_outstanding: z.coerce.number(),
  callbacks_reached_no_one: z.coerce.number(),
});

/** Caller counts of each incident (incidents without callers are absent: read NO_CALLERS). */
export async function callerCountsFor(
  db: DbOrTx,
  incidentIds: string[],
  now: Date,
): Promise<Map<string, CallerCounts>> {
  if (incidentIds.length === 0) return new Map();
  const since = new Date(now.getTime() - RECENT_CALLERS_MS);
  const rows = await db.execute(sql`
    select incident_id,
           count(*) as callers,
           count(*) filter (where contacted_at > ${since.toISOString()}::timestamptz) as recent,
           ${CALLBACK_COUNTS}
    from caller_reports as r
    where incident_id = any(${sql.param(incidentIds)}::uuid[])
    group by incident_id`);
  return new Map(
    rows.map((raw) => {
      const r = CountsRow.parse(raw);
      return [
        r.incident_id,
        {
          callers: r.callers,
          recent: r.recent,
          callbacksWanted: r.callbacks_wanted,
          callbacksOutstanding: r.callbacks_outstanding,
          callbacksReachedNoOne: r.callbacks_reached_no_one,
        },
      ];
    }),
  );
}

/** Caller counts of one incident. */
export async function callerCountsOf(db: DbOrTx, incidentId: string, now: Date): Promise<CallerCounts> {
  return (await callerCountsFor(db, [incidentId], now)).get(incidentId) ?? { ...NO_CALLERS };
}

/** How many callers the incident has (the Add a caller answer's "Callers so far"). */
export async function callerTotal(db: DbOrTx, incidentId: string): Promise<number> {
  const [row] = await db.execute<{ n: string }>(sql`
    select count(*) as n from caller_reports where incident_id = ${incidentId}::uuid`);
  return Number(row?.n ?? 0);
}

/**
 * Whether at least `atLeast` callers of the incident got in touch after `since`: counts no
 * further than that, so a flood's every caller costs a few index entries, not all of them.
 */
export async function callersReach(
  db: DbOrTx,
  p: { incidentId: string; since: Date; atLeast: number },
): Promise<number> {
  const [row] = await db.execute<{ n: string }>(sql`
    select count(*) as n from (
      select 1 from caller_reports
      where incident_id = ${p.incidentId}::uuid and contacted_at > ${p.since.toISOString()}::timestamptz
      limit ${p.atLeast}) as upto`);
  return Number(row?.n ?? 0);
}

/** How many callers of the incident got in touch after `since` (the caller-volume window). */
export async function callersSince(db: DbOrTx, incidentId: string, since: Date): Promise<number> {
  const [row] = await db.execute<{ n: string }>(sql`
    select count(*) as n from caller_reports
    where incident_id = ${incidentId}::uuid and contacted_at > ${since.toISOString()}::timestamptz`);
  return Number(row?.n ?? 0);
}

/** Whether this person recorded a caller of the incident (they took a call about it). */
export async function tookCallAbout(db: DbOrTx, incidentId: string, userId: string): Promise<boolean> {
  const [row] = await db.execute<{ took: boolean }>(sql`
    select exists(select 1 from caller_reports
                  where incident_id = ${incidentId}::uuid and reported_by = ${userId}) as took`);
  return row?.took === true;
}

/**
 * Moves every caller report of a duplicate to its master, each remembering the duplicate in
 * `moved_from_incident_id`; returns how many moved.
 */
export async function moveCallerReports(db: DbOrTx, p: { from: string; to: string }): Promise<number> {
  const [row] = await db.execute<{ moved: string }>(sql`
    with moved as (
      update caller_reports set incident_id = ${p.to}::uuid, moved_from_incident_id = ${p.from}::uuid
      where incident_id = ${p.from}::uuid
      returning 1
    )
    select count(*) as moved from moved`);
  return Number(row?.moved ?? 0);
}
