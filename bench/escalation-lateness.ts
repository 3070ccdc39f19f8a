import { isNotNull } from "drizzle-orm";
import type { Redis } from "ioredis";
import { incidents } from "../src/db/schema/index.js";
import { formatReference } from "../src/domain/reference.js";
import { CHANNEL_GAP_MS } from "../src/jobs/pacing.js";
import { logIncident } from "../src/services/log-incident.js";
import { incidentInput } from "../test/helpers/factories.js";
import { type Harness, startHarness, USERS } from "../test/helpers/harness.js";
import {
  allSeen,
  breachBreakdown,
  breachRunTimes,
  dmWatcher,
  type Lateness,
  lateness,
  recordedEscalations,
  type Tracked,
} from "./lib/escalation-stats.js";
import { benchRedis, deletePrefix, usedMemory } from "./lib/redis.js";
import {
  conditions,
  cpuSampler,
  figure,
  heading,
  loopDelay,
  machineFacts,
  mib,
  percentileLine,
  verdict,
} from "./lib/report.js";

/** A positive number from the environment, or the default; anything else stops the run. */
function envNumber(name: string, fallback: number, max = Number.POSITIVE_INFINITY): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!(value > 0 && value < max)) throw new Error(`${name}=${raw}: expected a number > 0 and < ${max}`);
  return value;
}

const N = Math.floor(envNumber("BENCH_INCIDENTS", 1000));
const BATCH = 50;
/** The P1 respond clock in seconds (BENCH_RESPOND_S); longer puts the breaches after the set-up burst. */
const RESPOND_S = envNumber("BENCH_RESPOND_S", 20);
const COLLECT_AFTER_DUE_MS = 60_000;
const POLL_MS = 250;
const TARGET_P99_MS = 200;
const MEMORY_SAMPLE = 20;
/**
 * A clock's steps are a chain: the breach job is queued only when the warning has fired. A
 * warning just before the deadline (0.99 → 200 ms) doubles the steps due in the breach
 * window and hands its own lateness on to the breach, so by default the warning fires 1 s
 * after logging, long before any breach (BENCH_WARN_AT=0.99 shows the other case).
 */
const WARN_AT = envNumber("BENCH_WARN_AT", 0.05, 1);

/** P1 respond RESPOND_S; every other clock an hour away, so only the respond breach fires. */
const SLA = `
sla:
  P1: { respond: ${RESPOND_S}s, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P2: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P3: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P4: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P5: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
warn_at: ${WARN_AT}
`;

interface Creation {
  tracked: Tracked[];
  tookMs: number;
}

/** Logs N P1 incidents through the service, BATCH at a time in parallel. */
async function createIncidents(h: Harness): Promise<Creation> {
  const started = Date.now();
  const tracked: Tracked[] = [];
  for (let done = 0; done < N; done += BATCH) {
    const size = Math.min(BATCH, N - done);
    const batch = await Promise.all(
      Array.from({ length: size }, (_, i) =>
        logIncident(
          h.system.deps,
          incidentInput({ title: `Bench escalation ${done + i}`, impact: "high", urgency: "high" }),
        ),
      ),
    );
    for (const { incident } of batch) {
      if (incident.priority !== "P1" || !incident.respondDueAt)
        throw new Error("expected a P1 with a due time");
      tracked.push({
        id: incident.id,
        reference: formatReference(incident.number),
        dueMs: incident.respondDueAt.getTime(),
      });
    }
  }
  return { tracked, tookMs: Date.now() - started };
}

/** Average MEMORY USAGE of a sample of delayed SLA job hashes (the timer's own record). */
async function sampledTimerBytes(h: Harness, redis: Redis): Promise<number> {
  const jobs = await h.system.deps.jobs.queue("sla").getDelayed(0, MEMORY_SAMPLE - 1);
  const sizes = await Promise.all(
    jobs.map((j) => redis.call("MEMORY", "USAGE", `${h.config.queuePrefix}:sla:${j.id}`) as Promise<number>),
  );
  return sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0;
}

async function memoryFigures(h: Harness, redis: Redis, before: number): Promise<void> {
  const after = await usedMemory(redis);
  const counts = await h.system.deps.jobs.queue("sla").getJobCounts("delayed", "waiting", "active");
  const pending = (counts.delayed ?? 0) + (counts.waiting ?? 0) + (counts.active ?? 0);
  const perJob = await sampledTimerBytes(h, redis);
  figure(
    `Redis used_memory ${mib(before)} → ${mib(after)} (+${mib(after - before)}) right after logging: ` +
      `${((after - before) / N / 1024).toFixed(2)} KiB per incident (all its queued work: ` +
      "setup, deliveries, retained completed jobs, and its SLA timers)",
  );
  figure(
    `pending SLA timers ${pending} (${counts.delayed} delayed; 3 per incident: respond, update, resolve); ` +
      `one timer's job hash ≈ ${perJob.toFixed(0)} bytes (MEMORY USAGE, mean of ${MEMORY_SAMPLE}) + its delayed-set entry`,
  );
  figure(`process RSS after logging ${mib(process.memoryUsage().rss)}`);
}

