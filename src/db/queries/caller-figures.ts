import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { type CallerBreakdown, type CallerKpi, NO_BREAKDOWN } from "../../domain/caller-figures.js";
import { REPORT_CHANNELS } from "../../domain/incident.js";
import type { DbOrTx } from "../client.js";
import type { IncidentRow } from "../schema/index.js";
import { incidents } from "../schema/index.js";
import { CALLBACK_COUNTS } from "./callbacks.js";

/**
 * Caller counts for the surfaces beyond the card (review, Home, KPI). Only caller_reports is
 * read: caller_report_contacts, the personal data, is never joined here.
 */

const BreakdownRow = z.object({
  channel: z.enum(REPORT_CHANNELS).nullable(),
  callers: z.coerce.number(),
  callbacks_wanted: z.coerce.number(),
  callbacks_outstanding: z.coerce.number(),
  callbacks_reached_no_one: z.coerce.number(),
});

/** One incident's callers by report channel, and its callbacks wanted and made. */
export async function callerBreakdownOf(db: DbOrTx, incidentId: string): Promise<CallerBreakdown> {
  const rows = await db.execute(sql`
    select report_channel::text as channel, count(*) as callers,
           ${CALLBACK_COUNTS}
    from caller_reports as r where incident_id = ${incidentId}::uuid
    group by grouping sets ((report_channel), ())
    order by grouping(report_channel) desc, callers desc, channel`);
  const parsed = rows.map((r) => BreakdownRow.parse(r));
  const total = parsed.find((r) => r.channel === null);
  if (!total || total.callers === 0) return { ...NO_BREAKDOWN, byChannel: [] };
  return {
    callers: total.callers,
    byChannel: parsed.flatMap((r) => (r.channel ? [{ channel: r.channel, count: r.callers }] : [])),
    callbacksWanted: total.callbacks_wanted,
    callbacksMade: total.callbacks_wanted - total.callbacks_outstanding,
    callbacksReachedNoOne: total.callbacks_reached_no_one,
  };
}

/**
 * Resolved or closed incidents whose callers still wait for a callback (wanted, no outcome yet),
 * those resolved first at the top, at most `limit`: the Home tab's "Callbacks to make".
 */
export async function incidentsWithCallbacksToMake(db: DbOrTx, limit: number): Promise<IncidentRow[]> {
  const waiting = sql`exists (select 1 from caller_reports r
    where r.incident_id = ${incidents.id} and r.callback <> 'no' and r.callback_outcome is null)`;
  return db
    .select()
    .from(incidents)
    .where(
      // A practice drill's callers are made up: nobody is called back (issue 23).
      sql`${incidents.status} in ('resolved', 'closed') and ${incidents.mergedIntoId} is null
        and ${incidents.practiceRunId} is null and ${waiting}`,
    )
    .orderBy(incidents.resolvedAt, incidents.number)
    .limit(limit);
}

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v ?? 0);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Contacts per incident for the incidents logged in [from, to) (`inPeriod` is the KPI module's
 * predicate on `i`): mean and median over all of them (an incident without callers counts 0),
 * per priority, and contacts by the report channel of each caller report.
 */
export async function callerKpi(db: DbOrTx, inPeriod: SQL): Promise<CallerKpi> {
  const perIncident = sql`
    select i.priority::text as priority,
      (select count(*) from caller_reports r where r.incident_id = i.id) as contacts
    from incidents i where ${inPeriod}`;
  const grouped = [
    ...(await db.execute(sql`
    with p as (${perIncident})
    select priority, grouping(priority) as all_rows, count(*)::int as incidents,
      coalesce(sum(contacts), 0)::int as contacts, avg(contacts)::float8 as mean,
      percentile_cont(0.5) within group (order by contacts)::float8 as median
    from p group by grouping sets ((priority), ()) order by grouping(priority) desc, priority`)),
  ] as Row[];
  const byChannel = [
    ...(await db.execute(sql`
    select r.report_channel::text as channel, count(*)::int as n
    from caller_reports r join incidents i on i.id = r.incident_id
    where ${inPeriod}
    group by 1 order by n desc, 1`)),
  ] as Row[];
  const total = grouped.find((r) => num(r.all_rows) === 1);
  return {
    contacts: num(total?.contacts),
    incidents: num(total?.incidents),
    mean: numOrNull(total?.mean),
    median: numOrNull(total?.median),
    byPriority: grouped
      .filter((r) => num(r.all_rows) === 0)
      .map((r) => ({
        priority: String(r.priority),
        incidents: num(r.incidents),
        contacts: num(r.contacts),
        mean: numOrNull(r.mean),
      })),
    byChannel: byChannel.map((r) => ({ key: String(r.channel), count: num(r.n) })),
  };
}
