import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { clockSteps, databaseNow, getClock, listScheduledClocks } from "../db/queries/sla-clocks.js";
import type { Deps } from "../services/deps.js";
import { TIMER_HORIZON_MS } from "../services/sla-clocks.js";
import { jobIds } from "./catalog.js";
import { ensureJob } from "./ensure-job.js";

/**
 * A pass runs in a worker beside the steps it guards: it reads in pages this small and lets the
 * event loop turn between them, so that parsing a page never holds up a step for long.
 */
const PAGE = 1_000;
const yieldToJobs = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * How long a transaction that changes a clock may stay open and still be seen by the pass
 * after it: `updated_at` is stamped when the transaction starts, so a pass looks back this far
 * past the start of the last one.
 */
const CHANGE_MARGIN_MS = 15_000;
/** The whole comparison runs at least this often, besides at start-up and after Redis lost its data. */
const FULL_PASS_EVERY_MS = 10 * 60_000;

export interface ReconcileResult {
  checked: number;
  added: number;
  removed: number;
}

/**
 * Makes Redis hold exactly the clock jobs PostgreSQL plans: adds the delayed job of every
 * running clock whose next step is due within the timer horizon and missing (it came within
 * range, or Redis was flushed or restarted without its data; a step due meanwhile runs at
 * once and is logged as late) and removes jobs whose clock has moved on. Safe to run on
 * every worker at once: job ids are deterministic.
 *
 * The full pass compares id sets rather than asking Redis about each clock, so it costs a few
 * range reads and one indexed query, whatever the number of open clocks. Redis is read first: a
 * job is only ever queued after its clock's transaction committed, so every job in that
 * snapshot is either still planned by the PostgreSQL rows read afterwards or truly superseded.
 *
 * With `changedSince` (the passes between full ones) it checks only the clocks changed since
 * the last pass or come within range since, and the step jobs failed since, so its cost follows
 * the changes rather than the number of armed timers (a breach storm, when timeliness matters
 * most, is when the full comparison costs most); it removes nothing. A job that vanished
 * without its clock changing (Redis lost data) is the Redis watch's to find, and the full pass's.
 */
export async function reconcileClocks(
  deps: Deps,
  opts: { horizonMs?: number; changedSince?: ChangedSince } = {},
): Promise<ReconcileResult> {
  const horizonMs = opts.horizonMs ?? TIMER_HORIZON_MS;
  const queue = deps.jobs.queue("sla");
  const result: ReconcileResult = { checked: 0, added: 0, removed: 0 };
  const since = opts.changedSince;
  if (since) {
    const changed = { since: since.database, enteredAfter: new Date(since.database.getTime() + horizonMs) };
    await armMissing(deps, result, { horizonMs, changed, live: (ids) => liveJobIds(queue, ids) });
    result.added += await rearmFailed(deps, queue, since.local);
  } else {
    const queued = await queuedJobIds(queue);
    const planned = new Set<string>();
    await armMissing(deps, result, { horizonMs, live: async () => queued.all, planned });
    result.removed = await removeSuperseded(
      deps,
      queue,
      queued.delayed.filter((id) => !planned.has(id)),
    );
  }
  if (result.added + result.removed > 0) deps.logger.info(result, "clock jobs reconciled");
  return result;
}

/** Where the last pass left off: changes and failures since then are what the next looks at. */
export interface ChangedSince {
  /** By PostgreSQL's clock (`updated_at`). */
  database: Date;
  /** By this process's clock (when jobs failed). */
  local: number;
}

/**
 * Pages through the running clocks due within the horizon (or only those `changed`), arming
 * each whose job `live` does not list. The ids of the jobs they plan go into `planned`.
 */
