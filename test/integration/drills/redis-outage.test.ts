import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { incidents } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import {
  halfCreatedIncidents,
  openLogModal,
  outboxLedger,
  referenceNumber,
  type SubmitResult,
  slaEventCounts,
  sleep,
  submitLogModal,
} from "../../helpers/drill.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { type PrivateRedis, privateRedis } from "../../helpers/private-services.js";
import { settled } from "../../helpers/settled.js";
import { validLogForm } from "../../helpers/slack-payloads.js";

/**
 * Drill: Redis is stopped for 30 s (the spec) and comes back empty, as after a restart without
 * persistence. Intake must keep working on PostgreSQL alone, and everything Redis lost
 * (set-up jobs never queued, delayed clock jobs) must happen afterwards exactly once.
 */
const OUTAGE_MS = 30_000;
const SWEEP_MS = 5_000;
const DURING_OUTAGE = 5;
// Impact high × urgency medium is P2: its respond clock breaches during the outage.
const SLA = `
sla:
  P1: { respond: 1h, update_every: 1h, resolve: 4h, hours: always, repeat: 1h }
  P2: { respond: 20s, update_every: 1h, resolve: 4h, hours: always, repeat: 1h }
  P3: { respond: 1h, update_every: 1h, resolve: 4h, hours: always, repeat: 1h }
  P4: { respond: 1h, update_every: 1h, resolve: 4h, hours: always, repeat: 1h }
  P5: { respond: 1h, update_every: 1h, resolve: 4h, hours: always, repeat: 1h }
`;

let redis: PrivateRedis;
let h: Harness;

beforeAll(async () => {
  redis = await privateRedis();
  h = await startHarness({ sla: SLA, sweepIntervalMs: SWEEP_MS, config: { redisUrl: redis.url } });
});
afterAll(async () => {
  // Closing BullMQ waits for Redis: bring it back if a failed assertion left it down.
  if (redis && !redis.running()) await redis.start();
  await h?.stop();
  await redis?.stop();
});

const db = () => h.system.deps.db;

/** Escalation DMs in Slack that name this reference, to this user. */
function dmsTo(user: string, reference: string) {
  return h.slack.messages.filter(
    (m) =>
      m.channel.startsWith("D") &&
      h.slack.channels.get(m.channel)?.members.has(user) &&
      JSON.stringify(m).includes(reference) &&
      JSON.stringify(m).includes("escalat"),
  );
}

function incidentChannels(reference: string) {
  return [...h.slack.channels.values()].filter((c) => c.name.startsWith(`${reference.toLowerCase()}-`));
}

