import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { z } from "zod";
import { deliverJob } from "../delivery/deliver-job.js";
import { deliverExternal } from "../delivery/external.js";
import { type InlineDelivery, inlineDelivery } from "../delivery/inline.js";
import { RetryLater } from "../delivery/retry-later.js";
import { waitForEditTurn } from "../delivery/turns.js";
import { periodOfDays } from "../domain/report-period.js";
import { batcher } from "../lib/batcher.js";
import { describeError } from "../lib/logger.js";
import { fireActionStep } from "../services/action-fire.js";
import { refreshBriefingPosts } from "../services/briefing-refresh.js";
import { refreshCallbackList } from "../services/callbacks.js";
import { raiseForCallerVolume } from "../services/caller-volume.js";
import { refreshCard } from "../services/card-refresh.js";
import type { Deps } from "../services/deps.js";
import { editAcknowledgedDms } from "../services/escalation.js";
import { publishHome } from "../services/home.js";
import { finishSetUp, setUpIncident } from "../services/incident-setup.js";
import { postWeeklyDigest } from "../services/kpi-digest.js";
import { sendReportFiles } from "../services/kpi-report.js";
import { refreshPlaybookChecklist } from "../services/playbook.js";
import { endPractice } from "../services/practice-debrief.js";
import { postPracticeInject } from "../services/practice-injects.js";
import { promoteIncident } from "../services/promote.js";
import { eraseExpiredCallerReferences } from "../services/retention.js";
import { closeReviewPrompt } from "../services/review-prompt.js";
import { publishReview } from "../services/review-publish.js";
import { type FireOutcome, fireClockSteps, type StepJob } from "../services/sla-fire.js";
import { JOBS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from "./catalog.js";

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
  "incident.promote": (ctx, data) => promoteIncident(ctx.deps, data),
  "callers.volume-raise": (ctx, data) => raiseForCallerVolume(ctx.deps, data),
  "slack.deliver": (ctx, data) => deliverJob(ctx, data),
  "external.deliver": (ctx, data) => deliverExternal(ctx.deps, data.deliveryId),
  "card.refresh": (ctx, data) => refreshCard(ctx.deps, data.incidentId),
  "callbacks.refresh": (ctx, data) => refreshCallbackList(ctx.deps, data.incidentId),
  "home.refresh": (ctx, data) => publishHome(ctx.deps, data.userId),
  "sla.fire": (ctx, data) => ctx.fireStep(data),
  "escalation.ack-edit": (ctx, data) => editAcknowledgedDms(ctx.deps, data.clockId, data.cure),
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
  "practice.inject": (ctx, data) => postPracticeInject(ctx.deps, data),
  "practice.end": (ctx, data) => endPractice(ctx.deps, data),
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
  external: 10,
};
/** At most this many SLA step transactions at once per process, each of up to `maxSize` steps. */
const STEP_GROUPS = { lanes: 1, maxSize: 40 };

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
