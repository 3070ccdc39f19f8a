import { DelayedError } from "bullmq";
import { getOutbox } from "../db/queries/outbox.js";
import type { OutboxRow } from "../db/schema/index.js";
import type { JobPayload } from "../jobs/catalog.js";
import type { DeliveryDeps } from "./deps.js";
import { closeSharedTurn, deferChannel, reserveChannelSlot, shareChannelTurn } from "./pacing.js";
import { LANE_PURPOSES } from "./purposes.js";
import { RetryLater } from "./retry-later.js";
import { deliverRoundup } from "./roundup.js";
import { deliverOutbox } from "./row.js";
import { type TurnContext, waitForTurn } from "./turns.js";

export interface DeliveryJobContext extends TurnContext {
  deps: DeliveryDeps;
}

/** How long a turn waits for a lane's head another delivery is posting, and how often it looks. */
const BUSY_HEAD_WAIT_MS = 3_000;
const BUSY_HEAD_POLL_MS = 25;

/**
 * The `slack.deliver` job: a post in its channel's lane takes or joins the channel's shared
 * turn; any other post waits for its own turn in its channel, then goes out alone.
 */
export async function deliverJob(
  ctx: DeliveryJobContext,
  data: JobPayload<"slack.deliver">,
): Promise<unknown> {
  const shared = data.sharedIn;
  if (shared && LANE_PURPOSES.has(shared.purpose)) return deliverInSharedTurn(ctx, data, shared);
  // Read once: the turn and the delivery work from this row (its attempt is claimed atomically).
  const row = await getOutbox(ctx.deps.db, data.outboxId);
  if (row && LANE_PURPOSES.has(row.purpose)) return deliverInSharedTurn(ctx, data, row);
  await waitForChannelTurn(ctx, data, row);
  return deliverOutbox(ctx.deps, data.outboxId, row ?? undefined);
}

/** Reserves this post's turn in its channel and, if the turn is later, sleeps until then. */
async function waitForChannelTurn(
  ctx: DeliveryJobContext,
  data: JobPayload<"slack.deliver">,
  row: OutboxRow | null,
): Promise<void> {
  await waitForTurn(ctx, data, async (now) =>
    row?.status === "pending" ? reserveChannelSlot(ctx.redis, ctx.prefix, row.channel, now) : null,
  );
}

/**
 * A post in its channel's lane (an announcement, a milestone notice, an update, a story line):
 * joins the turn already waiting there, whose job will carry it, or takes the next turn and,
 * when it comes, posts the lane's head (deliverRoundup), taking further turns while posts are
 * left in the lane or its head is held for a retry.
 */
async function deliverInSharedTurn(
  ctx: DeliveryJobContext,
  data: JobPayload<"slack.deliver">,
  /** The row, or where and what it is when the job says (its status then unread). */
  row: Pick<OutboxRow, "channel" | "purpose"> & { status?: OutboxRow["status"] },
): Promise<unknown> {
  const { redis, prefix } = ctx;
  const holder = ctx.job.id ?? "";
  let busySince: number | undefined;
  let slot = data.slotAt;
  if (slot === undefined) {
    if (row.status !== undefined && row.status !== "pending") return { status: row.status };
    const turn = await shareChannelTurn(redis, prefix, row.channel, Date.now(), holder);
    if (turn === null) return { status: "joined" };
    slot = turn;
  }
  for (;;) {
    // Kept with the job, so that a retry gathers the channel's rows again even once its own row
    // is settled (it may have been sent or given up while others in the post were not).
    if (data.slotAt !== slot) {
      data = { ...data, slotAt: slot };
      await ctx.job.updateData(data);
    }
    if (slot > Date.now() && ctx.token) {
      await ctx.job.moveToDelayed(slot, ctx.token);
      throw new DelayedError();
    }
    await closeSharedTurn(redis, prefix, row.channel, slot, holder);
    const outcome = await deliverRoundup(ctx.deps, row.channel).catch(async (err: unknown) => {
      // Slack's Retry-After (or the backoff after a failure) holds for the channel: the posts
      // gathered next wait it out too.
      if (err instanceof RetryLater && err.delayMs)
        await deferChannel(redis, prefix, row.channel, Date.now() + err.delayMs);
      throw err;
    });
    // The head is in flight in another delivery, which carries the lane on: this turn is kept
    // for the post behind it for a moment, rather than spent on nothing (a burst of updates
    // would otherwise wait a whole turn more), and given up if that delivery seems gone.
    if (!outcome.busy) busySince = undefined;
    else {
      busySince ??= Date.now();
      if (Date.now() - busySince < BUSY_HEAD_WAIT_MS) {
        await new Promise((r) => setTimeout(r, BUSY_HEAD_POLL_MS));
        continue;
      }
    }
    // Posts left in the lane: a further turn.
    if (!outcome.more) return outcome;
    const next = await shareChannelTurn(
      redis,
      prefix,
      row.channel,
      Date.now() + (outcome.waitMs ?? 0),
      holder,
    );
    if (next === null) return outcome;
    slot = next;
  }
}
