import { performance } from "node:perf_hooks";
import { createDatabase, type Database } from "../src/db/client.js";
import { kpiFigures } from "../src/db/queries/kpi.js";
import { reportPeriod } from "../src/domain/report-period.js";
import { kpiCsv } from "../src/services/kpi-csv.js";
import { createTestDatabase } from "../test/helpers/services.js";
import { percentiles } from "./lib/load.js";
import { measuredWindow } from "./lib/machine-load.js";
import { conditions, figure, heading, mib, ms, percentileLine, verdict } from "./lib/report.js";

const INCIDENTS = 100_000;
const RUNS = 20;
const CSV_RUNS = 5;
const TIMEZONE = "Europe/London";
const TARGETS_MS = { 30: 500, 366: 2_000 } as Record<number, number>;

/**
 * A year of history, made by set-based SQL so it takes seconds: incidents spread over 365 days
 * (most in the working day), a priority mix weighted to P3/P4, respond/update/resolve clocks with
 * the deadlines of the default policy, breaches where the times say so, escalation log entries
 * and breach events for them, some notes in the log, reviews for 2 % and actions for those.
 */
const SEED = `
create temp table seed as
select g,
  gen_random_uuid() as id,
  (date_trunc('day', now() - random() * interval '365 days')
    + case when random() < 0.8 then interval '8 hours' + random() * interval '10 hours'
           else random() * interval '24 hours' end) as logged_at,
  random() as rp, random() as ra, random() as rr, random() as rx
from generate_series(1, ${INCIDENTS}) g;

create temp table facts as
select s.*,
  case when rp < 0.03 then 'P1' when rp < 0.15 then 'P2' when rp < 0.55 then 'P3' when rp < 0.90 then 'P4' else 'P5' end::priority as priority,
  case when ra < 0.95 then logged_at + exp(ra * 5.5) * interval '1 minute' end as ack_at,
  case when rr < 0.90 then logged_at + exp(1 + rr * 8) * interval '1 minute' end as resolved_at
from seed s;

create temp table timed as
select f.*,
  logged_at + (case priority when 'P1' then 15 when 'P2' then 30 when 'P3' then 120 when 'P4' then 240 else 1440 end) * interval '1 minute' as respond_due,
  logged_at + (case priority when 'P1' then 240 when 'P2' then 480 when 'P3' then 2880 when 'P4' then 7200 else 14400 end) * interval '1 minute' as resolve_due
from facts f;

insert into incidents (id, number, title, description, type, affected_service, report_channel, impact, urgency,
  matrix_priority, priority, major, status, reporter_id, owner_id, reported_at, logged_at, acknowledged_at,
  resolved_at, closed_at, reopen_count, escalation_level, setup_completed_at)
select id, 5000000 + g, 'Bench incident ' || g, 'Callers cannot get through.',
  (array['service_failure','service_failure','complaint','security_breach'])[1 + (g % 4)],
  case when rx < 0.7 then 'Service ' || (1 + floor(rx * 60)::int) end,
  (array['phone','email','chat','social','in_person','internal_monitoring'])[1 + (g % 6)]::report_channel,
  'medium', 'medium', priority, priority, priority = 'P1',
  case when resolved_at is not null then 'resolved' when ack_at is not null then 'in_progress' else 'open' end::incident_status,
  'U0AGENT' || (g % 50), case when ack_at is not null then 'U0LEAD' || (g % 8) end,
  logged_at, logged_at, ack_at, resolved_at, null,
  case when rr < 0.04 then 1 else 0 end, 0, logged_at
from timed;

insert into sla_clocks (incident_id, name, state, hours, started_at, duration_ms, due_at, breached_at)
select id, 'respond', case when coalesce(ack_at, resolved_at) is null then 'running' else 'stopped' end::clock_state,
  'always', logged_at, extract(epoch from respond_due - logged_at)::bigint * 1000, respond_due,
  case when coalesce(ack_at, resolved_at, now()) > respond_due then respond_due end
from timed
union all
select id, 'resolve', case when resolved_at is null then 'running' else 'stopped' end::clock_state,
  'always', logged_at, extract(epoch from resolve_due - logged_at)::bigint * 1000, resolve_due,
  case when coalesce(resolved_at, now()) > resolve_due then resolve_due end
from timed
union all
select id, 'update_every', 'stopped', 'always', logged_at, 3600000, logged_at + interval '1 hour', null
from timed;

insert into sla_events (clock_id, generation, step, planned_at, fired_at)
select c.id, 1, 'breach', c.breached_at, c.breached_at from sla_clocks c where c.breached_at is not null;
insert into sla_events (clock_id, generation, step, planned_at, fired_at)
select c.id, 1, 'escalate-1', c.breached_at + interval '30 minutes', c.breached_at + interval '30 minutes'
from sla_clocks c where c.breached_at is not null and random() < 0.3;

insert into incident_log (incident_id, at, actor, kind, details)
select id, logged_at, 'U0AGENT', 'created', '{}'::jsonb from timed
union all
select i.id, logged_at + interval '5 minutes', 'U0AGENT', 'note_added', '{"length": 42}'::jsonb
from timed i, generate_series(1, 3)
union all
select c.incident_id, e.fired_at, 'system', 'escalation_sent',
  jsonb_build_object('level', case when e.step = 'breach' then 1 else 2 end, 'role', 'team_lead', 'to', jsonb_build_array('U0LEAD'))
from sla_events e join sla_clocks c on c.id = e.clock_id;

insert into reviews (incident_id, status, requested_by, root_cause_category, completed_by, completed_at)
select id, 'completed', 'U0LEAD', (array['software_defect','third_party','change','capacity','process','human_error'])[1 + (g % 6)],
  'U0LEAD', logged_at + interval '3 days'
from timed where rx > 0.98;

insert into improvement_actions (incident_id, review_id, description, owner_id, due_on, due_at, status, created_by)
select r.incident_id, r.id, 'Bench action', 'U0LEAD', (r.completed_at + interval '14 days')::date,
  r.completed_at + interval '15 days', case when random() < 0.6 then 'done' else 'open' end, 'U0LEAD'
from reviews r;

analyze;
`;

