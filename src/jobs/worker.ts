import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { z } from "zod";
import { deliverOutbox, RetryLater } from "../services/deliver.js";
import type { Deps } from "../services/deps.js";
import { setUpIncident } from "../services/incident-setup.js";
import { JOBS, type JobName, QUEUE_NAMES, type QueueName } from "./catalog.js";

type Processor = (deps: Deps, data: never, job: Job) => Promise<unknown>;

const PROCESSORS: Record<JobName, Processor> = {
  "incident.setup": (deps, data: { incidentId: string }) => setUpIncident(deps, data.incidentId),
  "slack.deliver": (deps, data: { outboxId: string }) => deliverOutbox(deps, data.outboxId),
};

const CONCURRENCY: Record<QueueName, number> = { intake: 5, slack: 10 };

function isJobName(name: string): name is JobName {
  return name in JOBS;
}

/**
 * Parses the payload, runs the processor and turns its errors into BullMQ's vocabulary:
 * a bad payload never retries, RetryLater with a delay waits exactly that long (Slack's
 * Retry-After), anything else backs off exponentially.
 */
async function runJob(deps: Deps, job: Job, token: string | undefined): Promise<unknown> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
  const def = JOBS[job.name];
  const parsed = (def.schema as z.ZodType).safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid payload for ${job.name}: ${parsed.error.message}`);
  try {
    const result = await PROCESSORS[job.name](deps, parsed.data as never, job);
    deps.metrics.jobs.inc({ name: job.name, outcome: "completed" });
    return result;
  } catch (err) {
    deps.metrics.jobs.inc({ name: job.name, outcome: "retry" });
    if (err instanceof RetryLater && err.delayMs !== null && token) {
      await job.moveToDelayed(Date.now() + err.delayMs, token);
      throw new DelayedError();
    }
    throw err;
  }
}

export function startWorkers(deps: Deps, connection: Redis, prefix: string): Worker[] {
  const log = deps.logger.child({ component: "jobs.worker" });
  return Object.values(QUEUE_NAMES).map((queue) => {
    const worker = new Worker(queue, (job, token) => runJob(deps, job, token), {
      connection,
      prefix,
      concurrency: CONCURRENCY[queue],
    });
    worker.on("failed", (job, err) => {
      log.warn(
        { queue, jobId: job?.id, jobName: job?.name, attempt: job?.attemptsMade, err: err.message },
        "job failed",
      );
    });
    worker.on("error", (err) => log.error({ queue, err: err.message }, "worker error"));
    return worker;
  });
}