describe("Redis stopped for 30 s during intake, then back empty", () => {
  it("logs every incident on PostgreSQL alone and, once Redis is back, finishes everything exactly once", async () => {
    // Before the outage: one incident fully set up, its clock jobs waiting in Redis.
    const before = await submitLogModal(
      h,
      await openLogModal(h),
      validLogForm({ title: "Before the outage", callerReference: "ACC-100" }),
    );
    expect(before.reference).not.toBeNull();
    const first = before.reference!;
    await eventually(
      "the first incident's set-up",
      async () =>
        (
          await db()
            .select()
            .from(incidents)
            .where(eq(incidents.number, referenceNumber(first)))
        )[0]?.setupCompletedAt,
      { timeoutMs: 15_000 },
    );

    await redis.stop();
    const outageStarted = Date.now();

    // During the outage: modals open and submissions are answered in time, with the reference.
    const results: SubmitResult[] = [];
    for (let i = 0; i < DURING_OUTAGE; i++) {
      const opened = await openLogModal(h);
      results.push(
        await submitLogModal(
          h,
          opened,
          validLogForm({ title: `Logged while Redis is down ${i + 1}`, callerReference: `ACC-20${i}` }),
        ),
      );
    }
    for (const r of results) {
      expect(r.status, r.body).toBe(200);
      expect(r.ms, "acked inside Slack's 3 s").toBeLessThan(3_000);
      expect(r.ack?.response_action, r.body).toBe("update");
      expect(r.reference, r.body).not.toBeNull();
      // The user hears that follow-ups (channel, announcements) may be late.
      expect(JSON.stringify(r.ack?.view)).toMatch(/delayed/i);
    }
    const duringRefs = results.map((r) => r.reference!);
    const committed = await db()
      .select()
      .from(incidents)
      .where(inArray(incidents.number, duringRefs.map(referenceNumber)));
    expect(committed).toHaveLength(DURING_OUTAGE);
    expect(committed.every((i) => i.setupCompletedAt === null && i.channelId === null)).toBe(true);
    const readyz = await fetch(`${h.baseUrl}/readyz`);
    expect(readyz.status).toBe(503);
    // Which component is down, and nothing of the driver's error (hosts, ports) to the caller.
    expect(await readyz.json()).toEqual({ status: "unavailable", postgresql: "ok", redis: "fail" });

    await sleep(Math.max(0, outageStarted + OUTAGE_MS - Date.now()));
    await redis.start();
    const restartedAt = Date.now();

    const all = [first, ...duringRefs];
    const ids = (
      await db()
        .select({ id: incidents.id })
        .from(incidents)
        .where(inArray(incidents.number, all.map(referenceNumber)))
    ).map((r) => r.id);
    expect(ids).toHaveLength(all.length);

    // Set-up resumes: each incident gets its channel, card, announcements and reporter DM.
    await eventually(
      "every incident's set-up after Redis came back",
      async () => {
        const rows = await db().select().from(incidents).where(inArray(incidents.id, ids));
        return rows.every((r) => r.setupCompletedAt) || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const setupRecoveredMs = Date.now() - restartedAt;

    // Timers resume: each respond clock breached during the outage escalates to the team lead, late.
    for (const ref of all) {
      await h.slack.waitFor(() => dmsTo(USERS.lead, ref).length > 0, { timeoutMs: 60_000 });
    }
    const escalationRecoveredMs = Date.now() - restartedAt;

    // Every post queued by then is delivered; then let retries and sweeps run a while longer.
    await eventually(
      "every outbox row to be sent",
      async () => {
        const l = await outboxLedger(db(), h.slack, ids);
        return l.unsent.length === 0 || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // Two sweeps' worth of time, then every job due by then has run and no row is pending.
    await settled(h.system.deps, { until: Date.now() + 2 * SWEEP_MS + 1_000, incidentIds: ids });

    for (const ref of all) {
      expect(incidentChannels(ref), `${ref}: one channel`).toHaveLength(1);
      const channel = incidentChannels(ref)[0]!;
      const cards = h.slack
        .messagesIn(channel.id)
        .filter((m) => channel.pins.has(m.ts) && JSON.stringify(m.blocks).includes(ref));
      expect(cards, `${ref}: one pinned card`).toHaveLength(1);
      for (const stakeholder of [h.channels.stake, h.channels.telephony]) {
        const posts = h.slack.messagesIn(stakeholder).filter((m) => JSON.stringify(m).includes(ref));
        expect(posts, `${ref}: one announcement in ${stakeholder}`).toHaveLength(1);
      }
      expect(dmsTo(USERS.lead, ref), `${ref}: one escalation DM`).toHaveLength(1);
      expect(dmsTo(USERS.duty, ref), `${ref}: no second rung yet`).toHaveLength(0);
    }
    for (const id of ids) {
      const log = await listLog(db(), id);
      const kinds = log.map((e) => e.kind);
      expect(kinds.filter((k) => k === "channel_created")).toHaveLength(1);
      expect(kinds.filter((k) => k === "summary_posted")).toHaveLength(1);
      expect(kinds.filter((k) => k === "announcement_posted")).toHaveLength(2);
      expect(kinds.filter((k) => k === "reporter_notified")).toHaveLength(1);
      expect(kinds.filter((k) => k === "sla_breached")).toHaveLength(1);
      expect(kinds.filter((k) => k === "escalation_sent")).toHaveLength(1);
      // The breach fired after its planned time and says why.
      expect(log.find((e) => e.kind === "sla_breached")?.details.lateReason).toMatch(/Redis/);
    }
    const ledger = await outboxLedger(db(), h.slack);
    expect(ledger.unsent).toEqual([]);
    expect(ledger.doubled).toEqual([]);
    expect(ledger.missing).toEqual([]);
    expect(ledger.strays).toEqual([]);
    expect(ledger.wrongTs).toEqual([]);
    expect([...(await slaEventCounts(db())).values()].every((n) => n === 1)).toBe(true);
    expect(await halfCreatedIncidents(db())).toEqual([]);

    console.info(
      `redis-outage drill: ${all.length} incidents (${DURING_OUTAGE} logged during a ${OUTAGE_MS / 1000} s outage); ` +
        `set-up finished ${setupRecoveredMs} ms and escalations ${escalationRecoveredMs} ms after Redis came back ` +
        `(sweep every ${SWEEP_MS / 1000} s); outbox ${JSON.stringify(ledger.byPurpose)}; ` +
        `${formatReference(referenceNumber(first))}…${duringRefs.at(-1)}`,
    );
  }, 240_000);
});
