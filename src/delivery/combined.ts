import type { Db } from "../db/client.js";
import { claimOutboxAttempts, markOutboxSentMany, type SentPost } from "../db/queries/outbox.js";
import { batcher } from "../lib/batcher.js";

/**
 * Takes the row for one delivery attempt: counts the attempt (so a retry knows a post may
 * already have landed) and leases the row, so two workers can never post it at once.
 * Returns null when the row is not pending or another delivery holds the lease.
 * Claims made at the same moment on one pool share a statement (see `combined`).
 */
export function claimOutboxAttempt(db: Db, id: string, leaseMs: number): Promise<number | null> {
  return combined(db).claim({ id, leaseMs });
}

/** Marks a post sent, unless it already was (then false). Combined like claimOutboxAttempt. */
export function markOutboxSent(db: Db, p: SentPost): Promise<boolean> {
  return combined(db).markSent(p);
}

/**
 * Claims and sent-marks waiting on one pool are written together: a breach storm posts
 * hundreds of messages a second, and one statement (and commit) per group instead of per
 * post is most of what PostgreSQL does for them. Each row's outcome is its own, exactly as
 * if written alone; a lone call is written at once.
 */
const combiners = new WeakMap<Db, Combiner>();

interface Combiner {
  claim: (p: { id: string; leaseMs: number }) => Promise<number | null>;
  markSent: (p: SentPost) => Promise<boolean>;
}

function combined(db: Db): Combiner {
  let combiner = combiners.get(db);
  if (!combiner) {
    const lanes = { lanes: 1, maxSize: 100 };
    combiner = {
      claim: batcher(async (items: Array<{ id: string; leaseMs: number }>) => {
        const claimed = new Map<string, number>();
        for (const leaseMs of new Set(items.map((i) => i.leaseMs))) {
          const ids = [...new Set(items.filter((i) => i.leaseMs === leaseMs).map((i) => i.id))];
          for (const [id, attempts] of await claimOutboxAttempts(db, ids, leaseMs)) claimed.set(id, attempts);
        }
        // The same row claimed twice in one group: only the first call gets it.
        const given = new Set<string>();
        return items.map((i) => {
          const attempts = claimed.get(i.id);
          if (attempts === undefined || given.has(i.id)) return null;
          given.add(i.id);
          return attempts;
        });
      }, lanes),
      markSent: batcher(async (items: SentPost[]) => {
        const first = new Map<string, SentPost>();
        for (const item of items) if (!first.has(item.id)) first.set(item.id, item);
        const marked = await markOutboxSentMany(db, [...first.values()]);
        return items.map((i) => marked.has(i.id) && first.get(i.id) === i);
      }, lanes),
    };
    combiners.set(db, combiner);
  }
  return combiner;
}
