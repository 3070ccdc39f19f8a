import { getIncidentById } from "../db/queries/incidents.js";
import { getOutboxByKey, upsertOutboxRows } from "../db/queries/outbox.js";
import { editMessage } from "../delivery/edit.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueRowDeliveries } from "../delivery/queue.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { formatReference } from "../domain/reference.js";
import { getsOwnChannel, postAt } from "../domain/work-place.js";
import { promotedCardStub, promotedThreadLink } from "../messages/promotion.js";
import type { Deps } from "./deps.js";
import { ensureChannel, equipChannel } from "./incident-setup.js";
import { type Promotion, queuePromotion, workedInThread } from "./promotion-queue.js";

/**
 * Gives a routine incident worked in a thread a channel of its own, as set-up gives one: the
 * channel (its creation logged as `promoted_to_channel` by whoever asked), the reporter and
 * owner invited, a card of its own pinned there; then a link in the thread and the thread's
 * card turned into a pointer to the channel. Every step is recorded or keyed, so a retried job
 * (or a second click) creates no second channel and posts no second link.
 */
export async function promoteIncident(deps: Deps, p: Promotion): Promise<void> {
  const found = await getIncidentById(deps.db, p.incidentId);
  // Not (yet) in a thread: set-up decides, and promotes at its end if the priority rose meanwhile.
  if (!found?.threadTs || !found.workingChannelId) return;
  const incident = await ensureChannel(deps, found, {
    actor: p.actor,
    kind: "promoted_to_channel",
    details: { via: p.via },
  });
  await equipChannel(deps, incident);
  const thread = { channel: found.workingChannelId, threadTs: found.threadTs };
  const by = p.actor === SYSTEM_ACTOR ? null : p.actor;
  const rows = await upsertOutboxRows(deps.db, [
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.promotedLink(incident.id),
      purpose: "promoted_link",
      ...postAt(thread, promotedThreadLink(incident, by)),
    },
  ]);
  await queueRowDeliveries(deps, rows);
  const edited = await editMessage(
    deps.slack,
    { channel: thread.channel, ts: thread.threadTs },
    promotedCardStub(incident),
  );
  if (!edited.ok)
    deps.logger.warn(
      { incidentId: incident.id, reference: formatReference(incident.number), error: edited.error },
      "thread card not turned into a pointer",
    );
}

/**
 * The card's *Open a channel*: queues the promotion and answers the clicker. A second click
 * (or one after the channel exists) is told where the channel is, and creates nothing.
 */
export async function requestPromotion(
  deps: Deps,
  p: { incidentId: string; actor: string },
): Promise<string> {
  const incident = await getIncidentById(deps.db, p.incidentId);
  if (!incident) return "That incident no longer exists.";
  const ref = formatReference(incident.number);
  if (incident.channelId) return `${ref} already has its own channel: <#${incident.channelId}>.`;
  if (!incident.threadTs) return `${ref} is still being set up. Try again in a moment.`;
  if (incident.status === "closed")
    return `${ref} is closed, so it gets no channel now. Nothing was changed.`;
  await queuePromotion(deps, { incidentId: incident.id, actor: p.actor, via: "button" });
  return `Opening a channel for ${ref}. The thread will link to it in a moment.`;
}

/**
 * Whether the sweep should (re)queue this incident's promotion: a rise the job was never queued
 * for (Redis down after the change), or a promotion that stopped before its thread's link.
 */
export async function promotionStillDue(deps: Deps, incidentId: string): Promise<boolean> {
  const incident = await getIncidentById(deps.db, incidentId);
  if (!incident) return false;
  if (workedInThread(incident)) return isOpenStatus(incident.status) && getsOwnChannel(deps.policy, incident);
  if (!incident.promotedAt) return false;
  return (await getOutboxByKey(deps.db, outboxKey.promotedLink(incident.id))) === null;
}
