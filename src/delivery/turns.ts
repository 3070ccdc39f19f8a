import { DelayedError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { EDIT_PACE, EDIT_PACE_KEY, reserveSlot } from "./pacing.js";

/** A job waiting for its turn: BullMQ's job and lock token, and the Redis the turns are kept in. */
export interface TurnContext {
  redis: Redis;
  prefix: string;
  job: Job;
  token: string | undefined;
}

/**
 * Waits for an edit's turn (`chat.update`, paced for the workspace): reserved when it was
 * queued, or now for a job queued without one.
 */
export function waitForEditTurn(ctx: TurnContext, data: { slotAt?: number | undefined }): Promise<void> {
  return waitForTurn(ctx, data, (now) => reserveSlot(ctx.redis, ctx.prefix, EDIT_PACE_KEY, now, EDIT_PACE));
}

/**
 * Runs the job now if its turn (reserved once, then kept in its data as `slotAt`) has come;
 * otherwise moves it to the delayed set until then. `reserve` returns null for nothing to do.
 */
export async function waitForTurn(
  ctx: TurnContext,
  data: { slotAt?: number | undefined },
  reserve: (now: number) => Promise<number | null>,
): Promise<void> {
  const now = Date.now();
  let slot = data.slotAt;
  if (slot === undefined) {
    const reserved = await reserve(now);
    if (reserved === null) return;
    slot = reserved;
    if (slot > now) await ctx.job.updateData({ ...data, slotAt: slot });
  }
  if (slot <= now || !ctx.token) return;
  await ctx.job.moveToDelayed(slot, ctx.token);
  throw new DelayedError();
}
