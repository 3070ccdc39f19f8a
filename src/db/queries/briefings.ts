import { and, asc, desc, eq, inArray, like } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import {
  type BriefingRow,
  briefingConfirmations,
  briefings,
  type OutboxRow,
  outbox,
} from "../schema/index.js";

export type BriefingConfirmationRow = typeof briefingConfirmations.$inferSelect;

export async function insertBriefing(db: DbOrTx, row: typeof briefings.$inferInsert): Promise<BriefingRow> {
  const [inserted] = await db.insert(briefings).values(row).returning();
  if (!inserted) throw new Error("briefing not stored");
  return inserted;
}

export async function getBriefing(db: DbOrTx, id: string): Promise<BriefingRow | null> {
  const [row] = await db.select().from(briefings).where(eq(briefings.id, id));
  return row ?? null;
}

export function confirmationsOf(db: DbOrTx, briefingId: string): Promise<BriefingConfirmationRow[]> {
  return db
    .select()
    .from(briefingConfirmations)
    .where(eq(briefingConfirmations.briefingId, briefingId))
    .orderBy(asc(briefingConfirmations.confirmedAt));
}

/**
 * Records confirmations; a team already confirmed keeps its first confirmation (the primary
 * key is briefing + team). Returns only the rows this call added.
 */
export function insertConfirmations(
  db: DbOrTx,
  rows: Array<{ briefingId: string; team: string; leadId: string; confirmedAt: Date }>,
): Promise<BriefingConfirmationRow[]> {
  if (rows.length === 0) return Promise.resolve([]);
  return db.insert(briefingConfirmations).values(rows).onConflictDoNothing().returning();
}

/**
 * Takes back every confirmation of an incident's briefings (it came back, so its floor is
 * briefed again); returns the rows taken back, for the log that keeps them.
 */
export function clearConfirmationsOf(db: DbOrTx, incidentId: string): Promise<BriefingConfirmationRow[]> {
  return db
    .delete(briefingConfirmations)
    .where(
      inArray(
        briefingConfirmations.briefingId,
        db.select({ id: briefings.id }).from(briefings).where(eq(briefings.incidentId, incidentId)),
      ),
    )
    .returning();
}

/** A briefing's posts that have landed (channel and ts), to edit them; `keyPattern` matches their keys. */
export function sentBriefingPosts(db: DbOrTx, keyPattern: string): Promise<OutboxRow[]> {
  return db
    .select()
    .from(outbox)
    .where(and(like(outbox.dedupeKey, keyPattern), eq(outbox.status, "sent")));
}

/** What agents were last told to say to callers about an incident; null before any briefing. */
export async function latestScriptOf(db: DbOrTx, incidentId: string): Promise<string | null> {
  const [row] = await db
    .select({ script: briefings.script })
    .from(briefings)
    .where(eq(briefings.incidentId, incidentId))
    .orderBy(desc(briefings.postedAt), desc(briefings.id))
    .limit(1);
  return row?.script ?? null;
}

/** The ids of an incident's briefings, oldest first. */
export async function briefingIdsOf(db: DbOrTx, incidentId: string): Promise<string[]> {
  const rows = await db
    .select({ id: briefings.id })
    .from(briefings)
    .where(eq(briefings.incidentId, incidentId))
    .orderBy(asc(briefings.postedAt));
  return rows.map((r) => r.id);
}
