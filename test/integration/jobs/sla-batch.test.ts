import { randomBytes } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clocksOf } from "../../../src/db/queries/sla-clocks.js";
import { incidentLog, type OutboxRow, outbox, slaEvents } from "../../../src/db/schema/index.js";
import { fireClockSteps, type StepJob } from "../../../src/services/sla-fire.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { TEN_MINUTE_RESPOND_SLA as SLA, seedIncidents } from "../../helpers/seed.js";

let h: Harness;
beforeAll(async () => {
  // Role web: no worker runs, so the test alone fires the steps.
  h = await startHarness({
    config: { role: "web", queuePrefix: `batch-${randomBytes(4).toString("hex")}` },
    sla: SLA,
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

/** `n` P1 incidents whose respond clock is due to breach now; their breach jobs. */
async function dueBreaches(n: number, lateMs = 1_000): Promise<Array<StepJob & { incidentId: string }>> {
  const loggedAt = new Date(Date.now() - 10 * 60_000 - lateMs);
  const seeded = await seedIncidents(
    deps(),
    Array.from({ length: n }, () => ({
      type: "service_failure",
      priority: "P1" as const,
      loggedAt,
      channelId: h.slack.addChannel(`batch-${randomBytes(3).toString("hex")}`),
    })),
    { arm: false },
  );
  return seeded.map((s) => {
    const respond = s.clocks.find((c) => c.name === "respond")!;
    expect(respond.nextStep).toBe("breach");
    return { clockId: respond.id, generation: respond.generation, step: "breach", incidentId: s.id };
  });
}

async function logKinds(incidentIds: string[]) {
  const rows = await deps()
    .db.select({ incidentId: incidentLog.incidentId, kind: incidentLog.kind })
    .from(incidentLog)
    .where(inArray(incidentLog.incidentId, incidentIds));
  return rows.filter((r) => r.kind === "sla_breached" || r.kind === "escalation_sent");
}

describe("SLA steps fired together in one transaction", () => {
  it("fires each due step once, treats repeats and other generations as stale, and hands over each step's posts", async () => {
    const jobs = await dueBreaches(5);
    const delivered: OutboxRow[][] = [];
    const group = [...jobs, jobs[0]!, { ...jobs[1]!, generation: jobs[1]!.generation + 1 }];
    const outcomes = await fireClockSteps(deps(), group, async (posts) => {
      delivered.push(posts);
    });
    expect(outcomes).toEqual(["fired", "fired", "fired", "fired", "fired", "stale", "stale"]);

    const ids = jobs.map((j) => j.incidentId);
    const kinds = await logKinds(ids);
    for (const id of ids) {
      expect(kinds.filter((k) => k.incidentId === id).map((k) => k.kind)).toEqual([
        "sla_breached",
        "escalation_sent",
      ]);
    }
    // Each fired step's own posts: the breach notice in its channel and the escalation DM.
    expect(delivered).toHaveLength(5);
    for (const [i, posts] of delivered.entries()) {
      expect(posts.map((p) => p.purpose).sort()).toEqual(["escalation_dm", "sla_notice"]);
      expect(posts.every((p) => p.incidentId === ids[i] && p.status === "pending")).toBe(true);
    }
    const rows = await deps().db.select().from(outbox).where(inArray(outbox.incidentId, ids));
    expect(rows).toHaveLength(10);

    // Every clock moved on to its first escalation rung.
    for (const job of jobs) {
      const [clock] = (await clocksOf(deps().db, job.incidentId)).filter((c) => c.id === job.clockId);
      expect(clock?.nextStep).toBe("escalate-1");
      expect(clock?.breachedAt).not.toBeNull();
    }

    // The same group again (jobs delivered twice by Redis): nothing fires, nothing is written.
    const again = await fireClockSteps(deps(), jobs, async () => {
      throw new Error("nothing should be delivered");
    });
    expect(again).toEqual(["stale", "stale", "stale", "stale", "stale"]);
    expect(await logKinds(ids)).toHaveLength(10);
  });

  it("moves a clock on without firing again when its step is on record but the clock did not move (crash between the two)", async () => {
    const [job, other] = await dueBreaches(2);
    await deps()
      .db.insert(slaEvents)
      .values({ clockId: job!.clockId, generation: job!.generation, step: "breach", plannedAt: new Date() });
    const outcomes = await fireClockSteps(deps(), [job!, other!], async () => {});
    expect(outcomes).toEqual(["duplicate", "fired"]);
    expect(await logKinds([job!.incidentId])).toEqual([]);
    expect(await logKinds([other!.incidentId])).toHaveLength(2);
    const [clock] = (await clocksOf(deps().db, job!.incidentId)).filter((c) => c.id === job!.clockId);
    expect(clock?.nextStep).toBe("escalate-1");
    const events = await deps()
      .db.select()
      .from(slaEvents)
      .where(and(eq(slaEvents.clockId, job!.clockId), eq(slaEvents.step, "breach")));
    expect(events).toHaveLength(1);
  });

  it("climbs each rung a stalled ladder missed once, and folds the top role's missed reminders into one", async () => {
    // Breached 5.5 hours ago with a 1 h repeat: breach, escalate-1 (duty manager), then the
    // head of operations from escalate-2 on, whose reminders escalate-3..5 are also past.
    const [breach] = await dueBreaches(1, 5.5 * 3_600_000);
    const sent: string[] = [];
    const fire = async (step: string) => {
      const [clock] = (await clocksOf(deps().db, breach!.incidentId)).filter((c) => c.id === breach!.clockId);
      expect(clock?.nextStep).toBe(step);
      const outcomes = await fireClockSteps(deps(), [{ ...breach!, step }], async (posts) => {
        sent.push(...posts.filter((p) => p.purpose === "escalation_dm").map((p) => p.channel));
      });
      expect(outcomes).toEqual(["fired"]);
    };
    await fire("breach");
    await fire("escalate-1");
    await fire("escalate-5");
    expect(sent).toEqual([USERS.lead, USERS.duty, USERS.head]);
    // The next reminder is the one after the latest due: in half an hour, not at once.
    const [clock] = (await clocksOf(deps().db, breach!.incidentId)).filter((c) => c.id === breach!.clockId);
    expect(clock?.nextStep).toBe("escalate-6");
    expect(clock!.nextStepAt!.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    expect((await logKinds([breach!.incidentId])).filter((k) => k.kind === "escalation_sent")).toHaveLength(
      3,
    );
  });
});
