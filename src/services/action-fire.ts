import { teamLeadsFor } from "../config/policy.js";
import { lockAction, recordActionStep, updateAction } from "../db/queries/action-steps.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { type NewOutboxMessage, upsertOutboxRows } from "../db/queries/outbox.js";
import type { ImprovementActionRow, IncidentRow, OutboxRow } from "../db/schema/index.js";
import { actionStepPurpose, outboxKey } from "../delivery/purposes.js";
import { RetryLater } from "../delivery/retry-later.js";
import {
  type ActionStep,
  daysOverdue,
  isActionStep,
  nextActionStep,
  stepStillWorthSending,
} from "../domain/action-reminders.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { actionEscalationDm, actionOverdueDm, actionReminderDm } from "../messages/improvement-actions.js";
import type { Deps } from "./deps.js";
import { armActionStep, queueDeliveriesOrLeave } from "./improvement-actions.js";

export type ActionFireOutcome = "fired" | "skipped" | "stale" | "duplicate";

const NO_STEP = { nextStep: null, nextStepAt: null };

const STAMP = { remind: "remindedAt", overdue: "overdueAt", escalate: "escalatedAt" } as const;
const LOG_KIND = {
  remind: "action_reminded",
  overdue: "action_overdue",
  escalate: "action_escalated",
} as const;

/**
 * Runs one reminder step of an improvement action, at most once. In one transaction: lock the
 * action; do nothing unless it is open, on the job's generation and this step is its next one
 * (a done or moved action has moved on); record the step in action_events (a second delivery
 * finds it there); stamp it, log it, write the DMs to the outbox and plan the next step. Only
 * after commit are the DMs delivered and the next step armed; if that is lost, the sweep and
 * the reconciler redo it.
 */
export async function fireActionStep(
  deps: Deps,
  job: { actionId: string; generation: number; step: string },
  deliver: (posts: OutboxRow[]) => Promise<void> = (posts) =>
    queueDeliveriesOrLeave(
      deps,
      posts.map((p) => p.id),
    ),
): Promise<ActionFireOutcome> {
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    const action = await lockAction(tx, job.actionId);
    if (
      action?.status !== "open" ||
      action.generation !== job.generation ||
      action.nextStep !== job.step ||
      !isActionStep(job.step) ||
      !action.nextStepAt
    ) {
      return { outcome: "stale" as const };
    }
    // Never early: a job armed by a process whose clock runs ahead waits for the rest.
    const earlyMs = action.nextStepAt.getTime() - now.getTime();
    if (earlyMs > 0) throw new RetryLater(earlyMs, "action step not due yet");
    const step: ActionStep = job.step;
    const following = nextActionStep(
      deps.policy.improvementActions,
      { status: "open", dueAt: action.dueAt, fired: [step] },
      now,
    );
    const plan = { nextStep: following?.step ?? null, nextStepAt: following?.at ?? null };
    const first = await recordActionStep(tx, { ...job, plannedAt: action.nextStepAt });
    // Fired before but the action did not move on (crash between the two): move it on now.
    if (!first) return { outcome: "duplicate" as const, action: await updateAction(tx, action.id, plan) };
    if (!stepStillWorthSending(step, action.dueAt, now)) {
      return { outcome: "skipped" as const, action: await updateAction(tx, action.id, plan) };
    }
    const incident = await getIncidentById(tx, action.incidentId);
    if (!incident) return { outcome: "stale" as const };
    // A practice drill's actions are coaching, not work owed: no reminders (issue 23).
    if (incident.practiceRunId !== null) {
      return { outcome: "skipped" as const, action: await updateAction(tx, action.id, NO_STEP) };
    }
    const work = stepWork(deps, action, incident, step, now);
    await appendLog(tx, {
      incidentId: action.incidentId,
      actor: SYSTEM_ACTOR,
      kind: LOG_KIND[step],
      details: {
        actionId: action.id,
        number: action.number,
        ownerId: action.ownerId,
        dueOn: action.dueOn,
        plannedAt: action.nextStepAt.toISOString(),
        ...work.details,
      },
    });
    const posts = await upsertOutboxRows(tx, work.posts);
    const moved = await updateAction(tx, action.id, { [STAMP[step]]: now, ...plan });
    return { outcome: "fired" as const, action: moved, posts };
  });
  if (result.outcome === "stale") return "stale";
  if (result.outcome === "fired") await deliver(result.posts);
  await armActionStep(deps, result.action);
  return result.outcome;
}

function stepWork(
  deps: Deps,
  action: ImprovementActionRow,
  incident: IncidentRow,
  step: ActionStep,
  now: Date,
): { posts: NewOutboxMessage[]; details: Record<string, unknown> } {
  const post = (to: string, message: object): NewOutboxMessage => ({
    incidentId: action.incidentId,
    dedupeKey: outboxKey.actionStep(action, step, to),
    purpose: actionStepPurpose(step),
    channel: to,
    message: message as Record<string, unknown>,
  });
  switch (step) {
    case "remind":
      return { posts: [post(action.ownerId, actionReminderDm(action, incident))], details: {} };
    case "overdue": {
      const dm = actionOverdueDm(action, incident, deps.policy.improvementActions);
      return { posts: [post(action.ownerId, dm)], details: {} };
    }
    case "escalate": {
      const to = teamLeadsFor(deps.policy, action.ownerId);
      const days = daysOverdue(action.dueAt, now);
      const dm = actionEscalationDm(action, incident, { daysOverdue: days });
      return { posts: to.map((lead) => post(lead, dm)), details: { to, daysOverdue: days } };
    }
  }
}
