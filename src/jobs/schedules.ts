import type { Deps } from "../services/deps.js";
import { JOBS, SCHEDULERS } from "./catalog.js";
import { syncDigestSchedule } from "./digest-schedule.js";

/** How often the retention pass runs: erasure is due by the day, so a quarter-hour is prompt enough. */
export const RETENTION_EVERY_MS = 15 * 60_000;

/**
 * Registers the recurring jobs. Upserting is idempotent, so every worker does it at start-up
 * and again after Redis lost its data.
 */
export async function ensureSchedules(deps: Deps, opts: { retentionEveryMs?: number } = {}): Promise<void> {
  const retention = JOBS["retention.erase"];
  await deps.jobs
    .queue(retention.queue)
    .upsertJobScheduler(
      SCHEDULERS.retention,
      { every: opts.retentionEveryMs ?? RETENTION_EVERY_MS },
      { name: "retention.erase", data: {}, opts: retention.opts },
    );
  await syncDigestSchedule(deps);
}
