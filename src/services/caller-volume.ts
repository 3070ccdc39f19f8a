import { sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../db/client.js";
import {
  getVolumeCrossing,
  markVolumeRaiseDone,
  type VolumeCrossing,
  volumeRequestKey,
} from "../db/queries/caller-volume.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { volumeRaiseOf, volumeReason } from "../domain/caller-volume.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { callerVolumeOf } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { volumeRaisedDm } from "../messages/caller-volume.js";
import { stakeholderChannelsFor } from "./communicate.js";
import type { Deps } from "./deps.js";
import { recategorise } from "./recategorise.js";

/**
 * Logs a crossing unless one was logged on the incident within the rule's window (a flood is
 * one crossing, however many callers see the count at or over the threshold), under an
 * advisory lock on the incident so that two callers at the threshold log one. Logged before
 * the raise is queued, so the raise can always be found again if its job is lost. Returns
 * whether this call logged it.
 */
export async function recordVolumeCrossing(
  tx: DbOrTx,
  incidentId: string,
  crossing: VolumeCrossing,
  now: Date,
): Promise<boolean> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`volume:${incidentId}`}, 0))`);
  const since = new Date(now.getTime() - crossing.withinMs).toISOString();
  const logged = await tx.execute(sql`
    insert into incident_log (incident_id, actor, kind, details)
    select ${incidentId}::uuid, ${SYSTEM_ACTOR}, 'caller_volume_reached', ${JSON.stringify(crossing)}::jsonb
    where not exists (
      select 1 from incident_log
      where incident_id = ${incidentId}::uuid and kind = 'caller_volume_reached'
        and at > ${since}::timestamptz)
    returning id`);
  return logged.length > 0;
}

/** Whether a crossing was logged on the incident after `since` (incident_log_volume_idx). */
export async function crossedSince(db: DbOrTx, incidentId: string, since: Date): Promise<boolean> {
  const [row] = await db.execute<{ one: number }>(sql`
    select 1 as one from incident_log
    where incident_id = ${incidentId}::uuid and kind = 'caller_volume_reached'
      and at > ${since.toISOString()}::timestamptz
    limit 1`);
  return row !== undefined;
}

/** After commit: queues the crossing's raise. If Redis is down, the sweep queues it later. */
export async function queueVolumeRaise(deps: Deps, incidentId: string, key: string): Promise<void> {
  try {
    await deps.jobs.enqueue("callers.volume-raise", { incidentId, key }, { jobId: jobIds.volumeRaise(key) });
  } catch (e) {
    deps.logger.warn({ incidentId, err: describeError(e) }, "caller volume raise not queued; the sweep will");
  }
}

/**
 * The job: re-categorises the incident by `system` with the reason "caller volume: 10 callers
 * in 15 minutes", raising impact and urgency to at least the policy's levels (never lowering)
 * and setting the major flag if asked. The crossing's request key makes a retried or re-queued
 * job change nothing twice; an incident already at that level (or resolved, closed, merged) is
 * left as it is and nothing more is logged. The owner (the reporter while unowned) gets a DM in
 * the same transaction; stakeholders hear the priority change as any other.
 */
export async function raiseForCallerVolume(
  deps: Deps,
  p: { incidentId: string; key: string },
): Promise<"raised" | "unchanged" | "gone"> {
  const log = deps.logger.child({ component: "callers.volume" });
  const crossing = await getVolumeCrossing(deps.db, p);
  if (!crossing) return "gone";
  const outcome = await recategorise(deps, {
    incidentId: p.incidentId,
    actor: SYSTEM_ACTOR,
    requestKey: volumeRequestKey(p.key),
    reason: volumeReason(crossing.callers, crossing.withinMs),
    changes: (incident) => raiseFor(deps, incident),
    also: (tx, before, after) => tellOfRaise(tx, deps, before, after, crossing),
  });
  if (outcome.ok) {
    if (!outcome.duplicate) {
      const reference = formatReference(outcome.incident.number);
      log.info(
        { incidentId: p.incidentId, reference, priority: outcome.incident.priority },
        "caller volume raised",
      );
    }
    return outcome.duplicate ? "unchanged" : "raised";
  }
  // Nothing to change: recorded, so the sweep does not come back to it.
  await markVolumeRaiseDone(deps.db, p.key);
  log.info({ incidentId: p.incidentId, code: outcome.code }, "caller volume: nothing to raise");
  return "unchanged";
}

/** What the incident's type's rule raises now; null when nothing (or when it is no longer worked). */
function raiseFor(deps: Deps, incident: IncidentRow) {
  // A resolved incident's callers are ringing about the fix, not a growing outage.
  if (incident.status === "resolved" || incident.status === "closed" || incident.mergedIntoId) return null;
  const rule = callerVolumeOf(deps.policy, incident.type);
  return rule ? volumeRaiseOf(incident, rule.raise, deps.policy.priorityMatrix) : null;
}

/** Whether a stakeholder channel hears the raise: a priority or major change its notify list names. */
function stakeholdersHear(deps: Deps, before: IncidentRow, after: IncidentRow): boolean {
  const heard = [
    ...(after.priority !== before.priority ? (["priority_changed"] as const) : []),
    ...(after.major !== before.major ? (["major_changed"] as const) : []),
  ];
  return stakeholderChannelsFor(deps, after).some((c) => heard.some((m) => c.hears(m)));
}

/** The owner's DM (the reporter's while nobody owns it), written with the change. */
function tellOfRaise(
  tx: Tx,
  deps: Deps,
  before: IncidentRow,
  after: IncidentRow,
  crossing: VolumeCrossing,
): Promise<string[]> {
  const recipient = after.ownerId ?? after.reporterId;
  if (!recipient || recipient === deps.botUserId) return Promise.resolve([]);
  return upsertOutbox(tx, [
    {
      incidentId: after.id,
      dedupeKey: outboxKey.change("volume_dm", after, recipient),
      purpose: "volume_dm",
      channel: recipient,
      message: volumeRaisedDm(before, after, crossing, stakeholdersHear(deps, before, after)),
    },
  ]);
}
