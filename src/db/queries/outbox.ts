import { and, eq, inArray, isNull, like, lt, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../client.js";
import { preparedPer } from "../prepared.js";
import { type OutboxRow, outbox } from "../schema/index.js";
import { type LogEntry, logEntryPer } from "./incident-log.js";
import type { NewOutboxMessage } from "./outbox-message.js";
import { redirectPracticePosts } from "./practice-redirect.js";

export type { NewOutboxMessage };

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
  return (await upsertClaimedOutboxRows(db, rows)).rows;
}

/**
 * upsertOutboxRows for posts about to be sent at once: with `leaseMs`, the rows inserted now
 * are written already claimed for their first attempt (counted, and leased for `leaseMs`),
 * which saves the claim's own statement and commit on the way to Slack. Returns every row for
 * the keys and the ids of those claimed; the caller must post each claimed row (deliverOutbox
 * with attempt 1) or give the claim back (unclaimOutbox). A row that existed already is not
 * claimed, nor is any without `leaseMs`.
 */
export async function upsertClaimedOutboxRows(
  db: DbOrTx,
  rows: NewOutboxMessage[],
  leaseMs?: number,
): Promise<{ rows: OutboxRow[]; claimed: Set<string> }> {
  if (rows.length === 0) return { rows: [], claimed: new Set() };
  // A practice drill's posts never reach a real channel or a non-participant (issue 23).
  const placed = await redirectPracticePosts(db, rows);
  const values =
    leaseMs === undefined
      ? placed
      : placed.map((r) => ({
          ...r,
          attempts: 1,
          claimedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
        }));
  const inserted = await db
    .insert(outbox)
    .values(values)
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
  return {
    rows: keys.map((k) => byKey.get(k)).filter((r): r is OutboxRow => r !== undefined),
    claimed: new Set(leaseMs === undefined ? [] : inserted.map((r) => r.id)),
  };
}

const outboxById = preparedPer((db) =>
  db
    .select()
    .from(outbox)
    .where(eq(outbox.id, sql.placeholder("id")))
    .prepare("outbox_by_id"),
);

export async function getOutbox(db: DbOrTx, id: string): Promise<OutboxRow | null> {
  const [row] = await outboxById(db).execute({ id });
  return row ?? null;
}

