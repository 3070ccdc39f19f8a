import { listUnraisedCrossings, volumeRaiseDone } from "../db/queries/caller-volume.js";
import { getExternalDelivery, listStalePendingExternal } from "../db/queries/external-deliveries.js";
import {
  cardBehind,
  getIncidentById,
  listIncidentsAwaitingSetup,
  listIncidentsWithCardBehind,
  listPromotionsDue,
} from "../db/queries/incidents.js";
import { getOutbox, listStalePendingOutbox } from "../db/queries/outbox.js";
import { getPracticeRun, listClosedUndebriefedRuns, listUnpostedInjects } from "../db/queries/practice.js";
import { getReview, listUnpublishedReviews } from "../db/queries/reviews.js";
import { outboxKey } from "../delivery/purposes.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { ALL_GET_CHANNELS } from "../domain/policy-types.js";
import type { Deps } from "../services/deps.js";
import { injectStillDue } from "../services/practice-injects.js";
import { promotionStillDue } from "../services/promote.js";
import { jobIds } from "./catalog.js";
import { ensureJob } from "./ensure-job.js";

/**
 * Work younger than this is probably still in flight; leave it to its own job. After Redis
 * lost its data no job is in flight, so recovery passes 0.
 */
const GRACE_MS = 30_000;
const BATCH = 500;
/** A review document that Slack kept refusing (bot removed from the channel) stops being retried. */
const PUBLISH_GIVE_UP_MS = 7 * 86_400_000;
/** A caller-volume crossing older than this is history: its callers have long been dealt with. */
const RAISE_GIVE_UP_MS = 86_400_000;

/**
 * PostgreSQL is the record of what must happen; Redis only holds the jobs that make it happen.
 * The sweep re-queues work whose job is missing (Redis flushed, enqueue failed after commit)
 * or ended without finishing it, so nothing that was committed is left undone.
 */
export async function sweep(
  deps: Deps,
  opts: { graceMs?: number } = {},
): Promise<{ setups: number; deliveries: number; redraws: number; raises: number }> {
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
  for (const { id } of await listStalePendingExternal(deps.db, { createdBefore: before, limit: BATCH })) {
    const stillDue = async () => (await getExternalDelivery(deps.db, id))?.status === "pending";
    deliveries += await ensureJob(
      deps,
      "external.deliver",
      { deliveryId: id },
      { jobId: jobIds.externalDeliver(id), stillDue },
    );
  }
  const publications = await requeuePublications(deps, before);
  const redraws = await requeueRedraws(deps, before);
  const raises = await requeueVolumeRaises(deps, before);
  setups += await requeuePromotions(deps, before);
  const practice = await requeuePractice(deps, before);
  if (setups + deliveries + publications + redraws + raises + practice > 0) {
    deps.logger.info({ setups, deliveries, publications, redraws, raises, practice }, "sweep requeued work");
  }
  return { setups, deliveries, redraws, raises };
}

/** Completed reviews whose document never reached Slack (enqueue failed after commit, Redis lost it). */
async function requeuePublications(deps: Deps, before: Date): Promise<number> {
  const after = new Date(before.getTime() - PUBLISH_GIVE_UP_MS);
  let queued = 0;
  for (const { id } of await listUnpublishedReviews(deps.db, {
    completedBefore: before,
    completedAfter: after,
    limit: BATCH,
  })) {
    const stillDue = async () => !(await getReview(deps.db, id))?.publishedAt;
    queued += await ensureJob(
      deps,
      "review.publish",
      { reviewId: id },
      { jobId: jobIds.reviewPublish(id), stillDue },
    );
  }
  return queued;
}

/**
 * Pinned cards left showing an older state of their incident: the change committed, but its
 * redraw job was never queued (Redis down) or was lost (Redis flushed). A redraw still waiting
 * for its edit turn is left alone (it has the same job id).
 */
async function requeueRedraws(deps: Deps, before: Date): Promise<number> {
  let queued = 0;
  for (const { id, version } of await listIncidentsWithCardBehind(deps.db, {
    changedBefore: before,
    limit: BATCH,
  })) {
    queued += await ensureJob(
      deps,
      "card.refresh",
      { incidentId: id },
      { jobId: jobIds.cardRefresh(id, version), stillDue: () => cardBehind(deps.db, id, version) },
    );
  }
  return queued;
}

/**
 * Routine incidents that should have been given a channel: a rise into the policy's
 * `incident_channel` set whose promotion was never queued (Redis down after the change), or a
 * promotion that stopped before the thread got its link. Each is a setup-like step: counted so.
 */
async function requeuePromotions(deps: Deps, before: Date): Promise<number> {
  const rule = deps.policy.incidentChannel ?? ALL_GET_CHANNELS;
  let queued = 0;
  for (const { id } of await listPromotionsDue(deps.db, {
    priorities: rule.for,
    major: rule.major,
    linkKey: outboxKey.promotedLink(""),
    changedBefore: before,
    limit: BATCH,
  })) {
    queued += await ensureJob(
      deps,
      "incident.promote",
      { incidentId: id, actor: SYSTEM_ACTOR, via: "priority" },
      { jobId: jobIds.promote(id), stillDue: () => promotionStillDue(deps, id) },
    );
  }
  return queued;
}

/**
 * Caller-volume crossings whose raise never ran to the end: logged with the report that
 * crossed, but the job was never queued (Redis down) or was lost (Redis flushed).
 */
async function requeueVolumeRaises(deps: Deps, before: Date): Promise<number> {
  const after = new Date(before.getTime() - RAISE_GIVE_UP_MS);
  let queued = 0;
  for (const { incidentId, key } of await listUnraisedCrossings(deps.db, { before, after, limit: BATCH })) {
    queued += await ensureJob(
      deps,
      "callers.volume-raise",
      { incidentId, key },
      { jobId: jobIds.volumeRaise(key), stillDue: async () => !(await volumeRaiseDone(deps.db, key)) },
    );
  }
  return queued;
}

/**
 * Practice drills (issue 23): injects of running drills whose job is missing (Redis lost it,
 * or it ended without posting), each queued again for its due time (at once when past), and
 * drills whose incident was closed but whose debrief was never written (the end job lost).
 */
async function requeuePractice(deps: Deps, before: Date): Promise<number> {
  let queued = 0;
  for (const { runId, position, dueAt } of await listUnpostedInjects(deps.db, {
    createdBefore: before,
    limit: BATCH,
  })) {
    queued += await ensureJob(
      deps,
      "practice.inject",
      { runId, position },
      {
        jobId: jobIds.practiceInject(runId, position),
        at: dueAt,
        stillDue: () => injectStillDue(deps, runId, position),
      },
    );
  }
  for (const { runId } of await listClosedUndebriefedRuns(deps.db, { closedBefore: before, limit: BATCH })) {
    queued += await ensureJob(
      deps,
      "practice.end",
      { runId, actor: SYSTEM_ACTOR },
      {
        jobId: jobIds.practiceEnd(runId),
        stillDue: async () => !(await getPracticeRun(deps.db, runId))?.debrief,
      },
    );
  }
  return queued;
}
