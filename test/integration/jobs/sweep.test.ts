import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Jobs } from "../../../src/jobs/queues.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { systemClock } from "../../../src/lib/clock.js";
import { logIncident } from "../../../src/services/log-incident.js";
import { takeOwnership } from "../../../src/services/ownership.js";
import { eventually } from "../../helpers/eventually.js";
import { incidentInput, loadIncident, readyIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  // The sweep is driven by hand here; keep the periodic one out of the way.
  h = await startHarness({ sweepIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await h?.stop();
});

/** Jobs whose Redis is gone: every enqueue fails, as it does when Redis is down. */
function unreachableJobs(real: Jobs): Jobs {
  const closed = async () => Promise.reject(new Error("Connection is closed."));
  return { ...real, enqueue: closed, enqueueMany: closed };
}

describe("the sweep finishes what PostgreSQL says is pending", () => {
  it("logs the incident while Redis is unreachable, then the sweep sets it up", async () => {
    const deps = h.system.deps;
    const offline = { ...deps, jobs: unreachableJobs(deps.jobs) };
    const logged = await logIncident(offline, incidentInput({ title: "Logged while Redis was down" }));
    expect(logged.created).toBe(true);
    expect((await loadIncident(deps, logged.incident.id)).setupCompletedAt).toBeNull();

    // Past the grace period, as the periodic sweep would see it.
    const later = { ...deps, clock: { now: () => new Date(systemClock.now().getTime() + 60_000) } };
    const result = await sweep(later);
    expect(result.setups).toBeGreaterThanOrEqual(1);
    await setupCompleted(deps, logged.incident.id);
    const channel = [...h.slack.channels.values()].find((c) =>
      c.name.startsWith(logged.reference.toLowerCase()),
    );
    expect(channel).toBeDefined();
  });

  it("does not queue work that already has a live or finished job", async () => {
    const deps = h.system.deps;
    const logged = await logIncident(deps, incidentInput());
    await setupCompleted(deps, logged.incident.id);
    const later = { ...deps, clock: { now: () => new Date(systemClock.now().getTime() + 60_000) } };
    await eventually("every post delivered", async () => {
      const pending = await deps.db.query.outbox.findMany({ where: (t, { eq }) => eq(t.status, "pending") });
      return pending.length === 0;
    });
    const result = await sweep(later);
    expect(result).toEqual({ setups: 0, deliveries: 0, redraws: 0, raises: 0 });
  });

  it("redraws a card left behind by a change whose redraw was never queued, once", async () => {
    const deps = h.system.deps;
    const incident = await readyIncident(deps);
    const offline = { ...deps, jobs: unreachableJobs(deps.jobs) };
    const taken = await takeOwnership(offline, { incidentId: incident.id, actor: USERS.lead });
    expect(taken.ok).toBe(true);
    const changed = await loadIncident(deps, incident.id);
    expect(changed.version).toBeGreaterThan(incident.version);
    const card = () => h.slack.messagesIn(changed.channelId!).find((m) => m.ts === changed.summaryTs);
    expect(JSON.stringify(card())).not.toContain(USERS.lead);

    const later = { ...deps, clock: { now: () => new Date(systemClock.now().getTime() + 60_000) } };
    expect((await sweep(later)).redraws).toBe(1);
    await eventually("the card to show the new owner", async () =>
      JSON.stringify(card()).includes(USERS.lead) ? true : undefined,
    );
    await eventually("the redraw to be recorded", async () =>
      (await loadIncident(deps, incident.id)).cardVersion === changed.version ? true : undefined,
    );
    // Drawn: the next sweep leaves it alone.
    expect((await sweep(later)).redraws).toBe(0);
  });
});
