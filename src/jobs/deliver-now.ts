import type { Redis } from "ioredis";
import { getOutbox } from "../db/queries/outbox.js";
import { describeError } from "../lib/logger.js";
import { deliverOutbox, RetryLater } from "../services/deliver.js";
import type { Deps } from "../services/deps.js";
import { jobIds } from "./catalog.js";
import { reserveChannelSlot } from "./pacing.js";

/** When an inline try fails for an unknown reason, its job tries again after this long. */
const RETRY_AFTER_MS = 1_000;
/**
 * The escalation step waits this long at most for its posts; a slower Slack call finishes
 * (or hands over to a job) on its own, so a slow Slack cannot hold up the steps behind it.
 */
const WAIT_AT_MOST_MS = 2_000;

/**
 * Posts outbox rows from inside the job that wrote them (an escalation step), without the
 * round trip through the slack queue, where they could wait behind card edits and other
 * channels' posts. Each post still takes its turn in its channel: a row whose turn is later,
 * or whose try fails, becomes an ordinary delivery job. If this process dies before that,
 * the row is still pending in PostgreSQL and the sweep queues it.
 */
export async function deliverNow(
  ctx: { deps: Deps; redis: Redis; prefix: string },
  outboxIds: string[],
): Promise<void> {
  const { deps } = ctx;
  const queueJob = (outboxId: string, delayMs: number, slotAt?: number) =>
    deps.jobs
      .enqueue("slack.deliver", { outboxId, slotAt }, { jobId: jobIds.deliver(outboxId), delay: delayMs })
      .catch((err: unknown) =>
        deps.logger.warn({ outboxId, err: describeError(err) }, "could not queue a delivery; the sweep will"),
      );
  const posts = Promise.all(
    outboxIds.map(async (outboxId) => {
      try {
        const row = await getOutbox(deps.db, outboxId);
        if (row?.status !== "pending") return;
        const now = Date.now();
        const slot = await reserveChannelSlot(ctx.redis, ctx.prefix, row.channel, now);
        if (slot > now) return await queueJob(outboxId, slot - now, slot);
        await deliverOutbox(deps, outboxId);
      } catch (err) {
        const delay = err instanceof RetryLater && err.delayMs !== null ? err.delayMs : RETRY_AFTER_MS;
        await queueJob(outboxId, delay);
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const enough = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, WAIT_AT_MOST_MS);
  });
  await Promise.race([posts, enough]).finally(() => clearTimeout(timer));
}
