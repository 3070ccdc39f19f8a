import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { jobIds, QUEUE_NAMES } from "../../../src/jobs/catalog.js";
import { createJobs } from "../../../src/jobs/queues.js";
import { TEST_REDIS_URL } from "../../helpers/services.js";

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const prefix = `timer-times-${randomBytes(4).toString("hex")}`;
const jobs = createJobs(redis, prefix);
const queue = jobs.queue(QUEUE_NAMES.sla);

afterAll(async () => {
  await jobs.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const step = (at: Date) => {
  const clockId = randomUUID();
  return {
    payload: { clockId, generation: 1, step: "breach" },
    jobId: jobIds.slaStep(clockId, 1, "breach"),
    at,
  };
};

/** When BullMQ will move each job out of the delayed set (its score holds the time in ms). */
async function dueTimes(ids: string[]): Promise<number[]> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.zscore(queue.toKey("delayed"), id);
  const answers = (await pipeline.exec()) ?? [];
  return answers.map(([, score]) => Math.floor(Number(score) / 0x1000));
}

describe("timers armed for a set time", () => {
  it("fall due at their own time to the millisecond, however many are armed together", async () => {
    const base = Date.now() + 10 * 60_000;
    const items = Array.from({ length: 3_000 }, (_, i) => step(new Date(base + i * 7)));
    await jobs.enqueueMany("sla.fire", items);
    expect(await dueTimes(items.map((i) => i.jobId))).toEqual(items.map((i) => i.at.getTime()));
  });

  it("runs a timer whose time has passed at once", async () => {
    const late = step(new Date(Date.now() - 5_000));
    await jobs.enqueue("sla.fire", late.payload, { jobId: late.jobId, at: late.at });
    expect(await queue.getJobState(late.jobId)).toBe("waiting");
  });
});