/** Whether a post of `purpose` about the incident landed as the message `ts` in `channel`. */
export async function wasPosted(
  db: DbOrTx,
  p: { incidentId: string; purpose: string; channel: string; ts: string },
): Promise<boolean> {
  const [row] = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(
      and(
        eq(outbox.incidentId, p.incidentId),
        eq(outbox.purpose, p.purpose),
        eq(outbox.postedChannel, p.channel),
        eq(outbox.ts, p.ts),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export async function getOutboxByKey(db: DbOrTx, key: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.dedupeKey, key));
  return row ?? null;
}

export interface SentPost {
  id: string;
  postedChannel: string;
  ts: string;
  permalink: string | null;
}

/**
 * Takes rows for one delivery attempt each: counts the attempt (so a retry knows a post may
 * already have landed) and leases the row, so two workers can never post it at once. Returns
 * the attempt of each row taken; a row not pending, or whose lease another delivery holds, is
 * not taken.
 */
export async function claimOutboxAttempts(
  db: DbOrTx,
  ids: string[],
  leaseMs: number,
): Promise<Map<string, number>> {
  const rows = await db
    .update(outbox)
    .set(attemptTaken(leaseMs))
    .where(
      and(
        // One array parameter, so the statement's text (and its prepared plan) is the same
        // whatever the number of rows.
        sql`${outbox.id} = any(${sql.param(ids)}::uuid[])`,
        eq(outbox.status, "pending"),
        unleased(),
      ),
    )
    .returning({ id: outbox.id, attempts: outbox.attempts });
  return new Map(rows.map((r) => [r.id, r.attempts]));
}

async function markSent(db: DbOrTx, posts: SentPost[]): Promise<Set<string>> {
  const column = <K extends keyof SentPost>(key: K) => sql.param(posts.map((p) => p[key]));
  const rows = (await db.execute(sql`
    update outbox set status = 'sent', posted_channel = v.channel, ts = v.ts, permalink = v.permalink, sent_at = now()
    from unnest(${column("id")}::uuid[], ${column("postedChannel")}::text[], ${column("ts")}::text[], ${column("permalink")}::text[])
      as v(id, channel, ts, permalink)
    where outbox.id = v.id and outbox.status = 'pending'
    returning outbox.id`)) as unknown as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}

/**
 * Marks posts sent and logs each one that belongs to an incident with the same entry, in one
 * statement (one commit): the log entries exist exactly when the marks do. An incident's
 * summary card (purpose `summary_card`) becomes its card in the same statement: the card's
 * `ts` is on the incident from the moment the post is recorded, so a change made right after
 * is edited into the card; for an incident without a channel of its own the card's channel and
 * `ts` become its working channel and thread. Returns the ids this call marked; a row already marked by someone
 * else is neither marked nor logged again.
 */
export async function markOutboxSentLogged(
  db: DbOrTx,
  posts: SentPost[],
  entry: Omit<LogEntry, "incidentId">,
): Promise<Set<string>> {
  const column = <K extends keyof SentPost>(key: K) => sql.param(posts.map((p) => p[key]));
  const rows = (await db.execute(sql`
    with marked as (
      update outbox set status = 'sent', posted_channel = v.channel, ts = v.ts, permalink = v.permalink, sent_at = now()
      from unnest(${column("id")}::uuid[], ${column("postedChannel")}::text[], ${column("ts")}::text[], ${column("permalink")}::text[])
        with ordinality as v(id, channel, ts, permalink, n)
      where outbox.id = v.id and outbox.status = 'pending'
      returning outbox.id, outbox.incident_id, outbox.purpose, v.channel, v.ts, v.n
    ), logged as (${logEntryPer(sql`marked where incident_id is not null order by n`, entry)}),
    carded as (
      update incidents set summary_ts = marked.ts, updated_at = now(),
        -- An incident without a channel of its own is worked in the thread under this card.
        working_channel_id = case when incidents.channel_id is null then marked.channel else incidents.working_channel_id end,
        thread_ts = case when incidents.channel_id is null then marked.ts else incidents.thread_ts end
      from marked
      where marked.purpose = 'summary_card' and incidents.id = marked.incident_id and incidents.summary_ts is null
    )
    select id from marked`)) as unknown as Array<{ id: string }>;
  return new Set(rows.map((r) => r.id));
}

/** A row no delivery holds (its lease, or its hold until a retry, has run out). */
function unleased() {
  return or(isNull(outbox.claimedUntil), lt(outbox.claimedUntil, sql`now()`));
}

/** An attempt counted and the row leased for it. */
function attemptTaken(leaseMs: number) {
  return {
    attempts: sql`${outbox.attempts} + 1`,
    claimedUntil: sql`now() + make_interval(secs => ${leaseMs / 1000})`,
    updatedAt: sql`now()`,
  };
}

/** A channel's lane: the purposes whose posts reach it strictly in the order they were written. */
export interface Lane {
  channel: string;
  purposes: readonly string[];
  /**
   * Purposes whose posts waiting together go out as one message (a roundup), by family: posts
   * of one family (new incidents and milestone notices, say) may share a roundup.
   */
  roundup: ReadonlyMap<string, string>;
}

export interface LaneClaim {
  /** The rows the next post carries: the lane's head, and the rows after it it can carry. */
  rows: OutboxRow[];
  /**
   * Nothing claimed because the head waits for a retry Slack asked for: how long. (A head held
   * by a delivery in progress claims nothing either: that delivery carries the lane on.)
   */
  retryInMs: number | null;
}

/**
 * Claims the head of a channel's lane for one attempt: the oldest pending row, with the rows
 * right behind it of the same roundup family when it has one (up to `limit`).
 * Nothing passes a head that is held, so a channel reads its posts in the order they were
 * written even when Slack asked one of them to wait.
 */
export async function claimLaneHead(
  db: Db,
  lane: Lane & { leaseMs: number; limit: number },
): Promise<LaneClaim> {
  return db.transaction(async (tx) => {
    const waiting = await tx
      .select({
        id: outbox.id,
        purpose: outbox.purpose,
        // Posts into different threads of one channel (routine incidents) never share a message.
        thread: sql<string | null>`${outbox.message}->>'thread_ts'`,
        held: sql<boolean>`coalesce(${outbox.claimedUntil} > now(), false)`,
        retryInMs: sql<
          string | null
        >`case when ${outbox.retryAt} > now() then ceil(extract(epoch from (${outbox.retryAt} - now())) * 1000) end`,
      })
      .from(outbox)
      .where(waitingIn(lane))
      .orderBy(outbox.seq)
      .limit(lane.limit)
      .for("update", { skipLocked: true });
    const head = waiting[0];
    if (!head || head.held) return { rows: [], retryInMs: null };
    if (head.retryInMs !== null) return { rows: [], retryInMs: Math.max(0, Number(head.retryInMs)) };
    const run = [head];
    const family = lane.roundup.get(head.purpose);
    if (family) {
      for (const next of waiting.slice(1)) {
        if (lane.roundup.get(next.purpose) !== family || next.held || next.retryInMs !== null) break;
        if (next.thread !== head.thread) break;
        run.push(next);
      }
    }
    const rows = await tx
      .update(outbox)
      .set({ ...attemptTaken(lane.leaseMs), retryAt: null })
      .where(
        inArray(
          outbox.id,
          run.map((r) => r.id),
        ),
      )
      .returning();
    const order = new Map(run.map((r, i) => [r.id, i]));
    rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return { rows, retryInMs: null };
  });
}

/** The posts waiting in a channel's lane. */
function waitingIn(lane: Pick<Lane, "channel" | "purposes">) {
  return and(
    eq(outbox.status, "pending"),
    eq(outbox.channel, lane.channel),
    inArray(outbox.purpose, [...lane.purposes]),
  );
}

/** Whether any post waits in a channel's lane. */
export async function laneHasPending(db: DbOrTx, lane: Pick<Lane, "channel" | "purposes">): Promise<boolean> {
  const [row] = await db.select({ id: outbox.id }).from(outbox).where(waitingIn(lane)).limit(1);
  return row !== undefined;
}

/** Marks several posts sent in one statement; returns the ids it marked. */
export function markOutboxSentMany(db: DbOrTx, posts: SentPost[]): Promise<Set<string>> {
  return markSent(db, posts);
}

export async function markOutboxFailed(db: DbOrTx, p: { id: string; error: string }): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({ status: "failed", lastError: p.error, updatedAt: sql`now()` })
    .where(and(eq(outbox.id, p.id), eq(outbox.status, "pending")))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/**
 * Ends an attempt that will be retried: records why and lets go of the lease, at once or, with
 * `holdMs`, once the retry is due (no other delivery takes the row before Retry-After).
 */
export async function releaseOutbox(
  db: DbOrTx,
  p: { id: string | string[]; error: string; holdMs?: number },
): Promise<void> {
  const ids = Array.isArray(p.id) ? p.id : [p.id];
  if (ids.length === 0) return;
  const retryAt = p.holdMs ? sql`now() + make_interval(secs => ${p.holdMs / 1000})` : null;
  await db
    .update(outbox)
    .set({ lastError: p.error, claimedUntil: null, retryAt })
    .where(inArray(outbox.id, ids));
}

/**
 * Gives back first-attempt claims that were never used (upsertClaimedOutboxRows): the rows are
 * as if never claimed, so whoever posts them next does so as a first attempt, without looking
 * in the channel's history. A row whose claim has meanwhile lapsed and been taken again is
 * left to its new holder.
 */
export async function unclaimOutbox(db: DbOrTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} - 1`, claimedUntil: null, updatedAt: sql`now()` })
    .where(
      and(
        sql`${outbox.id} = any(${sql.param(ids)}::uuid[])`,
        eq(outbox.status, "pending"),
        eq(outbox.attempts, 1),
      ),
    );
}

export function listStalePendingOutbox(db: DbOrTx, p: { createdBefore: Date; limit: number }) {
  return db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, "pending"), lt(outbox.createdAt, p.createdBefore)))
    .limit(p.limit);
}

/** Rows whose dedupe key matches a LIKE pattern (outboxKey's patterns), to one channel if given. */
export function outboxRowsMatching(
  db: DbOrTx,
  p: { keyPattern: string; channel?: string; limit?: number },
): Promise<OutboxRow[]> {
  const match = like(outbox.dedupeKey, p.keyPattern);
  const query = db
    .select()
    .from(outbox)
    .where(p.channel === undefined ? match : and(match, eq(outbox.channel, p.channel)));
  return p.limit === undefined ? query : query.limit(p.limit);
}
