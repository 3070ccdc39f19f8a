import { sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import {
  type ClaimedCallback,
  callbackHolder,
  callbackRecorders,
  callbackTally,
  claimCallbacks,
  claimedCallbacks,
  recordCallbackOutcome,
} from "../db/queries/callbacks.js";
import { tookCallAbout } from "../db/queries/caller-reports.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { lockIncident } from "../db/queries/mutate.js";
import { getOutboxByKey, upsertOutbox } from "../db/queries/outbox.js";
import { lockClocksOf } from "../db/queries/sla-clocks.js";
import type { IncidentRow } from "../db/schema/index.js";
import { editMessage } from "../delivery/edit.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueDeliveries } from "../delivery/queue.js";
import { RetryLater } from "../delivery/retry-later.js";
import {
  CALLBACKS_CLOCK,
  CLAIM_SIZES,
  type ClaimSize,
  callbackProgress,
  closeWithCallbacks,
  stillToMake,
} from "../domain/callbacks.js";
import { CALLBACK_OUTCOME_LABELS, type CallbackOutcome, callerRedrawSlot } from "../domain/callers.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { mayTakeCallbacks, personalDataViewers } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { workPlacePost } from "../domain/work-place.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { callbackList, callbackTakersDm } from "../messages/callbacks.js";
import type { Deps } from "./deps.js";
import { type ChangeOutcome, changeIncident, type Refusal } from "./mutate-incident.js";
import { scheduleClocks, syncClocks } from "./sla-clocks.js";

/**
 * Part of the resolve change (same transaction, incident locked): when callers asked to be
 * called back, their list goes where the incident is worked (its channel or thread, the only
 * places a caller's business may be discussed; the list itself shows counts only), and each
 * agent who recorded one of those callers is told by DM where to take them. One list per
 * incident: resolving again after a reopen finds it and has it redrawn instead.
 */
export async function listCallbacksOnResolve(tx: Tx, incident: IncidentRow): Promise<string[]> {
  const tally = await callbackTally(tx, incident.id);
  if (tally.outstanding === 0) return [];
  const key = outboxKey.callbackList(incident.id);
  if (await getOutboxByKey(tx, key)) return [];
  const post = workPlacePost(incident, callbackList(incident, tally));
  // Not set up yet (no channel or thread): nowhere it may go. Its card still shows the count.
  if (!post) return [];
  await appendLog(tx, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "callbacks_listed",
    details: { count: tally.outstanding },
  });
  // Written with the list's first post only (the key above): each agent is told once, however
  // often it is resolved or callers are added after the fix.
  const told = (await callbackRecorders(tx, incident.id))
    .filter((r) => r.agent !== SYSTEM_ACTOR)
    .map((r) => ({
      incidentId: incident.id,
      dedupeKey: outboxKey.callbackDm(incident.id, r.agent),
      purpose: "callback_dm" as const,
      channel: r.agent,
      message: callbackTakersDm(incident, { total: tally.outstanding, yours: r.callbacks }),
    }));
  return upsertOutbox(tx, [
    { incidentId: incident.id, dedupeKey: key, purpose: "callback_list", ...post },
    ...told,
  ]);
}

/**
 * Read in the close change's transaction: with callbacks still to make, closing asks for
 * confirmation (`anyway` is the answer), or is refused under `callbacks_required_for_close`.
 */
export async function callbacksCloseRefusal(
  tx: Tx,
  deps: Deps,
  incident: IncidentRow,
  anyway: boolean,
): Promise<Refusal | null> {
  const { outstanding } = await callbackTally(tx, incident.id);
  const requiredForClose = deps.policy.callbacksRequiredForClose === true;
  const ref = formatReference(incident.number);
  switch (closeWithCallbacks(outstanding, { requiredForClose, anyway })) {
    case "close":
      return null;
    case "confirm":
      return { code: "callbacks_outstanding", message: `${ref}: ${stillToMake(outstanding)}. Close anyway?` };
    case "refuse":
      return {
        code: "callbacks_required",
        message: `${ref} can't be closed yet: ${stillToMake(outstanding)}, and every callback must be made first. Take them from the callback list in its channel and record what happened, then close it.`,
      };
  }
}

export type CallbacksShown =
  | { ok: true; incident: IncidentRow; callbacks: ClaimedCallback[]; took?: number }
  | { ok: false; message: string };