async function countRows(db: Database): Promise<string> {
  const [r] = await db.sql`
    select (select count(*) from incidents) as incidents, (select count(*) from sla_clocks) as clocks,
      (select count(*) from sla_events) as events, (select count(*) from incident_log) as log,
      (select count(*) from reviews) as reviews, (select count(*) from improvement_actions) as actions,
      pg_database_size(current_database()) as bytes`;
  return `${r!.incidents} incidents, ${r!.clocks} SLA clocks, ${r!.events} SLA events, ${r!.log} log entries, ${r!.reviews} reviews, ${r!.actions} actions; database ${mib(Number(r!.bytes))}`;
}

async function time<T>(run: () => Promise<T>, runs: number): Promise<{ samples: number[]; last: T }> {
  const samples: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await run();
    samples.push(performance.now() - started);
  }
  return { samples, last: last as T };
}

/** `BENCH_ONLY=report`: the KPI report's queries and CSV over a year of 100,000 incidents. */
export async function reportQuery(): Promise<boolean> {
  heading("KPI report queries over a large history");
  const database = await createTestDatabase();
  const db = createDatabase(database.url, { max: 10 });
  try {
    const seedStarted = performance.now();
    await db.sql.unsafe(SEED);
    const seedMs = performance.now() - seedStarted;
    conditions([
      await countRows(db),
      `seeded in ${ms(seedMs)} by set-based SQL (generate_series), then ANALYZE`,
      `each figure set = 8 grouped queries run side by side on a pool of 10 connections, in one snapshot (the first exports it, the other 7 import it); ${RUNS} runs per period after one warm-up`,
      `time zone ${TIMEZONE}; periods end today`,
    ]);
    let pass = true;
    // The queries only: the seeding's writes (and the kernel flushing them) are not the report.
    const measureFrom = Date.now();
    const now = new Date();
    for (const days of [7, 30, 366]) {
      const period = reportPeriod({ kind: "last", days }, now, TIMEZONE)!;
      const q = { from: period.from, to: period.to, timezone: TIMEZONE, asOf: now };
      await kpiFigures(db.db, q);
      const { samples, last } = await time(() => kpiFigures(db.db, q), RUNS);
      const p = percentiles(samples);
      const total = last.byPriority.find((r) => r.priority === null)?.incidents ?? 0;
      figure(percentileLine(`report ${days}d (${total} incidents)`, p));
      const target = TARGETS_MS[days];
      if (target !== undefined) {
        pass =
          verdict(`report ${days}d p95`, p.p95 <= target, `${ms(p.p95)} (target ≤ ${ms(target)})`) && pass;
      }
    }
    const month = reportPeriod({ kind: "last", days: 30 }, now, TIMEZONE)!;
    const csv = await time(
      () => kpiCsv(db.db, { from: month.from, to: month.to, timezone: TIMEZONE }),
      CSV_RUNS,
    );
    figure(
      `${percentileLine("CSV 30d", percentiles(csv.samples))}; ${csv.last.incidents} incidents, ${mib(csv.last.bytes.length)}`,
    );
    measuredWindow("report query: the reports and the CSV", measureFrom, Date.now());
    return pass;
  } finally {
    await db.close();
    await database.drop();
  }
}
