import { and, asc, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import { incidentLog, playbookTicks } from "../schema/index.js";

export function listPlaybookTicks(db: DbOrTx, incidentId: string) {
  return db
    .select({ step: playbookTicks.step, tickedBy: playbookTicks.tickedBy, tickedAt: playbookTicks.tickedAt })
    .from(playbookTicks)
    .where(eq(playbookTicks.incidentId, incidentId))
    .orderBy(asc(playbookTicks.step));
}

export async function getPlaybookTick(db: DbOrTx, p: { incidentId: string; step: number }) {
  const [row] = await db
    .select()
    .from(playbookTicks)
    .where(and(eq(playbookTicks.incidentId, p.incidentId), eq(playbookTicks.step, p.step)));
  return row ?? null;
}

/** Returns the tick, or null when the step was already ticked (by someone else, a moment ago). */
export async function insertPlaybookTick(
  db: DbOrTx,
  p: { incidentId: string; step: number; tickedBy: string },
) {
  const [row] = await db.insert(playbookTicks).values(p).onConflictDoNothing().returning();
  return row ?? null;
}

/** True when a tick was removed; false when the step was not ticked. */
export async function deletePlaybookTick(
  db: DbOrTx,
  p: { incidentId: string; step: number },
): Promise<boolean> {
  const rows = await db
    .delete(playbookTicks)
    .where(and(eq(playbookTicks.incidentId, p.incidentId), eq(playbookTicks.step, p.step)))
    .returning({ step: playbookTicks.step });
  return rows.length > 0;
}

/** The details of the playbook_posted entry: the checklist as it was posted. */
export async function getPostedPlaybook(db: DbOrTx, incidentId: string): Promise<unknown> {
  const [row] = await db
    .select({ details: incidentLog.details })
    .from(incidentLog)
    .where(and(eq(incidentLog.incidentId, incidentId), eq(incidentLog.kind, "playbook_posted")))
    .orderBy(desc(incidentLog.id))
    .limit(1);
  return row?.details ?? null;
}
