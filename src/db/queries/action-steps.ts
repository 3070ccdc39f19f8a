import { and, asc, eq, gt, inArray, isNotNull, isNull, lt, lte, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../client.js";
import { actionEvents, type ImprovementActionRow, improvementActions, incidents } from "../schema/index.js";

/** The action, locked: a firing step, a "done" and a new date never interleave. */
export async function lockAction(tx: Tx, id: string): Promise<ImprovementActionRow | null> {
  const [row] = await tx.select().from(improvementActions).where(eq(improvementActions.id, id)).for("update");
  return row ?? null;
}

export async function updateAction(
  tx: DbOrTx,
  id: string,
  patch: Partial<ImprovementActionRow>,
): Promise<ImprovementActionRow> {
  const [row] = await tx
    .update(improvementActions)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(improvementActions.id, id))
    .returning();
  if (!row) throw new Error(`action ${id} vanished`);
  return row;
}

/** Records that a step fired. False when it already had: the caller then sends nothing. */
export async function recordActionStep(
  tx: Tx,
  p: { actionId: string; generation: number; step: string; plannedAt: Date },
): Promise<boolean> {
  const rows = await tx
    .insert(actionEvents)
    .values(p)
    .onConflictDoNothing()
    .returning({ actionId: actionEvents.actionId });
  return rows.length > 0;
}

/**
 * Open actions with a step due before `before`: what Redis must hold a delayed job for.
 * Served by the partial index improvement_actions_due_idx.
 */
export function listScheduledActions(db: DbOrTx, p: { before: Date; afterId: string | null; limit: number }) {
  return db
    .select({
      id: improvementActions.id,
      generation: improvementActions.generation,
      nextStep: improvementActions.nextStep,
      nextStepAt: improvementActions.nextStepAt,
    })
    .from(improvementActions)
    .where(
      and(
        eq(improvementActions.status, "open"),
        isNotNull(improvementActions.nextStep),
        lt(improvementActions.nextStepAt, p.before),
        p.afterId ? gt(improvementActions.id, p.afterId) : undefined,
      ),
    )
    .orderBy(asc(improvementActions.id))
    .limit(p.limit);
}

/**
 * Open actions never followed up: no step planned although none has fired yet (the review
 * committed, then the process died before the assignment DM and the first reminder).
 * An action past its last step also has no next step, but it has been escalated.
 */
export function listUnplannedActions(db: DbOrTx, p: { createdBefore: Date; limit: number }) {
  return db
    .select({ id: improvementActions.id })
    .from(improvementActions)
    .where(
      and(
        eq(improvementActions.status, "open"),
        isNull(improvementActions.nextStep),
        isNull(improvementActions.escalatedAt),
        lt(improvementActions.createdAt, p.createdBefore),
      ),
    )
    .limit(p.limit);
}

/** The current generation and next step of these actions, for checking queued jobs in bulk. */
export function actionSteps(db: DbOrTx, ids: string[]) {
  return db
    .select({
      id: improvementActions.id,
      status: improvementActions.status,
      generation: improvementActions.generation,
      nextStep: improvementActions.nextStep,
    })
    .from(improvementActions)
    .where(inArray(improvementActions.id, ids));
}

export type ActionListFilter = "mine" | "overdue" | "all";

/**
 * Actions for `/incident actions`, soonest due first, with their incident's reference:
 * `mine` the user's open actions, `overdue` open ones past their deadline, `all` every open one.
 */
export function listActions(
  db: DbOrTx,
  p: { filter: ActionListFilter; userId: string; now: Date; limit: number },
) {
  const open = eq(improvementActions.status, "open");
  const where =
    p.filter === "mine"
      ? and(eq(improvementActions.ownerId, p.userId), open)
      : p.filter === "overdue"
        ? and(open, lte(improvementActions.dueAt, p.now))
        : open;
  return db
    .select({
      id: improvementActions.id,
      number: improvementActions.number,
      description: improvementActions.description,
      ownerId: improvementActions.ownerId,
      dueOn: improvementActions.dueOn,
      dueAt: improvementActions.dueAt,
      status: improvementActions.status,
      incidentNumber: incidents.number,
    })
    .from(improvementActions)
    .innerJoin(incidents, eq(incidents.id, improvementActions.incidentId))
    .where(where)
    .orderBy(asc(improvementActions.dueAt), asc(improvementActions.number))
    .limit(p.limit);
}
export type ActionListRow = Awaited<ReturnType<typeof listActions>>[number];
