import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { EDIT_PACE, EDIT_PACE_KEY, reserveSlots } from "../delivery/pacing.js";
import { JOBS, type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from "./catalog.js";

export interface Jobs {
  /** `at`: when the job is due (a timer's own time); `delay`: how long from now. */
  enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts?: When & { jobId?: string },
  ): Promise<void>;
  /** Several jobs of one kind in one round trip (each deduplicated by its id as enqueue does). */
  enqueueMany<N extends JobName>(
    name: N,
    items: Array<When & { payload: JobPayload<N>; jobId?: string }>,
  ): Promise<void>;
  queue(name: QueueName): Queue;
  /** Removes a waiting or delayed job; a job already running or gone is left alone. */
  remove(name: JobName, jobId: string): Promise<void>;
  /** Whether the connection to Redis is up right now (no round trip: what ioredis last saw). */
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * When a job is due: at a set time, or after a delay from now; at once without either. An edit
 * (a paced job) takes the workspace's next edit turn, or with `pacedFrom` its next turn from then.
 */
interface When {
  at?: Date;
  delay?: number;
  pacedFrom?: Date;
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
  const enqueueMany: Jobs["enqueueMany"] = async (name, allItems) => {
    const def = JOBS[name];
    const target = queue(def.queue);
    // An edit waits in the delayed set for its turn instead of being woken to find it later.
    // One already queued under its id would not be added again: it takes no turn of its own.
    const items = "pace" in def ? await notYetQueued(connection, target, allItems) : allItems;
    if (items.length === 0) return;
    const takesTurn = (i: When) => "pace" in def && i.delay === undefined && i.at === undefined;
    const paced = items.filter((i) => takesTurn(i) && i.pacedFrom === undefined).length;
    const now = Date.now();
    const slots = await reserveSlots(connection, prefix, EDIT_PACE_KEY, now, EDIT_PACE, paced);
    const later = await Promise.all(
      items.map((i) =>
        takesTurn(i) && i.pacedFrom
          ? reserveSlots(
              connection,
              prefix,
              EDIT_PACE_KEY,
              Math.max(now, i.pacedFrom.getTime()),
              EDIT_PACE,
              1,
            )
          : null,
      ),
    );
    let turn = 0;
    const jobs = items.map((item, n) => {
      const data: Record<string, unknown> = def.schema.parse(item.payload);
      let delay = item.at ? Math.max(0, item.at.getTime() - now) : item.delay;
      if ("pace" in def && delay === undefined) {
        const slotAt = (later[n] ? later[n][0] : slots[turn++]) ?? now;
        data.slotAt = slotAt;
        delay = Math.max(0, slotAt - now);
      }
      // BullMQ counts a delay from the job's timestamp, which it would otherwise take when it
      // builds the job, after the parsing above: a timer armed with many others would fall
      // due that much after its time.
      return {
        name,
        data,
        opts: { ...def.opts, jobId: item.jobId, delay, timestamp: now } satisfies JobsOptions,
      };
    });
    if (jobs.length === 1) await target.add(name, jobs[0]!.data, jobs[0]!.opts);
    else await target.addBulk(jobs);
  };
  return {
    queue,
    enqueue: (name, payload, opts = {}) => enqueueMany(name, [{ payload, ...opts }]),
    enqueueMany,
    connected: () => connection.status === "ready",
    async remove(name, jobId) {
      await queue(JOBS[name].queue).remove(jobId);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

/**
 * The items whose job id no job in the queue holds yet (any state: BullMQ adds nothing under an
 * id it still keeps), each id once, in one round trip. Items without an id are always new.
 */
async function notYetQueued<T extends { jobId?: string }>(
  redis: Redis,
  queue: Queue,
  items: T[],
): Promise<T[]> {
  const seen = new Set<string>();
  const once = items.filter((i) => i.jobId === undefined || (!seen.has(i.jobId) && seen.add(i.jobId)));
  const ids = [...seen];
  if (ids.length === 0) return once;
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.exists(queue.toKey(id));
  const answers = (await pipeline.exec()) ?? [];
  const kept = new Set(ids.filter((_, n) => answers[n]?.[1] === 1));
  return once.filter((i) => i.jobId === undefined || !kept.has(i.jobId));
}
