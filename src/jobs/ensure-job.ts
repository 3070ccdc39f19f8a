import type { Deps } from "../services/deps.js";
import { JOBS, type JobName, type JobPayload } from "./catalog.js";

/**
 * Makes sure a job with this deterministic id is waiting, delayed or running: adds it when
 * Redis has none, and replaces one that ended (completed or failed) while PostgreSQL still
 * says the work is due. Returns 1 when it queued the job, 0 when it left things as they were.
 */
export async function ensureJob<N extends JobName>(
  deps: Deps,
  name: N,
  payload: JobPayload<N>,
  p: { jobId: string; at?: Date; stillDue: () => Promise<boolean> },
): Promise<number> {
  const queue = deps.jobs.queue(JOBS[name].queue);
  const existing = await queue.getJob(p.jobId);
  if (existing) {
    const state = await existing.getState();
    if (state !== "failed" && state !== "completed") return 0;
    // Race: the job may have finished the work after the row was listed.
    if (!(await p.stillDue())) return 0;
    await existing.remove();
  }
  await deps.jobs.enqueue(name, payload, { jobId: p.jobId, at: p.at });
  return 1;
}
