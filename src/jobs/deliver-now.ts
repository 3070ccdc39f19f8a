import type { Redis } from "ioredis";
import type { OutboxRow } from "../db/schema/index.js";
import { describeError } from "../lib/logger.js";
import { deliverOutbox, RetryLater } from "../services/deliver.js";
import type { Deps } from "../services/deps.js";
import { jobIds } from "./catalog.js";
import { reserveChannelSlot } from "./pacing.js";

/** When an inline try fails for an unknown reason, its job tries again after this long. */
const RETRY_AFTER_MS = 1_000;
/** Posts in flight at once per process; past this, posts go through the slack queue. */
const DEFAULT_LIMIT = 64;

export interface InlineDelivery {
  /** Starts posting these outbox rows, just written by the caller, and returns at once. */
  deliver(posts: OutboxRow[]): void;
  /** Waits for the posts in flight (on shutdown). */
  drain(): Promise<void>;
}

/**
 * Posts outbox rows written by an escalation step straight away, without the round trip
 * through the slack queue, where they could wait behind card edits and other channels'
 * posts; the step's job does not wait for them, so a slow Slack cannot hold up the steps
 * behind it. Each post still takes its turn in its channel: a row whose turn is later, whose
 * try fails, or that finds too many posts in flight becomes an ordinary delivery job. If the
 * process dies first, the row is still pending in PostgreSQL and the sweep queues it.
 */
export function inlineDelivery(
  ctx: { deps: Deps; redis: Redis; prefix: string },
  limit = DEFAULT_LIMIT,
): InlineDelivery {
  const { deps } = ctx;
  const inFlight = new Set<Promise<void>>();
  const queueJob = (outboxId: string, delayMs = 0, slotAt?: number) =>
    deps.jobs
      .enqueue("slack.deliver", { outboxId, slotAt }, { jobId: jobIds.deliver(outboxId), delay: delayMs })
      .catch((err: unknown) =>
        deps.logger.warn({ outboxId, err: describeError(err) }, "could not queue a delivery; the sweep will"),
      );
  const post = async (row: OutboxRow) => {
    try {
      if (row.status !== "pending") return;
      const now = Date.now();
      const slot = await reserveChannelSlot(ctx.redis, ctx.prefix, row.channel, now);
      if (slot > now) return await queueJob(row.id, slot - now, slot);
      // The row as the caller's transaction left it; claiming the attempt re-checks it.
      await deliverOutbox(deps, row.id, row);
    } catch (err) {
      const delay = err instanceof RetryLater && err.delayMs !== null ? err.delayMs : RETRY_AFTER_MS;
      await queueJob(row.id, delay);
    }
  };
  return {
    deliver(posts) {
      for (const row of posts) {
        if (inFlight.size >= limit) {
          void queueJob(row.id);
          continue;
        }
        const running = post(row).finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}
