import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobIds } from "../../../src/jobs/catalog.js";
import { reconcileClocks } from "../../../src/jobs/reconcile.js";
import { TIMER_HORIZON_MS } from "../../../src/services/sla-clocks.js";
import { type Harness, startHarness } from "../../helpers/harness.js";
import { NEAR_AND_FAR_SLA as SLA, seedIncidents } from "../../helpers/seed.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sla: SLA, sweepIntervalMs: 600_000 });
});
afterAll(async () => {
  await h?.stop();
});

const queued = async (clock: { id: string; generation: number; nextStep: string | null }) =>
  (await h.system.deps.jobs
    .queue("sla")
    .getJob(jobIds.slaStep(clock.id, clock.generation, clock.nextStep!))) !== undefined;

describe("the timer horizon", () => {
  it("keeps steps more than an hour away in PostgreSQL only, and the reconciler arms them as they come within range", async () => {
    const [near] = await seedIncidents(h.system.deps, [
      { type: "service_failure", priority: "P1", loggedAt: new Date() },
    ]);
    const [far] = await seedIncidents(h.system.deps, [
      { type: "service_failure", priority: "P4", loggedAt: new Date() },
    ]);
    // P1: warnings at 5, 15 and 25 minutes: all armed at once.
    for (const clock of near!.clocks) expect(await queued(clock), clock.name).toBe(true);
    // P4: its first steps are 12 hours and more away: none armed.
    for (const clock of far!.clocks) {
      expect(clock.nextStepAt!.getTime() - Date.now()).toBeGreaterThan(TIMER_HORIZON_MS);
      expect(await queued(clock), clock.name).toBe(false);
    }
    // A pass with the usual horizon leaves them be; once they are within range it arms them, once.
    expect((await reconcileClocks(h.system.deps)).added).toBe(0);
    const wide = await reconcileClocks(h.system.deps, { horizonMs: 6 * 24 * 3_600_000 });
    expect(wide.added).toBe(far!.clocks.length);
    for (const clock of far!.clocks) expect(await queued(clock), clock.name).toBe(true);
    expect((await reconcileClocks(h.system.deps, { horizonMs: 6 * 24 * 3_600_000 })).added).toBe(0);
    // And a pass with the usual horizon keeps the far jobs: they are still their clocks' next steps.
    expect((await reconcileClocks(h.system.deps)).removed).toBe(0);
    for (const clock of far!.clocks) expect(await queued(clock), clock.name).toBe(true);
  });
});
