import { lockAction, updateAction } from "../db/queries/action-steps.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import type { ImprovementActionRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueDeliveries } from "../delivery/queue.js";
import { planFromDate } from "../domain/action-reminders.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { actionAssignedDm } from "../messages/improvement-actions.js";
import type { Deps } from "./deps.js";
import { TIMER_HORIZON_MS } from "./sla-clocks.js";

/**
 * What follows the creation of improvement actions, once their transaction committed: the
 * assignment DM to each owner (an outbox row, written once per action) and the first
 * reminder planned in PostgreSQL and armed in Redis. Safe to call again, and called again by
 * the reconciler for any action the process died before following up.
 */
export async function followUpActions(deps: Deps, actionIds: string[]): Promise<void> {
  for (const actionId of new Set(actionIds)) {
    const result = await deps.db.transaction(async (tx) => {
      const action = await lockAction(tx, actionId);
      if (action?.status !== "open") return null;
      const incident = await getIncidentById(tx, action.incidentId);
      if (!incident) return null;
      let planned = action;
      let reminder = action.nextStep === "remind";
      // Planned before (a second call), or past its last step: keep the plan it has.
      if (!action.nextStep && !action.escalatedAt) {
        const first = planFromDate(deps.policy.improvementActions, action.dueAt, deps.clock.now());
        reminder = first?.step === "remind";
        planned = await updateAction(tx, action.id, {
          nextStep: first?.step ?? null,
          nextStepAt: first?.at ?? null,
        });
      }
      const dm = actionAssignedDm(action, incident, {
        remindBeforeMs: deps.policy.improvementActions.remindBeforeMs,
        reminder,
      });
      const outboxIds = await upsertOutbox(tx, [
        {
          incidentId: action.incidentId,
          dedupeKey: outboxKey.actionAssigned(action.id),
          purpose: "action_assigned",
          channel: action.ownerId,
          message: dm,
        },
      ]);
      return { action: planned, outboxIds };
    });
    if (!result) continue;
    await queueDeliveriesOrLeave(deps, result.outboxIds);
    await armActionStep(deps, result.action);
  }
}

/**
 * Puts an open action's next step on the queue, if it falls within the timer horizon (a due
 * date weeks away lives in PostgreSQL alone until the reconciler arms it as it comes near).
 * The job id names the generation and step, so arming twice is one job. A failure is only
 * logged: the reconciler arms what is missing.
 */
export async function armActionStep(deps: Deps, action: ImprovementActionRow): Promise<void> {
  if (action.status !== "open" || !action.nextStep || !action.nextStepAt) return;
  if (action.nextStepAt.getTime() > Date.now() + TIMER_HORIZON_MS) return;
  const step = action.nextStep as "remind" | "overdue" | "escalate";
  await deps.jobs
    .enqueue(
      "action.fire",
      { actionId: action.id, generation: action.generation, step },
      {
        jobId: jobIds.actionStep(action.id, action.generation, step),
        at: action.nextStepAt,
      },
    )
    .catch((err: unknown) =>
      deps.logger.warn(
        { actionId: action.id, err: describeError(err) },
        "action reminder not queued; the reconciler will",
      ),
    );
}

/** Drops the job of a plan that no longer holds (stale anyway, by generation). */
export async function disarmActionStep(
  deps: Deps,
  action: Pick<ImprovementActionRow, "id" | "generation" | "nextStep">,
): Promise<void> {
  if (!action.nextStep) return;
  await deps.jobs
    .remove("action.fire", jobIds.actionStep(action.id, action.generation, action.nextStep))
    .catch(() => {});
}

/** Queues deliveries; if Redis is down the sweep delivers them later, so this never throws. */
export async function queueDeliveriesOrLeave(deps: Deps, outboxIds: string[]): Promise<void> {
  await queueDeliveries(deps, outboxIds).catch((err: unknown) =>
    deps.logger.warn({ outboxIds, err: describeError(err) }, "delivery not queued; the sweep will"),
  );
}
