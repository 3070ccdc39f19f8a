import { and, eq, inArray, lt, sql } from "drizzle-orm";
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
  if (rows.length === 0) return [];
  await db.insert(outbox).values(rows).onConflictDoNothing({ target: outbox.dedupeKey });
  const keys = rows.map((r) => r.dedupeKey);
  const found = await db
    .select({ id: outbox.id, key: outbox.dedupeKey })
    .from(outbox)
    .where(inArray(outbox.dedupeKey, keys));
  const byKey = new Map(found.map((r) => [r.key, r.id]));
  return keys.map((k) => byKey.get(k)).filter((id): id is string => id !== undefined);
}

export async function getOutbox(db: DbOrTx, id: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
  return row ?? null;
}

export async function getOutboxByKey(db: DbOrTx, key: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.dedupeKey, key));
  return row ?? null;
}

/** Counts an attempt before calling Slack, so a retry knows a post may already have landed. */
export async function claimOutboxAttempt(db: DbOrTx, id: string): Promise<number | null> {
  const [row] = await db
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(eq(outbox.id, id), eq(outbox.status, "pending")))
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

export async function noteOutboxError(db: DbOrTx, p: { id: string; error: string }): Promise<void> {
  await db.update(outbox).set({ lastError: p.error }).where(eq(outbox.id, p.id));
}

export function listStalePendingOutbox(db: DbOrTx, p: { createdBefore: Date; limit: number }) {
  return db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, "pending"), lt(outbox.createdAt, p.createdBefore)))
    .limit(p.limit);
}
