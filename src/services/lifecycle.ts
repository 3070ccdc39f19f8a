import type { Tx } from "../db/client.js";
import { callbackTally } from "../db/queries/callbacks.js";
import { acknowledgeBreachedLadders } from "../db/queries/sla-clocks.js";
import type { IncidentRow } from "../db/schema/index.js";
import { type CloseCode, STATUS_LABELS } from "../domain/incident.js";
import { type HoldReason, type LifecycleAction, transition } from "../domain/lifecycle.js";
import { authorize } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { callbacksCloseRefusal, listCallbacksOnResolve, queueListRefresh } from "./callbacks.js";
import type { Deps } from "./deps.js";
import { withRebriefing } from "./floor.js";
import { afterMerge, againAfterDeadlock, type Merge, mergeIntoMaster, withMerge } from "./merge.js";
import { type Change, type ChangeOutcome, changeIncident, type Refusal } from "./mutate-incident.js";
import { queuePracticeEnd } from "./practice-debrief.js";
import { requestReviewOnResolve, reviewCloseRefusal } from "./review.js";
import { queueBreachDmEdit } from "./sla-clocks.js";

export interface StatusChangeInput {
  incidentId: string;
  actor: string;
  action: LifecycleAction;
  requestKey?: string;
  hold?: { reason: HoldReason; note?: string };
  resolution?: {
    summary: string;
    closeCode: CloseCode;
    rootCause?: string;
    callersNow?: string;
    /** With close code `duplicate`: the number of the master incident (INC-n). */
    duplicateOf?: number;
  };
  reason?: string;
  /** Close although callbacks are still to make (the answer to "Close anyway?"). */
  closeAnyway?: boolean;
}

/** Moves an incident through the one state machine, if the actor may and the move is legal. */
export function changeStatus(deps: Deps, input: StatusChangeInput): Promise<ChangeOutcome> {
  // A merge locks its master after the duplicate, against the id order other changes keep.
  return input.resolution?.closeCode === "duplicate"
    ? againAfterDeadlock(() => moveStatus(deps, input))
    : moveStatus(deps, input);
}

async function moveStatus(deps: Deps, input: StatusChangeInput): Promise<ChangeOutcome> {
  let ladders: Awaited<ReturnType<typeof acknowledgeBreachedLadders>> = [];
  let acknowledgedAt = new Date(0);
  let merge: Merge | null = null;
  // The state machine and statusRefusal decide what a closed incident allows (a reopen).
  const outcome = await changeIncident(deps, { ...input, closedToo: true }, async (incident, tx) => {
    const decision = decideStatus(deps, incident, input);
    if (!decision.ok) return decision;
    if (input.action === "acknowledge") {
      // Acknowledged on the card after the breach went up the ladder: the DMs say so too.
      const also = async (t: Tx) => {
        acknowledgedAt = deps.clock.now();
        ladders = await acknowledgeBreachedLadders(t, {
          incidentId: incident.id,
          actor: input.actor,
          at: acknowledgedAt,
        });
        return [];
      };
      return ok({ ...decision.value, also });
    }
    // A duplicate's callers move to its master first: they are called back from there.
    if (input.action === "resolve" && input.resolution?.closeCode === "duplicate") {
      const merged = await mergeIntoMaster(tx, deps, incident, input.resolution.duplicateOf);
      if (!merged.ok) return merged;
      merge = merged.value;
    }
    // Back to work means the floor is briefed again: the teams' confirmations go back to waiting.
    const change =
      input.action === "reopen" ? withRebriefing(deps, decision.value, input.actor) : decision.value;
    const reviewed = await withReview(tx, deps, incident, input, change);
    return reviewed.ok && merge ? ok(withMerge(reviewed.value, merge, input.actor)) : reviewed;
  });
  if (outcome.ok && !outcome.duplicate && merge) await afterMerge(deps, merge);
  for (const ladder of outcome.ok && !outcome.duplicate ? ladders : []) {
    const { id, generation, dueAt, durationMs: targetMs } = ladder;
    await queueBreachDmEdit(deps, id, {
      generation,
      reason: "acknowledged",
      by: input.actor,
      at: acknowledgedAt,
      dueAt,
      targetMs,
    });
  }
  // Closing a drill's incident ends the drill: its debrief is marked and posted.
  if (outcome.ok && !outcome.duplicate && input.action === "close" && outcome.incident.practiceRunId)
    await queuePracticeEnd(deps, outcome.incident, input.actor);
  // The callback list's buttons follow the status (none once closed); its counts may have moved.
  const movesList = input.action === "resolve" || input.action === "close" || input.action === "reopen";
  if (outcome.ok && !outcome.duplicate && movesList) await queueListRefresh(deps, outcome.incident.id);
  // Closing locks the playbook checklist and reopening unlocks it: redraw its buttons.
  const locksChecklist = input.action === "close" || input.action === "reopen";
  if (outcome.ok && !outcome.duplicate && locksChecklist && hasPlaybook(deps, outcome.incident.type)) {
    const { id, version } = outcome.incident;
    await deps.jobs
      .enqueue("playbook.refresh", { incidentId: id }, { jobId: jobIds.playbookRefresh(id, version) })
      .catch((err: unknown) =>
        deps.logger.warn(
          { incidentId: id, err: describeError(err) },
          "playbook checklist refresh not queued",
        ),
      );
  }
  return outcome;
}

