import type { DigestSchedule } from "../domain/policy-types.js";
import { isoWeekday } from "../domain/policy-types.js";
import type { Deps } from "../services/deps.js";
import { JOBS, SCHEDULERS } from "./catalog.js";

/**
 * The cron pattern of the weekly digest: minute hour * * weekday (cron counts Sunday as 0).
 * Read in the policy's time zone by BullMQ (`tz`), so 08:00 stays 08:00 across DST.
 */
export function digestCron(schedule: DigestSchedule): string {
  const [hour, minute] = schedule.time.split(":").map(Number);
  return `${minute} ${hour} * * ${isoWeekday(schedule.day) % 7}`;
}

/**
 * Registers the weekly digest's job scheduler when the policy names a digest channel, and
 * removes it when it does not. Upserting is idempotent, so every worker does it at start-up and after Redis lost its data.
 */
export async function syncDigestSchedule(deps: Deps): Promise<"scheduled" | "removed"> {
  const def = JOBS["report.digest"];
  const queue = deps.jobs.queue(def.queue);
  if (!deps.policy.digestChannel) {
    await queue.removeJobScheduler(SCHEDULERS.digest);
    return "removed";
  }
  await queue.upsertJobScheduler(
    SCHEDULERS.digest,
    { pattern: digestCron(deps.policy.digestSchedule), tz: deps.policy.timezone },
    { name: "report.digest", data: {}, opts: def.opts },
  );
  return "scheduled";
}
