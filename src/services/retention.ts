import { sql } from "drizzle-orm";
import { formatDuration } from "../domain/duration.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import type { Deps } from "./deps.js";

/** Incidents erased per transaction: keeps each one short however much is due at once. */
const BATCH = 500;
/** Cards of incidents erased this recently are refreshed again on each pass (idempotent). */
const CARD_CATCH_UP_MS = 24 * 3_600_000;

/**
 * Erases the caller reference of every incident closed longer ago than the policy's retention
 * period: the value is set to null and `erased_at` stamped, and the incident log records the
 * erasure (never the value) in the same statement, so neither can happen without the other.
 * Then the pinned cards are re-rendered so Slack no longer shows the value either.
 * Returns how many incidents were erased.
 */
export async function eraseExpiredCallerReferences(deps: Deps): Promise<number> {
  const retentionMs = deps.policy.retention.callerReferenceMs;
  const cutoff = new Date(deps.clock.now().getTime() - retentionMs);
  const retention = formatDuration(retentionMs, 2);
  let erased = 0;
  for (;;) {
    const batch = await eraseBatch(deps, cutoff, retention);
    erased += batch;
    if (batch < BATCH) break;
  }
  await refreshErasedCards(deps);
  if (erased > 0) deps.logger.info({ erased, retention }, "caller references erased after retention period");
  return erased;
}

async function eraseBatch(deps: Deps, cutoff: Date, retention: string): Promise<number> {
  // `for update skip locked`: two workers running the pass at once erase disjoint incidents.
  const rows = await deps.db.execute(sql`
    with due as (
      select cr.incident_id, i.closed_at
      from caller_references cr
      join incidents i on i.id = cr.incident_id
      where cr.erased_at is null
        and i.status = 'closed'
        and i.closed_at < ${cutoff.toISOString()}::timestamptz
      order by i.closed_at
      limit ${BATCH}
      for update of cr skip locked
    ),
    erased as (
      update caller_references cr
      set value = null, erased_at = now()
      from due
      where cr.incident_id = due.incident_id
      returning cr.incident_id, due.closed_at
    )
    insert into incident_log (incident_id, actor, kind, details)
    select incident_id, ${SYSTEM_ACTOR}, 'caller_reference_erased',
           jsonb_build_object('reason', 'retention', 'retention', ${retention}::text, 'closedAt', closed_at)
    from erased
    returning incident_id
  `);
  return rows.length;
}

async function refreshErasedCards(deps: Deps): Promise<void> {
  const since = new Date(deps.clock.now().getTime() - CARD_CATCH_UP_MS);
  const rows = await deps.db.execute<{ incident_id: string }>(sql`
    select cr.incident_id
    from caller_references cr
    join incidents i on i.id = cr.incident_id
    where cr.erased_at > ${since.toISOString()}::timestamptz and i.summary_ts is not null
  `);
  for (const { incident_id: incidentId } of rows) {
    await deps.jobs
      .enqueue("card.refresh", { incidentId }, { jobId: jobIds.cardRefreshAfterErasure(incidentId) })
      .catch((err: unknown) =>
        deps.logger.warn({ incidentId, err: describeError(err) }, "card refresh after erasure not queued"),
      );
  }
}
