import type { Queue } from "bullmq";
import { clockSteps, getClock, listScheduledClocks } from "../db/queries/sla-clocks.js";
import type { Deps } from "../services/deps.js";
import { TIMER_HORIZON_MS } from "../services/sla-clocks.js";
import { jobIds } from "./catalog.js";
import { ensureJob } from "./ensure-job.js";

const PAGE = 5_000;

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
 * It compares id sets rather than asking Redis about each clock, so a pass costs a few range
 * reads and one indexed query, whatever the number of open clocks. Redis is read first: a job
 * is only ever queued after its clock's transaction committed, so every job in that snapshot
 * is either still planned by the PostgreSQL rows read afterwards or truly superseded.
 */
export async function reconcileClocks(
  deps: Deps,
  opts: { horizonMs?: number } = {},
): Promise<ReconcileResult> {
  const horizonMs = opts.horizonMs ?? TIMER_HORIZON_MS;
  const queue = deps.jobs.queue("sla");
  const queued = await queuedJobIds(queue);
  const planned = new Set<string>();
  const result: ReconcileResult = { checked: 0, added: 0, removed: 0 };
  const before = new Date(Date.now() + horizonMs);
  let afterId: string | null = null;
  for (;;) {
    const page = await listScheduledClocks(deps.db, { before, afterId, limit: PAGE });
    if (page.length === 0) break;
    for (const clock of page) {
      if (!clock.nextStep || !clock.nextStepAt) continue;
      const jobId = jobIds.slaStep(clock.id, clock.generation, clock.nextStep);
      planned.add(jobId);
      result.checked++;
      if (queued.all.has(jobId)) continue;
      const stillDue = async () => {
        const now = await getClock(deps.db, clock.id);
        return (
          now?.state === "running" && now.generation === clock.generation && now.nextStep === clock.nextStep
        );
      };
      result.added += await ensureJob(
        deps,
        "sla.fire",
        { clockId: clock.id, generation: clock.generation, step: clock.nextStep },
        { jobId, delay: Math.max(0, clock.nextStepAt.getTime() - Date.now()), stillDue },
      );
    }
    afterId = page.at(-1)?.id ?? null;
  }
  result.removed = await removeSuperseded(
    deps,
    queue,
    queued.delayed.filter((id) => !planned.has(id)),
  );
  if (result.added + result.removed > 0) deps.logger.info(result, "clock jobs reconciled");
  return result;
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
  }
  const [waiting, active, paused, prioritized] = await Promise.all([
    redis.lrange(queue.toKey("wait"), 0, -1),
    redis.lrange(queue.toKey("active"), 0, -1),
    redis.lrange(queue.toKey("paused"), 0, -1),
    redis.zrange(queue.toKey("prioritized"), 0, -1),
  ]);
  return { all: new Set([...delayed, ...waiting, ...active, ...paused, ...prioritized]), delayed };
}
