import {
  eraseCallerReferences,
  eraseCallerReportContacts,
  erasedSinceWithCard,
} from "../db/queries/caller-references.js";
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
 * The caller details of their caller reports (caller reference, callback contact) go the
 * same way, logged with how many reports. Then the pinned cards are re-rendered so Slack no
 * longer shows the value either. Returns how many incidents' caller references were erased.
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
  let reports = 0;
  for (;;) {
    const batch = await eraseCallerReportContacts(deps.db, {
      cutoff,
      limit: BATCH,
      actor: SYSTEM_ACTOR,
      retention,
    });
    reports += batch;
    if (batch < BATCH) break;
  }
  await refreshErasedCards(deps);
  if (erased > 0 || reports > 0)
    deps.logger.info({ erased, reports, retention }, "caller references erased after retention period");
  return erased;
}

function eraseBatch(deps: Deps, cutoff: Date, retention: string): Promise<number> {
  return eraseCallerReferences(deps.db, { cutoff, limit: BATCH, actor: SYSTEM_ACTOR, retention });
}

async function refreshErasedCards(deps: Deps): Promise<void> {
  const since = new Date(deps.clock.now().getTime() - CARD_CATCH_UP_MS);
  for (const incidentId of await erasedSinceWithCard(deps.db, since)) {
    await deps.jobs
      .enqueue("card.refresh", { incidentId }, { jobId: jobIds.cardRefreshAfterErasure(incidentId) })
      .catch((err: unknown) =>
        deps.logger.warn({ incidentId, err: describeError(err) }, "card refresh after erasure not queued"),
      );
  }
}
