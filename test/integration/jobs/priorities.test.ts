import { randomBytes, randomUUID } from "node:crypto";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { QUEUE_NAMES } from "../../../src/jobs/catalog.js";
import { createJobs } from "../../../src/jobs/queues.js";
import { TEST_REDIS_URL } from "../../helpers/services.js";

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const prefix = `priorities-${randomBytes(4).toString("hex")}`;
const jobs = createJobs(redis, prefix);
// Never started: the test takes jobs one by one, in the order a busy worker would.
const worker = new Worker(QUEUE_NAMES.slack, null, { connection: redis, prefix, autorun: false });

afterAll(async () => {
  await worker.close();
  await jobs.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe("a backlog on the slack queue", () => {
  it("is taken posts first, then redraws, then reports, whatever the order queued", async () => {
    await jobs.enqueue("report.files", {
      userId: "U0LEAD",
      first: "2026-11-01",
      last: "2026-11-30",
      asOf: new Date(),
    });
    await jobs.enqueue("home.refresh", { userId: "U0LEAD" });
    await jobs.enqueue("slack.deliver", { outboxId: randomUUID() });
    await jobs.enqueue("home.refresh", { userId: "U0AGENT" });
    await jobs.enqueue("slack.deliver", { outboxId: randomUUID() });
    const taken: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await worker.getNextJob(`token-${i}`, { block: false });
      if (job) taken.push(job.name);
    }
    expect(taken).toEqual(["slack.deliver", "slack.deliver", "home.refresh", "home.refresh", "report.files"]);
  });
});
