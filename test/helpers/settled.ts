import { and, eq, inArray } from "drizzle-orm";
import { outbox } from "../../src/db/schema/index.js";
import { QUEUE_NAMES } from "../../src/jobs/catalog.js";
import type { Deps } from "../../src/services/deps.js";
import { eventually } from "./eventually.js";

/** Whether no job in any queue is waiting, running or past its time (later timers are fine). */
async function queuesIdle(deps: Pick<Deps, "jobs">): Promise<boolean> {
  for (const name of Object.values(QUEUE_NAMES)) {
    const queue = deps.jobs.queue(name);
    const counts = await queue.getJobCounts("waiting", "active", "prioritized", "waiting-children");
    if (Object.values(counts).some((n) => n > 0)) return false;
    const [next] = await queue.getJobs(["delayed"], 0, 0, true);
    if (next && next.timestamp + next.delay <= Date.now()) return false;
  }
  return true;
}

async function outboxIdle(deps: Pick<Deps, "db">, incidentIds: string[] | undefined): Promise<boolean> {
  if (!incidentIds) return true;
  const pending = await deps.db.$count(
    outbox,
    and(inArray(outbox.incidentId, incidentIds), eq(outbox.status, "pending")),
  );
  return pending === 0;
}

/**
 * For tests that show nothing more happens: waits for a deterministic point (every job already
 * set in motion has finished, and with `incidentIds` none of their outbox rows is pending), then
 * a short grace for a call already on the wire, and checks again. Slowness only makes it wait
 * longer; it never lets a duplicate in flight go unseen.
 */
export async function settled(
  deps: Pick<Deps, "jobs" | "db">,
  {
    incidentIds,
    until,
    graceMs = 300,
    timeoutMs = 60_000,
  }: {
    incidentIds?: string[];
    /** An instant the test's claim covers (e.g. a deadline that must pass without a breach):
     * waits until it has passed, and then until every timer due by then has run. */
    until?: number;
    graceMs?: number;
    timeoutMs?: number;
  } = {},
): Promise<void> {
  const wait = (until ?? 0) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const deadline = Date.now() + timeoutMs;
  const idle = async () => (await queuesIdle(deps)) && (await outboxIdle(deps, incidentIds));
  for (;;) {
    await eventually("every job set in motion to finish", idle, {
      timeoutMs: Math.max(0, deadline - Date.now()),
      intervalMs: 50,
    });
    await new Promise((r) => setTimeout(r, graceMs));
    if (await idle()) return;
  }
}

/** How many Slack requests have finished their handlers (the ack and the work after it). */
export async function handlersFinished(deps: Pick<Deps, "metrics">): Promise<number> {
  const { values } = await deps.metrics.requestDuration.get();
  return values.filter((v) => v.metricName?.endsWith("_count")).reduce((n, v) => n + v.value, 0);
}

/**
 * Waits until `count` Slack requests more than `since` (a `handlersFinished` reading) have
 * finished their handlers, then a short grace for a call already on the wire: the point after
 * which a handler that was going to call Slack has done so.
 */
export async function handlersDone(
  deps: Pick<Deps, "metrics">,
  since: number,
  { count = 1, graceMs = 100 }: { count?: number; graceMs?: number } = {},
): Promise<void> {
  await eventually(
    "the Slack requests' handlers to finish",
    async () => (await handlersFinished(deps)) >= since + count,
    { timeoutMs: 30_000 },
  );
  await new Promise((r) => setTimeout(r, graceMs));
}
