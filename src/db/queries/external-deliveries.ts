import { and, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import {
  type ExternalContent,
  type ExternalDeliveryRow,
  type ExternalTarget,
  externalDeliveries,
} from "../schema/index.js";

export interface NewExternalDelivery {
  incidentId: string;
  dedupeKey: string;
  via: "email" | "webhook";
  audienceKey: string;
  audienceLabel: string;
  milestone: string;
  target: ExternalTarget;
  content: ExternalContent;
}

/** Inserts the deliveries that do not exist yet; returns the ids of every one for those keys. */
export async function insertExternalDeliveries(db: DbOrTx, rows: NewExternalDelivery[]): Promise<string[]> {
  if (rows.length === 0) return [];
  await db
    .insert(externalDeliveries)
    .values(rows)
    .onConflictDoNothing({ target: externalDeliveries.dedupeKey });
  const keys = [...new Set(rows.map((r) => r.dedupeKey))];
  const all = await db
    .select({ id: externalDeliveries.id, key: externalDeliveries.dedupeKey })
    .from(externalDeliveries)
    .where(inArray(externalDeliveries.dedupeKey, keys));
  const byKey = new Map(all.map((r) => [r.key, r.id]));
  return keys.flatMap((k) => byKey.get(k) ?? []);
}

export async function getExternalDelivery(db: DbOrTx, id: string): Promise<ExternalDeliveryRow | null> {
  const [row] = await db.select().from(externalDeliveries).where(eq(externalDeliveries.id, id));
  return row ?? null;
}

/**
 * Takes a pending delivery for one attempt, counted, and held for `leaseMs` (a send that
 * crashes lets go when it passes). Null when it is not pending, is held by another attempt,
 * or must wait for its retry time: `getExternalDelivery` says which.
 */
export async function claimExternalDelivery(
  db: DbOrTx,
  id: string,
  leaseMs: number,
): Promise<ExternalDeliveryRow | null> {
  const [row] = await db
    .update(externalDeliveries)
    .set({
      attempts: sql`${externalDeliveries.attempts} + 1`,
      claimedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(externalDeliveries.id, id),
        eq(externalDeliveries.status, "pending"),
        or(isNull(externalDeliveries.claimedUntil), lt(externalDeliveries.claimedUntil, sql`now()`)),
        or(isNull(externalDeliveries.retryAt), lte(externalDeliveries.retryAt, sql`now()`)),
      ),
    )
    .returning();
  return row ?? null;
}

/** Records an accepted delivery; false when the row was no longer pending. */
export async function markExternalSent(db: DbOrTx, id: string, detail: string): Promise<boolean> {
  const rows = await db
    .update(externalDeliveries)
    .set({
      status: "sent",
      sentAt: sql`now()`,
      detail,
      claimedUntil: null,
      lastError: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(externalDeliveries.id, id), eq(externalDeliveries.status, "pending")))
    .returning({ id: externalDeliveries.id });
  return rows.length > 0;
}

/** Lets go of a delivery that failed for now, to be tried again at `retryAt`. */
export async function markExternalRetry(db: DbOrTx, id: string, error: string, retryAt: Date): Promise<void> {
  await db
    .update(externalDeliveries)
    .set({ lastError: error, retryAt, claimedUntil: null, updatedAt: sql`now()` })
    .where(and(eq(externalDeliveries.id, id), eq(externalDeliveries.status, "pending")));
}

/** Records a delivery that failed for good; false when it was no longer pending. */
export async function markExternalFailed(db: DbOrTx, id: string, error: string): Promise<boolean> {
  const rows = await db
    .update(externalDeliveries)
    .set({ status: "failed", lastError: error, claimedUntil: null, updatedAt: sql`now()` })
    .where(and(eq(externalDeliveries.id, id), eq(externalDeliveries.status, "pending")))
    .returning({ id: externalDeliveries.id });
  return rows.length > 0;
}

/** Pending deliveries written before `createdBefore` (the sweep re-queues their jobs). */
export function listStalePendingExternal(db: DbOrTx, p: { createdBefore: Date; limit: number }) {
  return db
    .select({ id: externalDeliveries.id, retryAt: externalDeliveries.retryAt })
    .from(externalDeliveries)
    .where(and(eq(externalDeliveries.status, "pending"), lt(externalDeliveries.createdAt, p.createdBefore)))
    .limit(p.limit);
}

/** Every external delivery of an incident, in the order written (timeline, exports, review facts). */
export function externalDeliveriesOf(db: DbOrTx, incidentId: string): Promise<ExternalDeliveryRow[]> {
  return db
    .select()
    .from(externalDeliveries)
    .where(eq(externalDeliveries.incidentId, incidentId))
    .orderBy(externalDeliveries.seq);
}
