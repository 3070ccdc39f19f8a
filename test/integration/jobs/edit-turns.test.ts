import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { EDIT_PACE, EDIT_PACE_KEY, reserveSlot } from "../../../src/delivery/pacing.js";
import { jobIds, QUEUE_NAMES } from "../../../src/jobs/catalog.js";
import { createJobs } from "../../../src/jobs/queues.js";
import { TEST_REDIS_URL } from "../../helpers/services.js";

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
const prefix = `edit-turns-${randomBytes(4).toString("hex")}`;
const jobs = createJobs(redis, prefix);
const queue = jobs.queue(QUEUE_NAMES.slack);

afterAll(async () => {
  await jobs.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

/** The time of the workspace's next edit turn, taken (and so used up) to look at it. */
const nextTurn = () => reserveSlot(redis, prefix, EDIT_PACE_KEY, Date.now(), EDIT_PACE);

describe("edits queued for their turn in the workspace's chat.update budget", () => {
  it("gives each new edit a turn, and none to an edit already queued under the same id", async () => {
    // Use up the burst, so that every further turn is a gap after the one before.
    for (let i = 0; i < EDIT_PACE.burst; i++) await nextTurn();
    const [a, b] = [randomUUID(), randomUUID()];
    const edit = (incidentId: string) => ({
      payload: { incidentId },
      jobId: jobIds.cardRefresh(incidentId, 1),
    });
    await jobs.enqueueMany("card.refresh", [edit(a), edit(b), edit(a)]);
    // The same edits queued again, as a retried change would: nothing new, no turns taken.
    await jobs.enqueue("card.refresh", { incidentId: a }, { jobId: jobIds.cardRefresh(a, 1) });
    await jobs.enqueueMany("card.refresh", [edit(b)]);

    const first = await queue.getJob(jobIds.cardRefresh(a, 1));
    const second = await queue.getJob(jobIds.cardRefresh(b, 1));
    const slotA = first?.data.slotAt as number;
    const slotB = second?.data.slotAt as number;
    expect(slotB - slotA).toBe(EDIT_PACE.gapMs);
    // The next turn is the one right after the two edits': the repeats reserved none.
    expect((await nextTurn()) - slotB).toBe(EDIT_PACE.gapMs);
  });

  it("queues an edit whose earlier job is gone, with a turn of its own", async () => {
    const id = randomUUID();
    const jobId = jobIds.cardRefresh(id, 2);
    await jobs.enqueue("card.refresh", { incidentId: id }, { jobId });
    await jobs.remove("card.refresh", jobId);
    await jobs.enqueue("card.refresh", { incidentId: id }, { jobId });
    const job = await queue.getJob(jobId);
    expect(job?.data.slotAt).toEqual(expect.any(Number));
  });
});
