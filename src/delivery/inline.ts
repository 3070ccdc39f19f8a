import type { Redis } from "ioredis";
import { unclaimOutbox } from "../db/queries/outbox.js";
import type { OutboxRow } from "../db/schema/index.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import type { DeliveryDeps } from "./deps.js";
import { reserveChannelSlot } from "./pacing.js";
import { RetryLater } from "./retry-later.js";
import { deliverOutbox } from "./row.js";

/** When an inline try fails for an unknown reason, its job tries again after this long. */
const RETRY_AFTER_MS = 1_000;
/** Posts in flight at once per process; past this, posts go through the slack queue. */
const DEFAULT_LIMIT = 64;

export interface InlineDelivery {
  /**
   * Starts posting these outbox rows, just written by the caller, and returns at once.
   * `claimed`: the rows written already claimed for their first attempt
   * (upsertClaimedOutboxRows); each is posted on that attempt or its claim is given back.
   */
  deliver(posts: OutboxRow[], claimed?: ReadonlySet<string>): void;
  /** Waits for the posts in flight (on shutdown). */
  drain(): Promise<void>;
}

/**
 * Posts outbox rows written by an escalation step straight away, without the round trip
 * through the slack queue, where they could wait behind card edits and other channels'
 * posts; the step's job does not wait for them, so a slow Slack cannot hold up the steps
 * behind it. Each post still takes its turn in its channel: a row whose turn is later, whose
 * try fails, or that finds too many posts in flight becomes an ordinary delivery job (a row
 * written claimed gives its claim back first, so the job posts it as a first attempt). If the
 * process dies first, the row is still pending in PostgreSQL and the sweep queues it (a
 * claimed row once its lease has run out).
 */
export function inlineDelivery(
  ctx: { deps: DeliveryDeps; redis: Redis; prefix: string },
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
  /** Gives back a claim not used, so the delivery job is not held up by its lease. */
  const unclaim = (outboxId: string) =>
    unclaimOutbox(deps.db, [outboxId]).catch((err: unknown) =>
      deps.logger.warn(
        { outboxId, err: describeError(err) },
        "could not give back a delivery claim; the row waits for its lease",
      ),
    );
  const post = async (row: OutboxRow, claimed: boolean) => {
    // Whether this call still holds the row's first-attempt claim unused.
    let holding = claimed;
    try {
      if (row.status !== "pending") return;
      const now = Date.now();
      const slot = await reserveChannelSlot(ctx.redis, ctx.prefix, row.channel, now);
      if (slot > now) {
        if (holding) await unclaim(row.id);
        holding = false;
        return await queueJob(row.id, slot - now, slot);
      }
      // From here the attempt is deliverOutbox's to settle (sent, failed, or released).
      holding = false;
      // The row as the caller's transaction left it: written claimed, its first attempt is
      // this call's; otherwise claiming the attempt re-checks it.
      await deliverOutbox(deps, row.id, row, claimed ? 1 : undefined);
    } catch (err) {
      if (holding) await unclaim(row.id);
      const delay = err instanceof RetryLater && err.delayMs !== null ? err.delayMs : RETRY_AFTER_MS;
      await queueJob(row.id, delay);
    }
  };
  const track = (running: Promise<void>) => {
    const tracked = running.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  return {
    deliver(posts, claimed = new Set()) {
      for (const row of posts) {
        if (inFlight.size < limit) track(post(row, claimed.has(row.id)));
        else if (claimed.has(row.id)) track(unclaim(row.id).then(() => queueJob(row.id)));
        else void queueJob(row.id);
      }
    },
    async drain() {
      await Promise.all([...inFlight]);
    },
  };
}
