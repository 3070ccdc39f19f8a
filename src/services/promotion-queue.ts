import type { IncidentRow } from "../db/schema/index.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { getsOwnChannel } from "../domain/work-place.js";
import { type JobPayload, jobIds } from "../jobs/catalog.js";
import type { Deps } from "./deps.js";

export type Promotion = JobPayload<"incident.promote">;

/**
 * Queues the promotion of an incident worked in a thread. The job id makes a double click or a
 * second rise one job; the job itself finds a channel already made and only finishes the rest.
 */
export async function queuePromotion(deps: Deps, p: Promotion): Promise<void> {
  await deps.jobs.enqueue("incident.promote", p, { jobId: jobIds.promote(p.incidentId) });
}

/** Whether the incident is worked in a thread now, so that *Open a channel* applies. */
export function workedInThread(i: Pick<IncidentRow, "channelId" | "threadTs">): boolean {
  return !i.channelId && !!i.threadTs;
}

/**
 * After a committed change: an incident worked in a thread whose priority or major flag has
 * risen into the policy's `incident_channel` set is given a channel of its own.
 */
export async function promoteIfDue(deps: Deps, incident: IncidentRow): Promise<void> {
  if (!workedInThread(incident) || !isOpenStatus(incident.status)) return;
  if (!getsOwnChannel(deps.policy, incident)) return;
  await queuePromotion(deps, { incidentId: incident.id, actor: SYSTEM_ACTOR, via: "priority" });
}