async function armMissing(
  deps: Deps,
  result: ReconcileResult,
  p: {
    horizonMs: number;
    changed?: { since: Date; enteredAfter: Date };
    live: (jobIds: string[]) => Promise<Set<string>>;
    planned?: Set<string>;
  },
): Promise<void> {
  const before = new Date(Date.now() + p.horizonMs);
  let afterId: string | null = null;
  for (;;) {
    const page = await listScheduledClocks(deps.db, { before, afterId, limit: PAGE, changed: p.changed });
    if (page.length === 0) break;
    const steps = page.flatMap(({ nextStep, nextStepAt, ...clock }) =>
      nextStep && nextStepAt
        ? [
            {
              clock,
              step: nextStep,
              at: nextStepAt,
              jobId: jobIds.slaStep(clock.id, clock.generation, nextStep),
            },
          ]
        : [],
    );
    const live = await p.live(steps.map((s) => s.jobId));
    for (const { jobId } of steps) p.planned?.add(jobId);
    result.checked += steps.length;
    result.added += await armAll(
      deps,
      steps.filter((s) => !live.has(s.jobId)),
    );
    afterId = page.at(-1)?.id ?? null;
    await yieldToJobs();
  }
}

/**
 * Queues these clocks' next steps, none of them live in Redis. Those Redis holds no job for at
 * all (after a flush, every one) go in one batch: a page of timers costs a round trip, not one
 * each, so a flushed Redis has its timers back within a second or two. Those whose job ended
 * (failed, or completed while the clock still waits on that step) go one by one through
 * armClock, which looks at the clock again before replacing the job. A job added meanwhile by
 * another worker is not added twice (the id is deterministic); a step that fired meanwhile
 * finds its clock moved on and does nothing.
 */
async function armAll(
  deps: Deps,
  steps: Array<{ clock: { id: string; generation: number }; step: string; at: Date; jobId: string }>,
): Promise<number> {
  if (steps.length === 0) return 0;
  const ended = await jobsInRedis(
    deps.jobs.queue("sla"),
    steps.map((s) => s.jobId),
  );
  const absent = steps.filter((s) => !ended.has(s.jobId));
  await deps.jobs.enqueueMany(
    "sla.fire",
    absent.map(({ clock, step, at, jobId }) => ({
      payload: { clockId: clock.id, generation: clock.generation, step },
      jobId,
      at,
    })),
  );
  let added = absent.length;
  for (const { clock, step, at, jobId } of steps) {
    if (ended.has(jobId)) added += await armClock(deps, clock, step, at);
  }
  return added;
}

/** Which of these jobs Redis holds in any state, in one round trip. */
async function jobsInRedis(queue: Queue, ids: string[]): Promise<Set<string>> {
  const redis = (await queue.client) as unknown as Redis;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.exists(queue.toKey(id));
  const replies = (await pipeline.exec()) ?? [];
  // An unanswered check counts as present: armClock then looks at that job itself.
  return new Set(ids.filter((_, i) => replies[i]?.[0] || replies[i]?.[1] !== 0));
}

/** Queues a clock's next step, unless it is there already or the clock moved on meanwhile. */
function armClock(
  deps: Deps,
  clock: { id: string; generation: number },
  step: string,
  at: Date,
): Promise<number> {
  const stillDue = async () => {
    const now = await getClock(deps.db, clock.id);
    return now?.state === "running" && now.generation === clock.generation && now.nextStep === step;
  };
  return ensureJob(
    deps,
    "sla.fire",
    { clockId: clock.id, generation: clock.generation, step },
    {
      jobId: jobIds.slaStep(clock.id, clock.generation, step),
      at,
      stillDue,
    },
  );
}

/** Step jobs that failed since `since` while their clock still waits on that step: queued again. */
async function rearmFailed(deps: Deps, queue: Queue, since: number): Promise<number> {
  const redis = (await queue.client) as unknown as Redis;
  const ids = await redis.zrangebyscore(queue.toKey("failed"), since, "+inf");
  const steps = ids.flatMap((id) => {
    const step = jobIds.parseSlaStep(id);
    return step ? [{ id, ...step }] : [];
  });
  if (steps.length === 0) return 0;
  const clocks = new Map(
    (
      await clockSteps(
        deps.db,
        steps.map((s) => s.clockId),
      )
    ).map((c) => [c.id, c]),
  );
  let added = 0;
  for (const step of steps) {
    const clock = clocks.get(step.clockId);
    const waiting =
      clock?.state === "running" && clock.generation === step.generation && clock.nextStep === step.step;
    if (waiting && clock.nextStepAt) added += await armClock(deps, clock, step.step, clock.nextStepAt);
  }
  return added;
}

