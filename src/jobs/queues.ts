import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { JOBS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from "./catalog.js";
import { EDIT_PACE, EDIT_PACE_KEY, reserveSlot } from "./pacing.js";

export interface Jobs {
  enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts?: { jobId?: string; delay?: number },
  ): Promise<void>;
  queue(name: QueueName): Queue;
  /** Removes a waiting or delayed job; a job already running or gone is left alone. */
  remove(name: JobName, jobId: string): Promise<void>;
  /** Whether the connection to Redis is up right now (no round trip: what ioredis last saw). */
  connected(): boolean;
  close(): Promise<void>;
}

export function createJobs(connection: Redis, prefix: string): Jobs {
  const queues = new Map<QueueName, Queue>();
  for (const name of Object.values(QUEUE_NAMES)) {
    // Nothing here reads the queue event streams; keep them short instead of 10,000 entries.
    queues.set(name, new Queue(name, { connection, prefix, streams: { events: { maxLen: 1_000 } } }));
  }
  const queue = (name: QueueName) => {
    const q = queues.get(name);
    if (!q) throw new Error(`unknown queue ${name}`);
    return q;
  };
  return {
    queue,
    async enqueue(name, payload, opts = {}) {
      const def = JOBS[name];
      let data: Record<string, unknown> = def.schema.parse(payload);
      let delay = opts.delay;
      if ("pace" in def && opts.delay === undefined) {
        // An edit waits in the delayed set for its turn instead of being woken to find it later.
        const now = Date.now();
        const slotAt = await reserveSlot(connection, prefix, EDIT_PACE_KEY, now, EDIT_PACE);
        data = { ...data, slotAt };
        delay = Math.max(0, slotAt - now);
      }
      const jobOpts: JobsOptions = { ...def.opts, jobId: opts.jobId, delay };
      await queue(def.queue).add(name, data, jobOpts);
    },
    connected: () => connection.status === "ready",
    async remove(name, jobId) {
      await queue(JOBS[name].queue).remove(jobId);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