/** Taking callbacks shows the callers' details: only the people working the calls may (mayTakeCallbacks). */
async function mayTake(deps: Deps, incident: IncidentRow, actor: string): Promise<string | null> {
  const tookACall = await tookCallAbout(deps.db, incident.id, actor);
  if (mayTakeCallbacks(deps.policy, { userId: actor, ...incident, tookACall })) return null;
  return `Callbacks show callers' contact details, which are personal data: only agents on the floor's teams, whoever took a call about ${formatReference(incident.number)}, and ${personalDataViewers(deps.policy)} can take them.`;
}

/**
 * "Take it / 5 / 10 / all": gives the clicker unclaimed callbacks, oldest first (disjoint from
 * anyone taking at the same moment), then reads every callback they hold, with the callers'
 * details, logging both the claim and the reveal (never a value) in the same transaction.
 */
export async function takeCallbacks(
  deps: Deps,
  p: { incidentId: string; actor: string; size: ClaimSize },
): Promise<CallbacksShown> {
  const found = await getIncidentById(deps.db, p.incidentId);
  if (!found) return { ok: false, message: "That incident no longer exists." };
  const refused = await mayTake(deps, found, p.actor);
  if (refused) return { ok: false, message: refused };
  const ref = formatReference(found.number);
  const result = await deps.db.transaction(async (tx): Promise<CallbacksShown> => {
    // Shared: takers do not wait for each other, but a close waits for them (and they for it).
    await tx.execute(sql`select id from incidents where id = ${p.incidentId}::uuid for share`);
    const incident = (await getIncidentById(tx, p.incidentId)) ?? found;
    if (incident.status === "closed")
      return { ok: false, message: `${ref} is closed: its callbacks can no longer be taken.` };
    const now = deps.clock.now();
    const taken = await claimCallbacks(tx, {
      incidentId: incident.id,
      actor: p.actor,
      limit: CLAIM_SIZES[p.size],
      now,
    });
    if (taken.length > 0) {
      await appendLog(tx, {
        incidentId: incident.id,
        actor: p.actor,
        kind: "callback_claimed",
        details: { count: taken.length },
      });
    }
    const callbacks = await reveal(tx, incident, p.actor);
    if (taken.length === 0 && callbacks.length === 0) {
      return { ok: false, message: `${ref} has no callbacks left to take: every one is taken or made.` };
    }
    return { ok: true, incident, callbacks, took: taken.length };
  });
  if (result.ok && (result.took ?? 0) > 0) await queueListRefresh(deps, p.incidentId);
  return result;
}

/** "My callbacks": the callbacks the clicker holds and has not recorded yet, with the callers' details. */
export async function showMyCallbacks(
  deps: Deps,
  p: { incidentId: string; actor: string },
): Promise<CallbacksShown> {
  const incident = await getIncidentById(deps.db, p.incidentId);
  if (!incident) return { ok: false, message: "That incident no longer exists." };
  const refused = await mayTake(deps, incident, p.actor);
  if (refused) return { ok: false, message: refused };
  const callbacks = await deps.db.transaction((tx) => reveal(tx, incident, p.actor));
  if (callbacks.length === 0) {
    return {
      ok: false,
      message: `You have no callbacks to make for ${formatReference(incident.number)}. Take some from the list.`,
    };
  }
  return { ok: true, incident, callbacks };
}

/** The actor's outstanding callbacks with their details; the reveal logged when there are any. */
async function reveal(tx: Tx, incident: IncidentRow, actor: string): Promise<ClaimedCallback[]> {
  const callbacks = await claimedCallbacks(tx, { incidentId: incident.id, actor });
  if (callbacks.length > 0) {
    await appendLog(tx, {
      incidentId: incident.id,
      actor,
      kind: "personal_data_viewed",
      details: { what: "callback contacts", count: callbacks.length },
    });
  }
  return callbacks;
}

/**
 * Records what came of one callback the actor holds, logged without the caller's details; the
 * callback clock stops with the last one (a change to the incident: its card shows the count).
 */