/** Which of these jobs are in Redis and not finished (delayed, waiting or running), in one round trip. */
async function liveJobIds(queue: Queue, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const redis = (await queue.client) as unknown as Redis;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(queue.toKey(id), "timestamp", "finishedOn");
  const replies = (await pipeline.exec()) ?? [];
  const live = new Set<string>();
  replies.forEach(([err, fields], i) => {
    const [created, finished] = (fields ?? []) as Array<string | null>;
    if (!err && created != null && finished == null) live.add(ids[i]!);
  });
  return live;
}

/**
 * One process's reconciler: the full comparison when the process starts, after Redis lost its
 * data (`full`) and every FULL_PASS_EVERY_MS; in between, only what changed since its last pass.
 */
export function clockReconciler(deps: Deps): { run(opts?: { full?: boolean }): Promise<ReconcileResult> } {
  let since: ChangedSince | null = null;
  let fullAt = Number.NEGATIVE_INFINITY;
  return {
    async run({ full = false } = {}) {
      const startedAt = { database: await databaseNow(deps.db), local: Date.now() };
      const changedSince =
        !full && since && startedAt.local - fullAt < FULL_PASS_EVERY_MS ? since : undefined;
      const timer = deps.metrics.clockReconcile.startTimer({ pass: changedSince ? "changes" : "full" });
      const result = await reconcileClocks(deps, { changedSince });
      timer();
      since = {
        database: new Date(startedAt.database.getTime() - CHANGE_MARGIN_MS),
        local: startedAt.local - CHANGE_MARGIN_MS,
      };
      if (!changedSince) fullAt = startedAt.local;
      return result;
    },
  };
}

/**
 * Removes the delayed jobs whose clock is no longer at that generation and step. A job not in
 * the planned set may still be live (armed before the horizon shrank), so each is checked
 * against its clock. Running jobs are left alone: they find themselves stale.
 */
async function removeSuperseded(deps: Deps, queue: Queue, candidates: string[]): Promise<number> {
  let removed = 0;
  for (let start = 0; start < candidates.length; start += PAGE) {
    const jobs = candidates.slice(start, start + PAGE).map((id) => ({ id, step: jobIds.parseSlaStep(id) }));
    const clockIds = jobs.flatMap((j) => (j.step ? [j.step.clockId] : []));
    const clocks = new Map(
      (clockIds.length ? await clockSteps(deps.db, clockIds) : []).map((c) => [c.id, c]),
    );
    for (const { id, step } of jobs) {
      const clock = step ? clocks.get(step.clockId) : undefined;
      const live =
        clock?.state === "running" && clock.generation === step?.generation && clock.nextStep === step.step;
      if (!live) removed += await queue.remove(id).catch(() => 0);
    }
  }
  return removed;
}

/** The ids of every job of a queue that is delayed, waiting or running, read straight from its keys. */
export async function queuedJobIds(queue: Queue): Promise<{ all: Set<string>; delayed: string[] }> {
  const redis = await queue.client;
  const delayed: string[] = [];
  for (let start = 0; ; start += PAGE) {
    const ids = await redis.zrange(queue.toKey("delayed"), start, start + PAGE - 1);
    delayed.push(...ids);
    if (ids.length < PAGE) break;
    await yieldToJobs();
  }
  const [waiting, active, paused, prioritized] = await Promise.all([
    redis.lrange(queue.toKey("wait"), 0, -1),
    redis.lrange(queue.toKey("active"), 0, -1),
    redis.lrange(queue.toKey("paused"), 0, -1),
    redis.zrange(queue.toKey("prioritized"), 0, -1),
  ]);
  return { all: new Set([...delayed, ...waiting, ...active, ...paused, ...prioritized]), delayed };
}