const hasPlaybook = (deps: Deps, type: string) => (deps.policy.incidentTypes[type]?.playbook.length ?? 0) > 0;

/**
 * The post-incident review's and the callbacks' part in a status change, read in the change's
 * transaction: closing a major incident may wait for its review, and closing with callbacks
 * still to make asks for confirmation (or is refused); resolving asks for the review, posts
 * the callback list and starts the callback clock.
 */
async function withReview(
  tx: Tx,
  deps: Deps,
  incident: IncidentRow,
  input: StatusChangeInput,
  change: Change,
): Promise<Result<Change, Refusal>> {
  if (input.action === "close") {
    const refusal =
      (await reviewCloseRefusal(tx, deps, incident)) ??
      (await callbacksCloseRefusal(tx, deps, incident, input.closeAnyway === true));
    return refusal ? err(refusal) : ok(change);
  }
  if (input.action === "resolve") {
    const { outstanding } = await callbackTally(tx, incident.id);
    return ok({
      ...change,
      also: async (t, updated) => [
        ...(await requestReviewOnResolve(t, deps, updated)),
        ...(await listCallbacksOnResolve(t, updated)),
      ],
      ...(outstanding > 0 ? { clocks: { ...change.clocks, callbacks: true } } : {}),
    });
  }
  return ok(change);
}

/**
 * Whether `actor` may move the incident by `action` now: the state machine and the permission.
 * A form asks this before it opens, so nobody types a reason only to be refused.
 */
export function statusRefusal(
  deps: Deps,
  incident: IncidentRow,
  actor: string,
  action: LifecycleAction,
): Refusal | null {
  const ref = formatReference(incident.number);
  const allowed = authorize(deps.policy, {
    userId: actor,
    // Reopening a closed incident is not the owner's call: permissions.reopen_closed says whose.
    action: action === "reopen" && incident.status === "closed" ? "reopen_closed" : action,
    ownerId: incident.ownerId,
    reporterId: incident.reporterId,
  });
  if (!allowed.ok) return allowed.error;
  const moved = transition(incident.status, action);
  return moved.ok ? null : { code: moved.error.code, message: `${ref}: ${moved.error.message}` };
}

/** The change "Acknowledge" makes to an open incident, for callers with a change of their own. */
export function acknowledgeChange(deps: Deps, incident: IncidentRow, actor: string): Result<Change, Refusal> {
  return decideStatus(deps, incident, { incidentId: incident.id, actor, action: "acknowledge" });
}

function decideStatus(deps: Deps, incident: IncidentRow, input: StatusChangeInput): Result<Change, Refusal> {
  const ref = formatReference(incident.number);
  const refusal = statusRefusal(deps, incident, input.actor, input.action);
  if (refusal) return err(refusal);
  const moved = transition(incident.status, input.action);
  if (!moved.ok) return err({ code: moved.error.code, message: `${ref}: ${moved.error.message}` });
  if (input.action === "resolve" && !input.resolution) {
    return err({
      code: "resolution_required",
      message: `${ref}: say how it was resolved (summary and close code).`,
    });
  }
  const to = moved.value;
  const now = deps.clock.now();
  const patch: Partial<IncidentRow> = { status: to, ...statusPatch(incident, input, now) };
  const log: Change["log"] = [
    {
      kind: "status_changed",
      details: {
        from: incident.status,
        to,
        action: input.action,
        ...(input.hold ? { holdReason: input.hold.reason, holdNote: input.hold.note ?? null } : {}),
        ...(input.resolution ? { resolution: input.resolution } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      },
    },
  ];
  // Acknowledging an unowned incident makes the acknowledger its owner: someone is on it.
  if (input.action === "acknowledge" && !incident.ownerId) {
    patch.ownerId = input.actor;
    log.push({ kind: "owner_changed", details: { from: null, to: input.actor, via: "acknowledge" } });
  }
  return ok({ patch, log, message: `${ref} is now *${STATUS_LABELS[to]}*.` });
}

function statusPatch(incident: IncidentRow, input: StatusChangeInput, now: Date): Partial<IncidentRow> {
  switch (input.action) {
    case "acknowledge":
      return { acknowledgedAt: incident.acknowledgedAt ?? now };
    case "start":
      return {};
    case "hold":
      return { holdReason: input.hold?.reason ?? "other", holdNote: input.hold?.note ?? null };
    case "resume":
      return { holdReason: null, holdNote: null };
    case "resolve":
      return {
        resolvedAt: now,
        holdReason: null,
        holdNote: null,
        closeCode: input.resolution?.closeCode ?? null,
        resolutionSummary: input.resolution?.summary ?? null,
        rootCause: input.resolution?.rootCause ?? null,
        callersNow: input.resolution?.callersNow ?? null,
      };
    case "close":
      return { closedAt: now };
    case "reopen":
      return {
        resolvedAt: null,
        closedAt: null,
        closeCode: null,
        callersNow: null,
        reopenCount: incident.reopenCount + 1,
        // A reopened duplicate is worked again and takes callers; those moved stay with the master.
        mergedIntoId: null,
      };
  }
}
