import { type SQL, sql } from "drizzle-orm";
import type { Priority } from "../../domain/incident.js";
import type {
  Counted,
  DayFigures,
  EscalationFigures,
  KpiFigures,
  PriorityFigures,
} from "../../domain/kpi.js";
import type { Db, DbOrTx } from "../client.js";
import { asReport, reportStatementTimeout } from "../report-reads.js";
import { inOneSnapshot } from "../snapshot.js";
import { callerKpi } from "./caller-figures.js";

/**
 * The KPI report's figures, computed in PostgreSQL with a few grouped queries: no incident row
 * comes into memory. Definitions are in domain/kpi.ts; the SQL below is their one
 * implementation. `asOf` is the report's "now": an unanswered incident is late once a running
 * deadline is before it.
 */
export interface KpiQuery {
  from: Date;
  to: Date;
  timezone: string;
  asOf: Date;
}

/** A timestamp parameter (the driver is set up to pass dates as text). */
export const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * One row per incident logged in [from, to), with its local day and the respond and resolve
 * outcome (met | missed | pending | null when the incident has no such clock).
 */
function classified(q: KpiQuery): SQL {
  return sql`
    select i.id, i.priority, i.type, i.report_channel, i.affected_service,
      i.logged_at, i.acknowledged_at, i.resolved_at, i.reopen_count,
      to_char(i.logged_at at time zone ${q.timezone}, 'YYYY-MM-DD') as day,
      case
        when rc.id is null then null
        when rc.breached_at is not null
          or coalesce(i.acknowledged_at, i.resolved_at) > rc.due_at
          or (coalesce(i.acknowledged_at, i.resolved_at) is null and rc.state = 'running' and rc.due_at <= ${at(q.asOf)})
          then 'missed'
        when coalesce(i.acknowledged_at, i.resolved_at) is not null then 'met'
        else 'pending'
      end as respond,
      case
        when sc.id is null then null
        when sc.breached_at is not null
          or i.resolved_at > sc.due_at
          or (i.resolved_at is null and sc.state = 'running' and sc.due_at <= ${at(q.asOf)})
          then 'missed'
        when i.resolved_at is not null then 'met'
        else 'pending'
      end as resolve
    from incidents i
    left join sla_clocks rc on rc.incident_id = i.id and rc.name = 'respond'
    left join sla_clocks sc on sc.incident_id = i.id and sc.name = 'resolve'
    where ${inPeriod(q)}`;
}

/**
 * The highest escalation level an incident reached, as its log records it: every
 * `escalation_sent` entry counts, automatic ladder steps and `/incident escalate` alike (the
 * same entries escalationCounts counts); 0 when it was never escalated. `incidentId` is the SQL
 * of the incident's id in the enclosing query. A level that is not a whole number (a damaged
 * entry) is left out rather than failing the whole export.
 */
export function escalationLevelReached(incidentId: SQL): SQL {
  return sql`coalesce((
    select max((l.details->>'level')::int)
    from incident_log l
    where l.incident_id = ${incidentId} and l.kind = 'escalation_sent'
      and l.details->>'level' ~ '^[0-9]{1,9}$'
  ), 0)`;
}

// A practice drill (issue 23) is never counted: every figure reads the period through here.
const inPeriod = (q: KpiQuery) =>
  sql`i.logged_at >= ${at(q.from)} and i.logged_at < ${at(q.to)} and i.practice_run_id is null`;

type Row = Record<string, unknown>;
const rows = async (db: DbOrTx, query: SQL): Promise<Row[]> => [...(await db.execute(query))] as Row[];
const num = (v: unknown) => Number(v ?? 0);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Per priority and for all priorities: SLA outcomes, MTTA/MTTR percentiles, reopen figures. */
export async function priorityFigures(db: DbOrTx, q: KpiQuery): Promise<PriorityFigures[]> {
  const result = await rows(
    db,
    sql`
    with c as (${classified(q)}),
    t as (
      select c.*,
        extract(epoch from acknowledged_at - logged_at) as tta,
        extract(epoch from resolved_at - logged_at) as ttr
      from c
    )
    select priority::text as priority, grouping(priority) as all_rows,
      count(*)::int as incidents,
      count(*) filter (where respond = 'met')::int as respond_met,
      count(*) filter (where respond = 'missed')::int as respond_missed,
      count(*) filter (where resolve = 'met')::int as resolve_met,
      count(*) filter (where resolve = 'missed')::int as resolve_missed,
      count(acknowledged_at)::int as acknowledged,
      count(resolved_at)::int as resolved,
      percentile_cont(0.5) within group (order by tta)::float8 as mtta_p50,
      percentile_cont(0.9) within group (order by tta)::float8 as mtta_p90,
      percentile_cont(0.5) within group (order by ttr)::float8 as mttr_p50,
      percentile_cont(0.9) within group (order by ttr)::float8 as mttr_p90,
      count(*) filter (where resolved_at is not null or reopen_count > 0)::int as ever_resolved,
      count(*) filter (where reopen_count > 0)::int as reopened
    from t
    group by grouping sets ((priority), ())
    order by grouping(priority), priority`,
  );
  return result.map((r) => ({
    priority: num(r.all_rows) === 1 ? null : (r.priority as Priority),
    incidents: num(r.incidents),
    respond: { met: num(r.respond_met), missed: num(r.respond_missed) },
    resolve: { met: num(r.resolve_met), missed: num(r.resolve_missed) },
    acknowledged: num(r.acknowledged),
    resolved: num(r.resolved),
    mttaMedian: numOrNull(r.mtta_p50),
    mttaP90: numOrNull(r.mtta_p90),
    mttrMedian: numOrNull(r.mttr_p50),
    mttrP90: numOrNull(r.mttr_p90),
    everResolved: num(r.ever_resolved),
    reopened: num(r.reopened),
  }));
}

