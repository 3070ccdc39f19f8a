import { getClock, listScheduledClocks } from "../db/queries/sla-clocks.js";
import type { Deps } from "../services/deps.js";
import { jobIds } from "./catalog.js";
import { ensureJob } from "./ensure-job.js";

const PAGE = 1_000;

export interface ReconcileResult {
  checked: number;
  added: number;
  removed: number;
}

/**
 * Makes Redis hold exactly the clock jobs PostgreSQL plans: adds the delayed job of every
 * running clock's next step that is missing (Redis flushed or restarted without its data; a
 * step due meanwhile runs at once and is logged as late) and removes jobs whose clock has
 * moved on. Safe to run on every worker at once: job ids are deterministic.
 */
export async function reconcileClocks(deps: Deps): Promise<ReconcileResult> {
  const result: ReconcileResult = { checked: 0, added: 0, removed: 0 };
  let afterId: string | null = null;
  for (;;) {
    const page = await listScheduledClocks(deps.db, { afterId, limit: PAGE });
    if (page.length === 0) break;
    for (const clock of page) {
      if (!clock.nextStep || !clock.nextStepAt) continue;
      const jobId = jobIds.slaStep(clock.id, clock.generation, clock.nextStep);
      result.checked++;
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
  result.removed = await removeOrphans(deps);
  if (result.added + result.removed > 0) deps.logger.info(result, "clock jobs reconciled");
  return result;
}

/** Delayed clock jobs whose clock is no longer at that generation and step. */
async function removeOrphans(deps: Deps): Promise<number> {
  const queue = deps.jobs.queue("sla");
  let removed = 0;
  for (let start = 0; ; start += PAGE) {
    const jobs = await queue.getDelayed(start, start + PAGE - 1);
    if (jobs.length === 0) break;
    for (const job of jobs) {
      const data = job.data as { clockId?: string; generation?: number; step?: string };
      const clock = data.clockId ? await getClock(deps.db, data.clockId).catch(() => null) : null;
      const live =
        clock?.state === "running" && clock.generation === data.generation && clock.nextStep === data.step;
      if (!live) {
        await job.remove().catch(() => {});
        removed++;
      }
    }
    if (jobs.length < PAGE) break;
  }
  return removed;
}
