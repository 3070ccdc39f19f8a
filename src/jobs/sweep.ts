import { listIncidentsAwaitingSetup } from "../db/queries/incidents.js";
import { listStalePendingOutbox } from "../db/queries/outbox.js";
import type { Deps } from "../services/deps.js";
import { JOBS, type JobName, type JobPayload, jobIds } from "./catalog.js";

/** Work younger than this is probably still in flight; leave it to its own job. */
const GRACE_MS = 30_000;
const BATCH = 500;

/**
 * PostgreSQL is the record of what must happen; Redis only holds the jobs that make it happen.
 * The sweep re-queues work whose job is missing (Redis flushed, enqueue failed after commit)
 * or failed for good, so nothing that was committed is left undone.
 */
export async function sweep(deps: Deps): Promise<{ setups: number; deliveries: number }> {
  const before = new Date(deps.clock.now().getTime() - GRACE_MS);
  const setups = await listIncidentsAwaitingSetup(deps.db, { loggedBefore: before, limit: BATCH });
  const deliveries = await listStalePendingOutbox(deps.db, { createdBefore: before, limit: BATCH });
  let requeued = 0;
  for (const { id } of setups)
    requeued += await ensureJob(deps, "incident.setup", { incidentId: id }, jobIds.setup(id));
  const setupCount = requeued;
  for (const { id } of deliveries)
    requeued += await ensureJob(deps, "slack.deliver", { outboxId: id }, jobIds.deliver(id));
  if (requeued > 0)
    deps.logger.info({ setups: setupCount, deliveries: requeued - setupCount }, "sweep requeued work");
  return { setups: setupCount, deliveries: requeued - setupCount };
}

async function ensureJob<N extends JobName>(
  deps: Deps,
  name: N,
  payload: JobPayload<N>,
  jobId: string,
): Promise<number> {
  const queue = deps.jobs.queue(JOBS[name].queue);
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (state !== "failed" && state !== "completed") return 0;
    await existing.remove();
  }
  await deps.jobs.enqueue(name, payload, { jobId });
  return 1;
}