/** Incidents and SLA outcomes per local day and priority: the chart's data. */
export async function dailyFigures(db: DbOrTx, q: KpiQuery): Promise<DayFigures[]> {
  const result = await rows(
    db,
    sql`
    with c as (${classified(q)})
    select day, priority::text as priority, count(*)::int as incidents,
      count(*) filter (where respond = 'met')::int as respond_met,
      count(*) filter (where respond = 'missed')::int as respond_missed,
      count(*) filter (where resolve = 'met')::int as resolve_met,
      count(*) filter (where resolve = 'missed')::int as resolve_missed
    from c group by day, priority order by day, priority`,
  );
  return result.map((r) => ({
    day: String(r.day),
    priority: r.priority as Priority,
    incidents: num(r.incidents),
    respond: { met: num(r.respond_met), missed: num(r.respond_missed) },
    resolve: { met: num(r.resolve_met), missed: num(r.resolve_missed) },
  }));
}

/** Incident counts by type and by report channel, in one pass. */
export async function breakdowns(
  db: DbOrTx,
  q: KpiQuery,
): Promise<{ byType: Counted[]; byChannel: Counted[] }> {
  const result = await rows(
    db,
    sql`
    select type, report_channel::text as channel, grouping(type) as by_channel, count(*)::int as n
    from incidents i where ${inPeriod(q)}
    group by grouping sets ((type), (report_channel))
    order by n desc, type, channel`,
  );
  const pick = (byChannel: boolean) =>
    result
      .filter((r) => (num(r.by_channel) === 1) === byChannel)
      .map((r) => ({ key: String(byChannel ? r.channel : r.type), count: num(r.n) }));
  return { byType: pick(false), byChannel: pick(true) };
}

/** Breached SLA clocks of the period's incidents, by clock name (sla_events `breach` steps). */
export async function breachCounts(db: DbOrTx, q: KpiQuery): Promise<Counted[]> {
  const result = await rows(
    db,
    sql`
    select c.name, count(*)::int as n
    from sla_events e
    join sla_clocks c on c.id = e.clock_id
    join incidents i on i.id = c.incident_id
    where e.step = 'breach' and ${inPeriod(q)}
    group by c.name order by n desc, c.name`,
  );
  return result.map((r) => ({ key: String(r.name), count: num(r.n) }));
}

/** Escalation DMs by authority level, automatic and manual apart (from the audit log). */
export async function escalationCounts(db: DbOrTx, q: KpiQuery): Promise<EscalationFigures[]> {
  const result = await rows(
    db,
    sql`
    select coalesce((l.details->>'level')::int, 0) as level,
      coalesce((l.details->>'manual')::boolean, false) as manual,
      count(*)::int as sent, count(distinct l.incident_id)::int as incidents
    from incident_log l
    join incidents i on i.id = l.incident_id
    where l.kind = 'escalation_sent' and ${inPeriod(q)}
    group by 1, 2 order by 1, 2`,
  );
  return result.map((r) => ({
    level: num(r.level),
    manual: r.manual === true,
    sent: num(r.sent),
    incidents: num(r.incidents),
  }));
}

/** Most frequent root-cause categories of the period's completed reviews. */
export async function rootCauseCounts(db: DbOrTx, q: KpiQuery, limit = 5): Promise<Counted[]> {
  const result = await rows(
    db,
    sql`
    select coalesce(r.root_cause_category, 'uncategorised') as category, count(*)::int as n
    from reviews r join incidents i on i.id = r.incident_id
    where r.status = 'completed' and ${inPeriod(q)}
    group by 1 order by n desc, 1 limit ${limit}`,
  );
  return result.map((r) => ({ key: String(r.category), count: num(r.n) }));
}

/** Services with the most incidents in the period (recurring problems first). */
export async function serviceCounts(db: DbOrTx, q: KpiQuery, limit = 5): Promise<Counted[]> {
  const result = await rows(
    db,
    sql`
    select affected_service as service, count(*)::int as n
    from incidents i where ${inPeriod(q)} and affected_service is not null and affected_service <> ''
    group by 1 order by n desc, 1 limit ${limit}`,
  );
  return result.map((r) => ({ key: String(r.service), count: num(r.n) }));
}

