import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseNow } from "../../../src/db/queries/sla-clocks.js";
import { type SlaClockRow, slaClocks } from "../../../src/db/schema/index.js";
import { jobIds } from "../../../src/jobs/catalog.js";
import { clockReconciler, reconcileClocks } from "../../../src/jobs/reconcile.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness } from "../../helpers/harness.js";
import { NEAR_AND_FAR_SLA as SLA, seedIncidents } from "../../helpers/seed.js";

let h: Harness;
beforeAll(async () => {
  // No periodic pass: each test runs the passes it means to.
  h = await startHarness({ sla: SLA, sweepIntervalMs: 3_600_000 });
  // The worker's own full pass at start-up would arm what the tests take away: let it end first.
  await eventually("the worker's start-up reconciler pass", async () => {
    const { values } = await h.system.deps.metrics.clockReconcile.get();
    return values.some((v) => v.metricName?.endsWith("_count") && v.value >= 1);
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const queue = () => deps().jobs.queue("sla");
const jobIdOf = (clock: Pick<SlaClockRow, "id" | "generation" | "nextStep">) =>
  jobIds.slaStep(clock.id, clock.generation, clock.nextStep!);
const state = async (clock: Pick<SlaClockRow, "id" | "generation" | "nextStep">) =>
  (await (await queue().getJob(jobIdOf(clock)))?.getState()) ?? "missing";

/** One P1 incident whose clocks are all armed, stamped as last changed an hour ago. */
async function quietIncident(): Promise<SlaClockRow[]> {
  const [seeded] = await seedIncidents(deps(), [
    { type: "service_failure", priority: "P1", loggedAt: new Date() },
  ]);
  const ids = seeded!.clocks.map((c) => c.id);
  await deps()
    .db.update(slaClocks)
    .set({ updatedAt: sql`now() - interval '1 hour'` })
    .where(inArray(slaClocks.id, ids));
  for (const clock of seeded!.clocks) expect(await state(clock)).toBe("delayed");
  return seeded!.clocks;
}

/** Where a pass that started now would leave off. */
async function sinceNow() {
  return { database: await databaseNow(deps().db), local: Date.now() };
}

describe("the clock reconciler between full passes", () => {
  it("arms a changed clock whose job is missing, and leaves unchanged clocks to the full pass", async () => {
    const clocks = await quietIncident();
    const since = await sinceNow();
    const [changed, unchanged] = clocks;
    // Both jobs are lost; only `changed` is touched after the last pass (its enqueue failed after commit).
    await queue().remove(jobIdOf(changed!));
    await queue().remove(jobIdOf(unchanged!));
    await deps().db.update(slaClocks).set({ updatedAt: sql`now()` }).where(eq(slaClocks.id, changed!.id));

    const pass = await reconcileClocks(deps(), { changedSince: since });
    expect(pass.checked).toBe(1);
    expect(pass.added).toBe(1);
    expect(await state(changed!)).toBe("delayed");
    expect(await state(unchanged!)).toBe("missing");
    // The job it armed is due when the clock says.
    const job = await queue().getJob(jobIdOf(changed!));
    expect(job!.timestamp + job!.opts.delay!).toBeCloseTo(changed!.nextStepAt!.getTime(), -3);

    // A second pass over the same changes adds nothing twice.
    expect((await reconcileClocks(deps(), { changedSince: since })).added).toBe(0);
    // The full comparison finds the other one.
    expect((await reconcileClocks(deps())).added).toBeGreaterThanOrEqual(1);
    expect(await state(unchanged!)).toBe("delayed");
  });

  it("arms a clock whose next step came within range since the last pass, and not one still beyond it", async () => {
    const [seeded] = await seedIncidents(deps(), [
      { type: "service_failure", priority: "P4", loggedAt: new Date() },
    ]);
    const clocks = seeded!.clocks.filter((c) => c.nextStepAt).sort((a, b) => +a.nextStepAt! - +b.nextStepAt!);
    await deps()
      .db.update(slaClocks)
      .set({ updatedAt: sql`now() - interval '1 hour'` })
      .where(eq(slaClocks.incidentId, seeded!.id));
    const [first, later] = clocks;
    expect(+later!.nextStepAt! - +first!.nextStepAt!).toBeGreaterThan(60_000);
    for (const clock of clocks) expect(await state(clock)).toBe("missing");
    // The last pass was a minute ago; the horizon has since moved past the first clock's step only.
    const now = await sinceNow();
    const since = { database: new Date(+now.database - 60_000), local: now.local - 60_000 };
    const horizonMs = +first!.nextStepAt! - +now.database + 1_000;

    const pass = await reconcileClocks(deps(), { changedSince: since, horizonMs });
    expect(pass.added).toBe(1);
    expect(await state(first!)).toBe("delayed");
    expect(await state(later!)).toBe("missing");
  });

  it("queues again a step job that failed since the last pass while its clock still waits on it", async () => {
    const [clock] = await quietIncident();
    const since = await sinceNow();
    // The job fails for good (here: a payload its processor refuses).
    await queue().remove(jobIdOf(clock!));
    await queue().add("sla.fire", { clockId: "not-a-clock" }, { jobId: jobIdOf(clock!) });
    await eventually("the job to fail", async () => (await state(clock!)) === "failed");

    expect((await reconcileClocks(deps(), { changedSince: since })).added).toBe(1);
    expect(await state(clock!)).toBe("delayed");
    const job = await queue().getJob(jobIdOf(clock!));
    expect(job!.data).toEqual({ clockId: clock!.id, generation: clock!.generation, step: clock!.nextStep });
  });

  it("in a full pass, arms the missing jobs of a page together and replaces the one that failed", async () => {
    const [failed, ...missing] = await quietIncident();
    await queue().remove(jobIdOf(failed!));
    await queue().add("sla.fire", { clockId: "not-a-clock" }, { jobId: jobIdOf(failed!) });
    await eventually("the job to fail", async () => (await state(failed!)) === "failed");
    for (const clock of missing) await queue().remove(jobIdOf(clock));

    expect((await reconcileClocks(deps())).added).toBeGreaterThanOrEqual(1 + missing.length);
    for (const clock of [failed!, ...missing]) {
      expect(await state(clock)).toBe("delayed");
      const job = await queue().getJob(jobIdOf(clock));
      expect(job!.data).toEqual({ clockId: clock.id, generation: clock.generation, step: clock.nextStep });
      expect(job!.timestamp + job!.opts.delay!).toBeCloseTo(clock.nextStepAt!.getTime(), -3);
    }
  });

  it("runs the full comparison first, then only changes, and in full again when asked (Redis lost data)", async () => {
    const reconciler = clockReconciler(deps());
    const [clock] = await quietIncident();
    await queue().remove(jobIdOf(clock!));
    expect((await reconciler.run()).added).toBeGreaterThanOrEqual(1);
    expect(await state(clock!)).toBe("delayed");

    await queue().remove(jobIdOf(clock!));
    expect((await reconciler.run()).added).toBe(0);
    expect(await state(clock!)).toBe("missing");
    expect((await reconciler.run({ full: true })).added).toBeGreaterThanOrEqual(1);
    expect(await state(clock!)).toBe("delayed");
  });
});
