import { eq } from "drizzle-orm";
import { actionDeadline } from "../../domain/action-due.js";
import type { Policy } from "../../domain/policy-types.js";
import type { DbOrTx, Tx } from "../client.js";
import { type ImprovementActionRow, improvementActions } from "../schema/index.js";
import { appendLog } from "./incident-log.js";

export interface NewAction {
  description: string;
  ownerId: string;
  /** YYYY-MM-DD, a date in the policy's time zone. */
  dueOn: string;
}

/**
 * Records improvement actions of an incident (open, generation 1, no reminder planned yet)
 * with one `action_added` log entry each, in the caller's transaction. Returns the rows in
 * the order given. Sending the assignment DMs and arming the reminders happens after commit.
 */
export async function insertActions(
  tx: Tx,
  policy: Policy,
  p: { incidentId: string; reviewId: string | null; actor: string; actions: NewAction[] },
): Promise<ImprovementActionRow[]> {
  if (p.actions.length === 0) return [];
  const values = p.actions.map((a) => {
    const dueAt = actionDeadline(a.dueOn, policy.timezone);
    if (!dueAt) throw new Error(`not a due date: ${a.dueOn}`);
    return {
      incidentId: p.incidentId,
      reviewId: p.reviewId,
      description: a.description,
      ownerId: a.ownerId,
      dueOn: a.dueOn,
      dueAt,
      createdBy: p.actor,
    };
  });
  const rows = await tx.insert(improvementActions).values(values).returning();
  await appendLog(
    tx,
    rows.map((row) => ({
      incidentId: p.incidentId,
      actor: p.actor,
      kind: "action_added" as const,
      details: {
        actionId: row.id,
        number: row.number,
        description: row.description,
        ownerId: row.ownerId,
        dueOn: row.dueOn,
      },
    })),
  );
  return rows;
}

export async function getAction(db: DbOrTx, id: string): Promise<ImprovementActionRow | null> {
  const [row] = await db.select().from(improvementActions).where(eq(improvementActions.id, id));
  return row ?? null;
}
