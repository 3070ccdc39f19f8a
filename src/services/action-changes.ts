import { teamLeadsFor } from "../config/policy.js";
import type { Tx } from "../db/client.js";
import { lockAction, updateAction } from "../db/queries/action-steps.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { markRequestProcessed } from "../db/queries/mutate.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import type { ImprovementActionRow, IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { actionDeadline } from "../domain/action-due.js";
import { formatActionReference, formatDueOn, localToday, planFromDate } from "../domain/action-reminders.js";
import { joinWithOr } from "../domain/lifecycle.js";
import { holdsAny, roleHolders } from "../domain/permissions.js";
import { actionRescheduledDm } from "../messages/improvement-actions.js";
import type { Deps } from "./deps.js";
import { armActionStep, disarmActionStep, queueDeliveriesOrLeave } from "./improvement-actions.js";

export type ActionChangeOutcome =
  | {
      ok: true;
      message: string;
      duplicate: boolean;
      action: ImprovementActionRow | null;
      incident: IncidentRow | null;
    }
  | { ok: false; message: string };

class Refused extends Error {}

/**
 * Who may close or move an action: its owner, their team lead(s), and holders of the roles in
 * the policy's `permissions.manage_actions` (duty manager and head of operations, by default).
 */
export function mayManageAction(deps: Deps, userId: string, ownerId: string): boolean {
  return (
    userId === ownerId ||
    teamLeadsFor(deps.policy, ownerId).includes(userId) ||
    holdsAny(deps.policy, userId, deps.policy.permissions.manageActions)
  );
}

/** "Only <@U1>, their team lead or a duty manager can change ACT-3.": who mayManageAction lets in. */
export function actionManagersOnly(deps: Deps, ownerId: string, doing: string): string {
  const who = joinWithOr([
    `<@${ownerId}>`,
    "their team lead",
    ...roleHolders(deps.policy.permissions.manageActions),
  ]);
  return `Only ${who} can ${doing}.`;
}

interface Applied {
  before: ImprovementActionRow;
  after: ImprovementActionRow;
  incident: IncidentRow | null;
  message: string;
  outboxIds: string[];
}

/**
 * Locks the action, dedupes the request, checks who is asking, applies `change` and commits;
 * then drops the superseded job, arms the new plan and delivers the DMs. A refusal rolls
 * everything back (the request key too, so the same person may try again).
 */
async function changeAction(
  deps: Deps,
  p: { actionId: string; actor: string; requestKey: string },
  change: (
    tx: Tx,
    action: ImprovementActionRow,
    incident: IncidentRow | null,
  ) => Promise<Omit<Applied, "before" | "incident">>,
): Promise<ActionChangeOutcome> {
  let applied: Applied | "duplicate";
  try {
    applied = await deps.db.transaction(async (tx) => {
      const action = await lockAction(tx, p.actionId);
      if (!action) throw new Refused("That action no longer exists.");
      if (!(await markRequestProcessed(tx, p.requestKey))) return "duplicate" as const;
      const ref = formatActionReference(action.number);
      if (action.status !== "open") throw new Refused(`${ref} is already ${action.status}.`);
      if (!mayManageAction(deps, p.actor, action.ownerId)) {
        throw new Refused(actionManagersOnly(deps, action.ownerId, `change ${ref}`));
      }
      const incident = await getIncidentById(tx, action.incidentId);
      return { before: action, incident, ...(await change(tx, action, incident)) };
    });
  } catch (err) {
    if (err instanceof Refused) return { ok: false, message: err.message };
    throw err;
  }
  if (applied === "duplicate") {
    return { ok: true, message: "Already done.", duplicate: true, action: null, incident: null };
  }
  await disarmActionStep(deps, applied.before);
  await armActionStep(deps, applied.after);
  await queueDeliveriesOrLeave(deps, applied.outboxIds);
  return {
    ok: true,
    message: applied.message,
    duplicate: false,
    action: applied.after,
    incident: applied.incident,
  };
}

/**
 * Marks an action done. The generation moves on, so a reminder job already queued or running
 * finds itself stale and sends nothing.
 */
export function markActionDone(
  deps: Deps,
  p: { actionId: string; actor: string; requestKey: string },
): Promise<ActionChangeOutcome> {
  return changeAction(deps, p, async (tx, action) => {
    const now = deps.clock.now();
    const after = await updateAction(tx, action.id, {
      status: "done",
      doneBy: p.actor,
      doneAt: now,
      generation: action.generation + 1,
      nextStep: null,
      nextStepAt: null,
    });
    await appendLog(tx, {
      incidentId: action.incidentId,
      actor: p.actor,
      kind: "action_done",
      details: { actionId: action.id, number: action.number, ownerId: action.ownerId, dueOn: action.dueOn },
    });
    return {
      after,
      outboxIds: [],
      message: `${formatActionReference(action.number)} is marked done. Thank you.`,
    };
  });
}

/**
 * Moves an action's due date: a new generation whose reminders are planned from the new date
 * (an overdue action moved later is no longer overdue). The incident owner, and the action
 * owner, hear of it by DM unless they moved it themselves.
 */
export function rescheduleAction(
  deps: Deps,
  p: { actionId: string; actor: string; requestKey: string; dueOn: string; reason: string },
): Promise<ActionChangeOutcome> {
  return changeAction(deps, p, async (tx, action, incident) => {
    const now = deps.clock.now();
    const dueAt = actionDeadline(p.dueOn, deps.policy.timezone);
    if (!dueAt || p.dueOn < localToday(now, deps.policy.timezone)) {
      throw new Refused("The new date must be today or later.");
    }
    const ref = formatActionReference(action.number);
    if (p.dueOn === action.dueOn) throw new Refused(`${ref} is already due on ${formatDueOn(p.dueOn)}.`);
    const first = planFromDate(deps.policy.improvementActions, dueAt, now);
    const after = await updateAction(tx, action.id, {
      dueOn: p.dueOn,
      dueAt,
      generation: action.generation + 1,
      nextStep: first?.step ?? null,
      nextStepAt: first?.at ?? null,
      // The stamps describe the current due date; the log keeps the history.
      remindedAt: null,
      overdueAt: null,
      escalatedAt: null,
    });
    const moved = { from: action.dueOn, to: p.dueOn, reason: p.reason };
    await appendLog(tx, {
      incidentId: action.incidentId,
      actor: p.actor,
      kind: "action_rescheduled",
      details: { actionId: action.id, number: action.number, ownerId: action.ownerId, ...moved },
    });
    const told = [incident?.ownerId, action.ownerId].filter((u): u is string => !!u && u !== p.actor);
    const dm = incident ? actionRescheduledDm(after, incident, { by: p.actor, ...moved }) : null;
    const outboxIds = dm
      ? await upsertOutbox(
          tx,
          [...new Set(told)].map((to) => ({
            incidentId: action.incidentId,
            dedupeKey: outboxKey.actionRescheduled(after, to),
            purpose: "action_rescheduled",
            channel: to,
            message: dm as unknown as Record<string, unknown>,
          })),
        )
      : [];
    return {
      after,
      outboxIds,
      message: `${ref} is now due ${formatDueOn(p.dueOn)}; reminders follow the new date.`,
    };
  });
}
