import { and, asc, eq, gt, isNull, lt, notExists, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../client.js";
import {
  type ImprovementActionRow,
  improvementActions,
  incidentLog,
  type ReviewRow,
  reviews,
} from "../schema/index.js";

export async function getReviewOf(db: DbOrTx, incidentId: string): Promise<ReviewRow | null> {
  const [row] = await db.select().from(reviews).where(eq(reviews.incidentId, incidentId));
  return row ?? null;
}

export async function getReview(db: DbOrTx, id: string): Promise<ReviewRow | null> {
  const [row] = await db.select().from(reviews).where(eq(reviews.id, id));
  return row ?? null;
}

/**
 * The review row of an incident, creating it (status requested) when there is none. `created`
 * says whether this call made it, so only the first request is logged and prompted.
 */
export async function ensureReview(
  tx: Tx,
  p: { incidentId: string; requestedBy: string },
): Promise<{ review: ReviewRow; created: boolean }> {
  const [inserted] = await tx
    .insert(reviews)
    .values({ incidentId: p.incidentId, requestedBy: p.requestedBy })
    .onConflictDoNothing({ target: reviews.incidentId })
    .returning();
  if (inserted) return { review: inserted, created: true };
  const existing = await getReviewOf(tx, p.incidentId);
  if (!existing) throw new Error(`review of ${p.incidentId} vanished`);
  return { review: existing, created: false };
}

/** Locks the review for a completion, so two submits of the same review queue up. */
export async function lockReview(tx: Tx, id: string): Promise<ReviewRow | null> {
  const [row] = await tx.select().from(reviews).where(eq(reviews.id, id)).for("update");
  return row ?? null;
}

export async function completeReview(
  tx: Tx,
  id: string,
  p: Pick<ReviewRow, "rootCauseCategory" | "rootCause" | "contributingFactors" | "wentWell" | "wentBadly"> & {
    completedBy: string;
    completedAt: Date;
  },
): Promise<ReviewRow | null> {
  const [row] = await tx
    .update(reviews)
    .set({ ...p, status: "completed", version: sql`${reviews.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(reviews.id, id), eq(reviews.status, "requested")))
    .returning();
  return row ?? null;
}

/**
 * Records the file of an upload about to be completed into the channel, before Slack is asked
 * to: should the answer be lost, the next try looks for this file in the channel first.
 */
export async function recordReviewUpload(db: DbOrTx, p: { id: string; fileId: string }): Promise<void> {
  await db
    .update(reviews)
    .set({ fileId: p.fileId, updatedAt: sql`now()` })
    .where(and(eq(reviews.id, p.id), isNull(reviews.publishedAt)));
}

/** Records the uploaded document; false when another run recorded one first. */
export async function markReviewPublished(
  db: DbOrTx,
  p: { id: string; fileId: string; publishedAt: Date },
): Promise<boolean> {
  const rows = await db
    .update(reviews)
    .set({ fileId: p.fileId, publishedAt: p.publishedAt, updatedAt: sql`now()` })
    .where(and(eq(reviews.id, p.id), isNull(reviews.publishedAt)))
    .returning({ id: reviews.id });
  return rows.length > 0;
}

/**
 * Completed reviews whose document is not uploaded yet (the sweep re-queues their job), except
 * those Slack refused for good: that refusal is logged as delivery_failed with the review's id.
 */
export function listUnpublishedReviews(
  db: DbOrTx,
  p: { completedBefore: Date; completedAfter: Date; limit: number },
) {
  return db
    .select({ id: reviews.id })
    .from(reviews)
    .where(
      and(
        eq(reviews.status, "completed"),
        isNull(reviews.publishedAt),
        lt(reviews.completedAt, p.completedBefore),
        gt(reviews.completedAt, p.completedAfter),
        notExists(
          db
            .select({ id: incidentLog.id })
            .from(incidentLog)
            .where(
              and(
                eq(incidentLog.incidentId, reviews.incidentId),
                eq(incidentLog.kind, "delivery_failed"),
                sql`${incidentLog.details}->>'reviewId' = ${reviews.id}::text`,
              ),
            ),
        ),
      ),
    )
    .orderBy(asc(reviews.completedAt))
    .limit(p.limit);
}

export function actionsOfReview(db: DbOrTx, reviewId: string): Promise<ImprovementActionRow[]> {
  return db
    .select()
    .from(improvementActions)
    .where(eq(improvementActions.reviewId, reviewId))
    .orderBy(asc(improvementActions.number));
}