/** The improvement-action backlog now: open actions and those past their due time. */
export async function actionBacklog(db: DbOrTx, asOf: Date): Promise<{ open: number; overdue: number }> {
  const [r] = await rows(
    db,
    sql`
    select count(*)::int as open, count(*) filter (where due_at <= ${at(asOf)})::int as overdue
    from improvement_actions a where status = 'open'
      and not exists (select 1 from incidents i where i.id = a.incident_id and i.practice_run_id is not null)`,
  );
  return { open: num(r?.open), overdue: num(r?.overdue) };
}

/**
 * Communications about the period's incidents, by channel: stakeholder posts in Slack, emails
 * and webhooks sent to the plan's audiences, and communications logged by hand (their channel).
 */
export async function communicationCounts(db: DbOrTx, q: KpiQuery): Promise<Counted[]> {
  const result = await rows(
    db,
    sql`
    select case
        when l.kind = 'communication_sent' then coalesce(l.details->>'via', 'email')
        when l.kind = 'communication_logged' then coalesce(l.details->>'channel', 'other')
        else 'slack' end as channel,
      count(*)::int as n
    from incident_log l
    join incidents i on i.id = l.incident_id
    where l.kind in ('announcement_posted', 'milestone_posted', 'update_posted',
                     'communication_sent', 'communication_logged')
      and ${inPeriod(q)}
    group by 1 order by n desc, 1`,
  );
  return result.map((r) => ({ key: String(r.channel), count: num(r.n) }));
}

/**
 * Every figure of the report, read in one snapshot (inOneSnapshot): the queries run side by
 * side, each a single grouped scan, and an incident logged while they run is in every figure
 * or in none, so the report's counts add up.
 */
export async function kpiFigures(db: Db, q: KpiQuery): Promise<KpiFigures> {
  const [
    byPriority,
    daily,
    split,
    breaches,
    escalations,
    rootCauses,
    services,
    actions,
    communications,
    callers,
  ] = await asReport(() =>
    inOneSnapshot(
      db,
      [
        (tx) => priorityFigures(tx, q),
        (tx) => dailyFigures(tx, q),
        (tx) => breakdowns(tx, q),
        (tx) => breachCounts(tx, q),
        (tx) => escalationCounts(tx, q),
        (tx) => rootCauseCounts(tx, q),
        (tx) => serviceCounts(tx, q),
        (tx) => actionBacklog(tx, q.asOf),
        (tx) => communicationCounts(tx, q),
        (tx) => callerKpi(tx, inPeriod(q)),
      ] as const,
      { first: reportStatementTimeout },
    ),
  );
  return {
    ...split,
    byPriority,
    daily,
    breaches,
    escalations,
    rootCauses,
    services,
    actions,
    communications,
    callers,
  };
}

/** ISO 8601 in UTC with milliseconds, formatted by PostgreSQL. */
const utc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * One page of the KPI CSV's incidents, in (logged_at, number) order after the cursor `after`,
 * times as ISO 8601 in UTC; no caller reference (its table is never joined), and of the callers
 * only their counts (caller_report_contacts is never joined either).
 */
export async function kpiCsvPage(
  db: DbOrTx,
  p: { from: Date; to: Date; after: { at: string; number: number } | null; limit: number },
): Promise<Record<string, unknown>[]> {
  const after = p.after
    ? sql`and (i.logged_at, i.number) > (${p.after.at}::timestamptz, ${p.after.number})`
    : sql``;
  return asReport(() =>
    db.transaction(async (tx) => {
      await tx.execute(reportStatementTimeout);
      return [...(await tx.execute(pageQuery(p, after)))];
    }),
  );
}

function pageQuery(p: { from: Date; to: Date; limit: number }, after: SQL): SQL {
  return sql`
    select i.number, i.title, i.type, i.priority::text as priority, i.major, i.status::text as status,
      i.close_code::text as close_code, i.report_channel::text as report_channel, i.affected_service,
      i.logged_at::text as cursor_at, ${utc("i.logged_at")} as logged_at,
      ${utc("i.acknowledged_at")} as acknowledged_at, ${utc("i.resolved_at")} as resolved_at,
      ${utc("i.closed_at")} as closed_at,
      round(extract(epoch from i.acknowledged_at - i.logged_at) / 60)::int as tta_min,
      round(extract(epoch from i.resolved_at - i.logged_at) / 60)::int as ttr_min,
      ${utc("rc.due_at")} as respond_due, rc.breached_at is not null as respond_breached,
      ${utc("sc.due_at")} as resolve_due, sc.breached_at is not null as resolve_breached,
      i.reopen_count, ${escalationLevelReached(sql.raw("i.id"))} as escalation_level,
      i.owner_id, i.reporter_id,
      (select count(*) from caller_reports r where r.incident_id = i.id)::int as callers,
      (select count(*) from caller_reports r where r.incident_id = i.id and r.callback <> 'no')::int as callbacks_wanted
    from incidents i
    left join sla_clocks rc on rc.incident_id = i.id and rc.name = 'respond'
    left join sla_clocks sc on sc.incident_id = i.id and sc.name = 'resolve'
    where i.logged_at >= ${at(p.from)} and i.logged_at < ${at(p.to)} and i.practice_run_id is null ${after}
    order by i.logged_at, i.number
    limit ${p.limit}`;
}
