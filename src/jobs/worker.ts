import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { z } from "zod";
import { getOutbox } from "../db/queries/outbox.js";
import type { OutboxRow } from "../db/schema/index.js";
import { LANE_PURPOSES } from "../delivery/purposes.js";
import { RetryLater } from "../delivery/retry-later.js";
import { periodOfDays } from "../domain/report-period.js";
import { batcher } from "../lib/batcher.js";
import { describeError } from "../lib/logger.js";
import { fireActionStep } from "../services/action-fire.js";
import { refreshBriefingPosts } from "../services/briefing-refresh.js";
import { refreshCard } from "../services/card-refresh.js";
import { deliverOutbox, deliverRoundup } from "../services/deliver.js";
import type { Deps } from "../services/deps.js";
import { editAcknowledgedDms } from "../services/escalation.js";
import { publishHome } from "../services/home.js";
import { finishSetUp, setUpIncident } from "../services/incident-setup.js";
import { postWeeklyDigest } from "../services/kpi-digest.js";
import { sendReportFiles } from "../services/kpi-report.js";
import { refreshPlaybookChecklist } from "../services/playbook.js";
import { eraseExpiredCallerReferences } from "../services/retention.js";
import { closeReviewPrompt } from "../services/review-prompt.js";
import { publishReview } from "../services/review-publish.js";
import { type FireOutcome, fireClockSteps, type StepJob } from "../services/sla-fire.js";
import { JOBS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from "./catalog.js";
import { type InlineDelivery, inlineDelivery } from "./deliver-now.js";
import {
  closeSharedTurn,
  deferChannel,
  EDIT_PACE,
  EDIT_PACE_KEY,
  reserveChannelSlot,
  reserveSlot,
  shareChannelTurn,
} from "./pacing.js";

interface Context {
  deps: Deps;
  redis: Redis;
  prefix: string;
  inline: InlineDelivery;
  /** Fires an SLA step together with the others due at the same moment (see fireClockSteps). */
  fireStep: (job: StepJob) => Promise<FireOutcome>;
  job: Job;
  token: string | undefined;
}

type Processors = { [N in JobName]: (ctx: Context, data: JobPayload<N>) => Promise<unknown> };

const PROCESSORS: Processors = {
  "incident.setup": (ctx, data) => setUpIncident(ctx.deps, data.incidentId),
  "incident.finish-setup": (ctx, data) => finishSetUp(ctx.deps, data.incidentId),
  "slack.deliver": async (ctx, data) => {
    const shared = data.sharedIn;
    if (shared && LANE_PURPOSES.has(shared.purpose)) return deliverInSharedTurn(ctx, data, shared);
    // Read once: the turn and the delivery work from this row (its attempt is claimed atomically).
    const row = await getOutbox(ctx.deps.db, data.outboxId);
    if (row && LANE_PURPOSES.has(row.purpose)) return deliverInSharedTurn(ctx, data, row);
    await waitForChannelTurn(ctx, data, row);
    return deliverOutbox(ctx.deps, data.outboxId, row ?? undefined);
  },
  "card.refresh": (ctx, data) => refreshCard(ctx.deps, data.incidentId),
  "home.refresh": (ctx, data) => publishHome(ctx.deps, data.userId),
  "sla.fire": (ctx, data) => ctx.fireStep(data),
  "escalation.ack-edit": (ctx, data) => editAcknowledgedDms(ctx.deps, data.clockId),
  "retention.erase": (ctx) => eraseExpiredCallerReferences(ctx.deps),
  "playbook.refresh": (ctx, data) => refreshPlaybookChecklist(ctx.deps, data.incidentId),
  "briefing.refresh": (ctx, data) => refreshBriefingPosts(ctx.deps, data.briefingId),
  "review.publish": (ctx, data) => publishReview(ctx.deps, data.reviewId),
  "review.prompt-edit": (ctx, data) => closeReviewPrompt(ctx.deps, data.reviewId),
  "report.files": (ctx, data) => {
    const period = periodOfDays(data.first, data.last, ctx.deps.policy.timezone);
    if (!period) throw new UnrecoverableError(`invalid report period ${data.first}..${data.last}`);
    return sendReportFiles(ctx.deps, {
      userId: data.userId,
      period,
      asOf: data.asOf,
      retry: ctx.job.attemptsMade > 0,
    });
  },
  "report.digest": (ctx) => postWeeklyDigest(ctx.deps),
  "action.fire": (ctx, data) => fireActionStep(ctx.deps, data, async (posts) => ctx.inline.deliver(posts)),
};

// SLA steps run many at once so that a storm of them can share transactions (STEP_GROUPS).
const CONCURRENCY: Record<QueueName, number> = {
  intake: 5,
  setup: 5,
  slack: 10,
  sla: 40,
  actions: 5,
  maintenance: 1,
};
/** How long a turn waits for a lane's head another delivery is posting, and how often it looks. */
const BUSY_HEAD_WAIT_MS = 3_000;
const BUSY_HEAD_POLL_MS = 25;
/** At most this many SLA step transactions at once per process, each of up to `maxSize` steps. */
const STEP_GROUPS = { lanes: 1, maxSize: 40 };

/** Reserves this post's turn in its channel and, if the turn is later, sleeps until then. */
async function waitForChannelTurn(
  ctx: Context,
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
  ctx: Context,
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

/**
 * Waits for an edit's turn (`chat.update`, paced for the workspace): reserved when it was
 * queued, or now for a job queued without one.
 */
function waitForEditTurn(ctx: Context, data: { slotAt?: number | undefined }): Promise<void> {
  return waitForTurn(ctx, data, (now) => reserveSlot(ctx.redis, ctx.prefix, EDIT_PACE_KEY, now, EDIT_PACE));
}

/**
 * Runs the job now if its turn (reserved once, then kept in its data as `slotAt`) has come;
 * otherwise moves it to the delayed set until then. `reserve` returns null for nothing to do.
 */
async function waitForTurn(
  ctx: Context,
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

function isJobName(name: string): name is JobName {
  return name in JOBS;
}

/**
 * Parses the payload, runs the processor and turns its errors into BullMQ's vocabulary:
 * a bad payload never retries, RetryLater with a delay waits exactly that long (Slack's
 * Retry-After), anything else backs off exponentially.
 */
async function runJob(base: Omit<Context, "job" | "token">, job: Job, token: string | undefined) {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  const parsed = (JOBS[job.name].schema as z.ZodType).safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid payload for ${job.name}: ${parsed.error.message}`);
  const { deps } = base;
  try {
    const run = PROCESSORS[job.name] as (ctx: Context, data: unknown) => Promise<unknown>;
    const ctx = { ...base, job, token };
    // Jobs the catalog marks as edits wait for their turn in the workspace's edit budget.
    if ("pace" in JOBS[job.name]) await waitForEditTurn(ctx, parsed.data as { slotAt?: number });
    const result = await run(ctx, parsed.data);
    deps.metrics.jobs.inc({ name: job.name, outcome: "completed" });
    return result;
  } catch (err) {
    if (err instanceof DelayedError) throw err;
    deps.metrics.jobs.inc({ name: job.name, outcome: "retry" });
    if (err instanceof RetryLater && err.delayMs !== null && token) {
      await job.moveToDelayed(Date.now() + err.delayMs, token);
      throw new DelayedError();
    }
    throw err;
  }
}

export interface RunningWorkers {
  workers: Worker[];
  /** Lets in-flight jobs and posts finish, then stops. */
  close(): Promise<void>;
}

export function startWorkers(deps: Deps, connection: Redis, prefix: string, lockMs = 30_000): RunningWorkers {
  const log = deps.logger.child({ component: "jobs.worker" });
  const inline = inlineDelivery({ deps, redis: connection, prefix });
  const fireStep = batcher(
    (jobs: StepJob[]) =>
      fireClockSteps(deps, jobs, async (posts, claimed) => inline.deliver(posts, claimed), {
        claimPosts: true,
      }),
    STEP_GROUPS,
  );
  const workers = Object.values(QUEUE_NAMES).map((queue) => {
    const worker = new Worker(
      queue,
      (job, token) => runJob({ deps, redis: connection, prefix, inline, fireStep }, job, token),
      {
        connection,
        prefix,
        concurrency: CONCURRENCY[queue],
        // A job whose worker died is taken up again once its lock lapses. Every job is safe
        // to run again (outbox claims, step records), so one whose worker died more than once
        // is still taken up at once rather than failed and left for the sweep; a job that
        // itself keeps killing its worker still ends after a few tries.
        lockDuration: lockMs,
        stalledInterval: lockMs,
        maxStalledCount: 5,
      },
    );
    worker.on("failed", (job, err) => {
      log.warn(
        { queue, jobId: job?.id, jobName: job?.name, attempt: job?.attemptsMade, err: describeError(err) },
        "job failed",
      );
    });
    worker.on("error", (err) => log.error({ queue, err: describeError(err) }, "worker error"));
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await inline.drain();
    },
  };
}
