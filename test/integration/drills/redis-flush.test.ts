import { and, eq, isNotNull } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incidentLog, slaClocks } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { TIMER_HORIZON_MS } from "../../../src/services/sla-clocks.js";
import { type Harness, startHarness } from "../../helpers/harness.js";
import { type PrivateRedis, privateRedis } from "../../helpers/private-services.js";
import { leadUser, type SeedIncident, seedIncidents, teamsPolicy, teamType } from "../../helpers/seed.js";
import { settled } from "../../helpers/settled.js";

/** Drill: Redis loses every key (FLUSHALL) with 10,000 timers pending. */
const TEAMS = 100;
const INCIDENTS = 3_400; // 3 timers each: 10,200 pending timers
const HOT = 100; // respond clocks due a few seconds after the flush
const RESPOND_MS = 10 * 60_000;
const SLA = `
sla:
  P1: { respond: 10m, update_every: 30m, resolve: 50m, hours: always, repeat: 1h }
  P2: { respond: 40m, update_every: 50m, resolve: 55m, hours: always, repeat: 1h }
  P3: { respond: 4h, update_every: 1d, resolve: 3d, hours: always, repeat: 2h }
  P4: { respond: 1d, update_every: 2d, resolve: 5d, hours: always, repeat: 4h }
  P5: { respond: 2d, update_every: 3d, resolve: 10d, hours: always, repeat: 4h }
warn_at: 0.5
`;

let redisServer: PrivateRedis;
let h: Harness;
let redis: Redis;

beforeAll(async () => {
  redisServer = await privateRedis();
  // The sweep runs every 10 minutes here: only the Redis watch can notice the flush in time.
  h = await startHarness({
    config: { redisUrl: redisServer.url },
    sla: SLA,
    editPolicy: teamsPolicy(TEAMS),
    sweepIntervalMs: 600_000,
    redisWatchMs: 1_000,
  });
  for (let i = 0; i < TEAMS; i++) h.slack.addUser(leadUser(i));
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await h?.stop();
  await redisServer?.stop();
});

const armedTimers = async () => {
  const sla = h.system.deps.jobs.queue("sla");
  const counts = await sla.getJobCounts("delayed", "waiting", "active", "prioritized");
  return Object.values(counts).reduce((a, b) => a + b, 0);
};

describe("Redis FLUSHALL with 10,000 timers pending", () => {
  it("is noticed within seconds, every timer is re-armed from PostgreSQL, and each escalation is sent once", async () => {
    // The cold incidents first: however long a loaded machine takes to seed them, the hot ones
    // are then due 20 s after they are seeded, so the flush still comes before anything is due.
    const cold = await seedIncidents(
      h.system.deps,
      Array.from({ length: INCIDENTS - HOT }, (_, j) => ({
        type: teamType(HOT + j, TEAMS),
        priority: "P2",
        loggedAt: new Date(),
      })),
    );
    const firstDue = Date.now() + 20_000;
    const specs: SeedIncident[] = Array.from({ length: HOT }, (_, i) => {
      const channelId = h.slack.addChannel(`drill-flush-${i}`);
      const summaryTs = h.slack.addMessage({ channel: channelId, user: h.slack.botUserId, text: "card" }).ts;
      // Hot incidents: respond due 20–22 s from now; the others: P2, every step 20–55 minutes away.
      return {
        type: teamType(i, TEAMS),
        priority: "P1",
        loggedAt: new Date(firstDue + i * 20 - RESPOND_MS),
        channelId,
        summaryTs,
      };
    });
    const seeded = [...(await seedIncidents(h.system.deps, specs)), ...cold];
    const planned = await h.system.deps.db.$count(
      slaClocks,
      and(eq(slaClocks.state, "running"), isNotNull(slaClocks.nextStep)),
    );
    expect(planned).toBe(INCIDENTS * 3);
    expect(TIMER_HORIZON_MS).toBeGreaterThanOrEqual(3_600_000); // every seeded step is within it
    expect(await armedTimers()).toBe(planned);
    expect(Date.now()).toBeLessThan(firstDue - 8_000); // the flush comes before anything is due

    await redis.flushall();
    const flushedAt = Date.now();
    expect(await armedTimers()).toBe(0);
    while ((await armedTimers()) < planned && Date.now() < firstDue + 30_000) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const rearmedMs = Date.now() - flushedAt;
    // How fast (about 1–2 s idle: the watch checks every second, the timers go back a page of
    // 1,000 per round trip) is a figure for the log, not a bound a loaded machine can fail.
    console.info(`drill: ${planned} timers re-armed ${rearmedMs} ms after FLUSHALL`);
    expect(await armedTimers()).toBe(planned);
    // The bound that matters to the product: the timers are back before the first of them falls
    // due (at least 8 s after the flush), so no escalation is late because Redis lost its keys.
    expect(flushedAt + rearmedMs).toBeLessThan(firstDue);

    // The hot incidents breach after the flush: one level-1 DM each, never early.
    const hot = seeded.slice(0, HOT).map((s) => ({
      reference: formatReference(s.number),
      dueMs: s.clocks.find((c) => c.name === "respond")!.dueAt.getTime(),
    }));
    const dms = (reference: string) => {
      const level1 = new RegExp(`Escalation level 1 \\([^)]*\\): ${reference}\\b`);
      return h.slack.messages.filter((m) => m.channel.startsWith("D") && level1.test(String(m.text)));
    };
    await h.slack.waitFor(() => hot.every((x) => dms(x.reference).length > 0), { timeoutMs: 90_000 });
    // Room for a duplicate to show up: every breach job and delivery already set off has finished.
    await settled(h.system.deps, { incidentIds: seeded.slice(0, HOT).map((s) => s.id) });
    for (const x of hot) {
      const sent = dms(x.reference);
      expect(sent, x.reference).toHaveLength(1);
      expect(Number(sent[0]!.ts) * 1000).toBeGreaterThanOrEqual(x.dueMs);
    }
    const logged = await h.system.deps.db
      .select({ incidentId: incidentLog.incidentId })
      .from(incidentLog)
      .where(eq(incidentLog.kind, "escalation_sent"));
    expect(logged).toHaveLength(HOT);
    expect(new Set(logged.map((l) => l.incidentId)).size).toBe(HOT);
    // Every clock is still armed once: each hot respond clock's next rung took its breach's place.
    expect(await armedTimers()).toBe(planned);
  }, 300_000);
});