/** Polls the fake Slack until every incident has its level-1 DM, or the collection window ends. */
async function collectDms(h: Harness, tracked: Tracked[], untilMs: number) {
  const watcher = dmWatcher(h.slack);
  const byRef = (t: Tracked) => t.reference;
  while (Date.now() < untilMs) {
    watcher.scan();
    if (allSeen(tracked, watcher.sightings, byRef)) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  watcher.scan();
  return lateness(tracked, watcher.sightings, byRef);
}

function printLateness(label: string, l: Lateness, missedLabel = "missed"): void {
  figure(percentileLine(label, l.late));
  figure(`  ${l.seen} seen, early ${l.early}, ${missedLabel} ${l.missed}, duplicated ${l.duplicated}`);
}

function printConditions(): void {
  conditions([
    ...machineFacts(),
    `incidents: ${N} P1 service failures (BENCH_INCIDENTS), logged through logIncident() in parallel batches of ${BATCH}`,
    `policy: P1 respond ${RESPOND_S}s (BENCH_RESPOND_S), repeat 1h, update/resolve 1h; ladder service_failure → team_lead = one user (${USERS.lead})`,
    `warn_at ${WARN_AT} (BENCH_WARN_AT): the respond warning fires ${(RESPOND_S * WARN_AT).toFixed(1)} s after logging; the breach job is queued only once the warning has fired, so a warning close to the deadline (0.99 = 200 ms before) doubles the steps due in the breach window and passes its lateness on to the breach`,
    "system: startHarness() — role all, one process with the fake Slack; sweep/reconciler every 30 s (the default); each new incident's channel set-up (conversations.create, card, pin, announcements) runs alongside",
    `DM pacing: one message per ${CHANNEL_GAP_MS} ms per DM channel, so ${N} escalations to one recipient take ≥ ${N} s to deliver; the DM figures below are bounded by that, not by the timers`,
    "PostgreSQL pool: 10 connections per process, shared by the receiver and 35 job slots (intake 5, slack 10, sla 20)",
    "recorded lateness = incident_log escalation_sent (level 1, respond) `at` − respond due (at is PostgreSQL's now(), the start of the firing transaction); DM lateness = DM ts − respond due",
    `collection: until every incident has its DM, or the last due time + ${COLLECT_AFTER_DUE_MS / 1000} s`,
  ]);
}

/** Benchmark 2: how late escalations fire, with N respond clocks falling due within seconds. */
export async function escalationLateness(): Promise<boolean> {
  heading(`Escalation lateness (${N} respond clocks)`);
  printConditions();
  const h = await startHarness({ sla: SLA });
  const redis = benchRedis();
  try {
    return await measure(h, redis);
  } finally {
    await h.stop();
    await deletePrefix(redis, h.config.queuePrefix);
    await redis.quit();
  }
}

const sleepUntil = (epochMs: number) => new Promise((r) => setTimeout(r, Math.max(0, epochMs - Date.now())));

/** CPU and event-loop delay while the breaches fall due (first due − 0.5 s … last due + 1.5 s). */
async function watchBreachWindow(firstDue: number, lastDue: number): Promise<void> {
  await sleepUntil(firstDue - 500);
  const cpu = cpuSampler();
  const delay = loopDelay();
  const from = Date.now();
  await sleepUntil(lastDue + 1_500);
  figure(`during the breach window: ${cpu.between(from, Date.now())}; ${delay.stop()}`);
  cpu.stop();
}

async function printBreakdown(h: Harness): Promise<void> {
  const { pickup, connection } = await breachBreakdown(h.system.deps.db);
  figure(percentileLine("  breach picked up (due → worker starts the step, sla_events.late_ms)", pickup));
  figure(percentileLine("  then waited for a PostgreSQL connection (fired_at − start)", connection));
  figure(
    percentileLine(
      "  breach job run time in the worker",
      await breachRunTimes(h.system.deps.jobs.queue("sla")),
    ),
  );
}

async function measure(h: Harness, redis: Redis): Promise<boolean> {
  const hz = ((await redis.config("GET", "hz")) as string[])[1];
  conditions([
    `Redis hz ${hz}: a worker blocked on its next delayed job may wake up to 1/hz late when Redis is idle`,
  ]);
  const before = await usedMemory(redis);
  const { tracked, tookMs } = await createIncidents(h);
  const dues = tracked.map((t) => t.dueMs);
  const [firstDue, lastDue] = [Math.min(...dues), Math.max(...dues)];
  figure(
    `logged ${N} incidents in ${(tookMs / 1000).toFixed(1)} s (${((N * 1000) / tookMs).toFixed(0)}/s); due times span ${((lastDue - firstDue) / 1000).toFixed(1)} s`,
  );
  await memoryFigures(h, redis, before);
  await watchBreachWindow(firstDue, lastDue);
  const dm = await collectDms(h, tracked, lastDue + COLLECT_AFTER_DUE_MS);
  const recorded = lateness(tracked, await recordedEscalations(h.system.deps.db), (t) => t.id);
  const setUp = await h.system.deps.db.$count(incidents, isNotNull(incidents.setupCompletedAt));
  figure(
    `channel set-up finished for ${setUp}/${N} incidents by the end; process RSS ${mib(process.memoryUsage().rss)}`,
  );
  printLateness("DM lateness (delivered, paced 1/s to one recipient)", dm, "not yet delivered in the window");
  printLateness("recorded lateness (escalation_sent at − due)", recorded);
  await printBreakdown(h);
  const { late, early, missed, duplicated } = recorded;
  return verdict(
    `recorded escalation p99 ≤ ${TARGET_P99_MS} ms, none early, missed or duplicated`,
    late.p99 <= TARGET_P99_MS && early + missed + duplicated === 0,
    `p99 ${late.p99.toFixed(1)} ms, early ${early}, missed ${missed}, duplicated ${duplicated}`,
  );
}