export async function recordCallback(
  deps: Deps,
  p: { incidentId: string; reportId: string; outcome: CallbackOutcome; actor: string; requestKey?: string },
): Promise<ChangeOutcome> {
  const outcome = await changeIncident(deps, p, async (incident, tx) => {
    const ref = formatReference(incident.number);
    const now = deps.clock.now();
    const recorded = await recordCallbackOutcome(tx, { ...p, now });
    if (!recorded) {
      const holder = await callbackHolder(tx, p);
      const message =
        holder === undefined
          ? `That callback is no longer on ${ref}'s list.`
          : holder
            ? `That callback is <@${holder}>'s: only they can record it.`
            : "Take that callback first, then record what happened.";
      return { ok: false, error: { code: "not_yours", message } };
    }
    const tally = await callbackTally(tx, incident.id);
    const label = CALLBACK_OUTCOME_LABELS[p.outcome];
    return {
      ok: true,
      value: {
        patch: {},
        log: [
          {
            kind: "callback_recorded" as const,
            details: {
              outcome: p.outcome,
              reportId: p.reportId,
              ...(recorded.previous ? { previous: recorded.previous } : {}),
            },
          },
        ],
        message: `Recorded: ${label}. ${ref}: ${callbackProgress(tally)}`,
        ...(tally.outstanding === 0 ? { clocks: { stop: [CALLBACKS_CLOCK] } } : {}),
      },
    };
  });
  if (outcome.ok && !outcome.duplicate) await queueListRefresh(deps, p.incidentId);
  return outcome;
}

/**
 * A caller who wants a callback, added after the incident was resolved (or moved to it from a
 * duplicate): the list is posted if it was not (no caller wanted one at the resolve) or redrawn,
 * and the callback clock starts unless it runs already (a running clock keeps its deadline).
 * Never throws: the card shows the count whatever happens here.
 */
export async function callbacksForLateCaller(deps: Deps, incidentId: string): Promise<void> {
  try {
    const done = await deps.db.transaction(async (tx) => {
      const incident = await lockIncident(tx, incidentId);
      if (incident?.status !== "resolved") return null;
      const listed = await listCallbacksOnResolve(tx, incident);
      const clocks = await lockClocksOf(tx, incident.id);
      const running = clocks.some((c) => c.name === CALLBACKS_CLOCK && c.state === "running");
      const { outstanding } = await callbackTally(tx, incident.id);
      const updates =
        running || outstanding === 0
          ? []
          : await syncClocks(tx, deps, incident, incident, { callbacks: true });
      return { listed, updates };
    });
    if (!done) return;
    await queueDeliveries(deps, done.listed);
    await scheduleClocks(deps, done.updates);
    await queueListRefresh(deps, incidentId);
  } catch (err) {
    deps.logger.warn({ incidentId, err: describeError(err) }, "callbacks of a late caller not set up");
  }
}

/** How long to wait for a list still waiting to be posted before looking again. */
const LIST_PENDING_RETRY_MS = 5_000;

/**
 * Edits the callback list to show where it stands now (the `callbacks.refresh` job). Renders
 * from the current rows, so a late or repeated edit can only ever show the newest counts.
 */
export async function refreshCallbackList(
  deps: Deps,
  incidentId: string,
): Promise<"edited" | "no_list" | "gave_up"> {
  const list = await getOutboxByKey(deps.db, outboxKey.callbackList(incidentId));
  if (!list || list.status === "failed") return "no_list";
  if (list.status !== "sent" || !list.postedChannel || !list.ts) {
    throw new RetryLater(LIST_PENDING_RETRY_MS, "callback list not posted yet");
  }
  const incident = await getIncidentById(deps.db, incidentId);
  if (!incident) return "no_list";
  const tally = await callbackTally(deps.db, incidentId);
  const edited = await editMessage(
    deps.slack,
    { channel: list.postedChannel, ts: list.ts },
    callbackList(incident, tally),
  );
  if (edited.ok) return "edited";
  deps.logger.warn({ incidentId, error: edited.error }, "callback list not updated");
  return "gave_up";
}

/**
 * Queues the list's edit at the end of this time slot (one per slot, like the card's redraws
 * for callers: a burst of claims edits it once). Never throws: the next claim or outcome
 * queues it again.
 */
export async function queueListRefresh(deps: Deps, incidentId: string): Promise<void> {
  const { slot, endsAt } = callerRedrawSlot(deps.clock.now());
  try {
    await deps.jobs.enqueue(
      "callbacks.refresh",
      { incidentId },
      { jobId: jobIds.callbackListRefresh(incidentId, slot), pacedFrom: endsAt },
    );
  } catch (err) {
    deps.logger.warn({ incidentId, err: describeError(err) }, "callback list refresh not queued");
  }
}
