import { getIncidentById, listIncidentsAwaitingSetup } from "../db/queries/incidents.js";
import { getOutbox, listStalePendingOutbox } from "../db/queries/outbox.js";
import type { Deps } from "../services/deps.js";
import { jobIds } from "./catalog.js";
import { ensureJob } from "./ensure-job.js";

/**
 * Work younger than this is probably still in flight; leave it to its own job. After Redis
 * lost its data no job is in flight, so recovery passes 0.
 */
const GRACE_MS = 30_000;
const BATCH = 500;

/**
 * PostgreSQL is the record of what must happen; Redis only holds the jobs that make it happen.
 * The sweep re-queues work whose job is missing (Redis flushed, enqueue failed after commit)
 * or ended without finishing it, so nothing that was committed is left undone.
 */
export async function sweep(
  deps: Deps,
  opts: { graceMs?: number } = {},
): Promise<{ setups: number; deliveries: number }> {
  const before = new Date(deps.clock.now().getTime() - (opts.graceMs ?? GRACE_MS));
  let setups = 0;
  for (const { id } of await listIncidentsAwaitingSetup(deps.db, { loggedBefore: before, limit: BATCH })) {
    const stillDue = async () => !(await getIncidentById(deps.db, id))?.setupCompletedAt;
    setups += await ensureJob(
      deps,
      "incident.setup",
      { incidentId: id },
      { jobId: jobIds.setup(id), stillDue },
    );
  }
  let deliveries = 0;
  for (const { id } of await listStalePendingOutbox(deps.db, { createdBefore: before, limit: BATCH })) {
    const stillDue = async () => (await getOutbox(deps.db, id))?.status === "pending";
    deliveries += await ensureJob(
      deps,
      "slack.deliver",
      { outboxId: id },
      { jobId: jobIds.deliver(id), stillDue },
    );
  }
  if (setups + deliveries > 0) deps.logger.info({ setups, deliveries }, "sweep requeued work");
  return { setups, deliveries };
}
