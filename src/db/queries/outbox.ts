import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import { type OutboxRow, outbox } from "../schema/index.js";

export interface NewOutboxMessage {
  incidentId: string | null;
  dedupeKey: string;
  purpose: string;
  channel: string;
  message: Record<string, unknown>;
}

/** Inserts the rows that do not exist yet; returns the ids of every row for those keys. */
export async function upsertOutbox(db: DbOrTx, rows: NewOutboxMessage[]): Promise<string[]> {
  return (await upsertOutboxRows(db, rows)).map((r) => r.id);
}

/**
 * Inserts the rows that do not exist yet and returns every row for those keys, in the order
 * of the keys given. One statement when all are new (the usual case); a replay whose rows
 * exist already costs a second one that reads them.
 */
export async function upsertOutboxRows(db: DbOrTx, rows: NewOutboxMessage[]): Promise<OutboxRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insert(outbox)
    .values(rows)
    .onConflictDoNothing({ target: outbox.dedupeKey })
    .returning();
  const byKey = new Map(inserted.map((r) => [r.dedupeKey, r]));
  const keys = [...new Set(rows.map((r) => r.dedupeKey))];
  const missing = keys.filter((k) => !byKey.has(k));
  if (missing.length > 0) {
    for (const row of await db.select().from(outbox).where(inArray(outbox.dedupeKey, missing))) {
      byKey.set(row.dedupeKey, row);
    }
  }
  return keys.map((k) => byKey.get(k)).filter((r): r is OutboxRow => r !== undefined);
}

export async function getOutbox(db: DbOrTx, id: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
  return row ?? null;
}

export async function getOutboxByKey(db: DbOrTx, key: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.dedupeKey, key));
  return row ?? null;
}

/**
 * Takes the row for one delivery attempt: counts the attempt (so a retry knows a post may
 * already have landed) and leases the row, so two workers can never post it at once.
 * Returns null when the row is not pending or another delivery holds the lease.
 */
export async function claimOutboxAttempt(db: DbOrTx, id: string, leaseMs: number): Promise<number | null> {
  const [row] = await db
    .update(outbox)
    .set({
      attempts: sql`${outbox.attempts} + 1`,
      claimedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(outbox.id, id),
        eq(outbox.status, "pending"),
        or(isNull(outbox.claimedUntil), lt(outbox.claimedUntil, sql`now()`)),
      ),
    )
    .returning({ attempts: outbox.attempts });
  return row?.attempts ?? null;
}

export async function markOutboxSent(
  db: DbOrTx,
  p: { id: string; postedChannel: string; ts: string; permalink: string | null },
): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({
      status: "sent",
      postedChannel: p.postedChannel,
      ts: p.ts,
      permalink: p.permalink,
      sentAt: sql`now()`,
    })
    .where(and(eq(outbox.id, p.id), eq(outbox.status, "pending")))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

export async function markOutboxFailed(db: DbOrTx, p: { id: string; error: string }): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({ status: "failed", lastError: p.error, updatedAt: sql`now()` })
    .where(and(eq(outbox.id, p.id), eq(outbox.status, "pending")))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** Ends an attempt that will be retried: records why and lets go of the lease. */
export async function releaseOutbox(db: DbOrTx, p: { id: string; error: string }): Promise<void> {
  await db.update(outbox).set({ lastError: p.error, claimedUntil: null }).where(eq(outbox.id, p.id));
}

export function listStalePendingOutbox(db: DbOrTx, p: { createdBefore: Date; limit: number }) {
  return db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, "pending"), lt(outbox.createdAt, p.createdBefore)))
    .limit(p.limit);
}
