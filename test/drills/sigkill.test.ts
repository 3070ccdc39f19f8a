import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { and, count, eq, isNotNull, isNull, max } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  incidentLog,
  incidents,
  outbox,
  slaClocks,
  slaEvents,
  stakeholderUpdates,
} from "../../src/db/schema/index.js";
import { parseStep } from "../../src/domain/clock-steps.js";
import { ladderStep, recipients } from "../../src/domain/escalation.js";
import { acknowledgeEscalation } from "../../src/services/escalation.js";
import { changeStatus } from "../../src/services/lifecycle.js";
import { postStakeholderUpdate } from "../../src/services/notes-and-updates.js";
import { outboxLedger, postsByOutboxId, sleep } from "../helpers/drill.js";
import { makeIncident } from "../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../helpers/harness.js";
import { spawnWorkerProcess, writePolicyFile } from "../helpers/worker-process.js";

/**
 * The SIGKILL drill: worker processes (`npm start` with SWITCHBOARD_ROLE=worker) are killed
 * with SIGKILL DRILL_KILLS times (default 200) at random moments, a share of them exactly
 * between Slack storing a post and the worker hearing back, while incidents escalate up their
 * ladders every few seconds and stakeholder updates fan out to several channels. At the end
 * every escalation DM, stakeholder post and milestone notice PostgreSQL says was due is in Slack
 * exactly once.
 */
const KILLS = Number(process.env.DRILL_KILLS ?? 200);
/** How long the two workers left alone may take to finish everything after the kills. */
const DRAIN_LIMIT_MS = 480_000;
const WORKERS = 2;
/** How long the fake Slack holds back its answer to the targeted post (the message is stored at once). */
const HELD_ANSWER_MS = 3_000;
const INCIDENT_EVERY_MS = 4_000;
const UPDATE_EVERY_MS = 2_500;
const CHATTER_EVERY_MS = 100;
const RESOLVE_EVERY_MS = 3_000;
/** A ladder is acknowledged once it has climbed this far (escalate-3 next: three DMs sent). */
const ACK_AT_RUNG = 3;

const SLA = `
sla:
  P1: { respond: 3s, update_every: 1h, resolve: 1h, hours: always, repeat: 4s }
  P2: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P3: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P4: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P5: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
`;

let h: Harness;
let policyFile: string;

interface Slot {
  child: ChildProcess | null;
  spawnedAt: number;
  readyAt: number | null;
  /** Bumped at each spawn, so a planned kill of an already-replaced child is dropped. */
  generation: number;
  busy: boolean;
}
const slots: Slot[] = Array.from({ length: WORKERS }, () => ({
  child: null,
  spawnedAt: 0,
  readyAt: null,
  generation: 0,
  busy: false,
}));
const stats = { kills: 0, targeted: 0, duringStartup: 0, spawns: 0, startupMs: [] as number[] };
const lastStderr: string[] = [];

/** `npm start` as a worker-only process against the harness's database, Redis and fake Slack. */
function spawnWorker(slot: Slot): void {
  const child = spawnWorkerProcess(h, {
    policyFile,
    // A killed worker's jobs are taken up again 2 s later (its outbox leases last 12 s).
    env: { LOG_LEVEL: "info", JOB_LOCK_MS: "2000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  stats.spawns++;
  slot.child = child;
  slot.generation++;
  slot.spawnedAt = Date.now();
  slot.readyAt = null;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    if (slot.child === child && slot.readyAt === null && line.includes('"switchboard started"')) {
      slot.readyAt = Date.now();
      stats.startupMs.push(slot.readyAt - slot.spawnedAt);
    }
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    lastStderr.push(line);
    if (lastStderr.length > 50) lastStderr.shift();
  });
}

/** SIGKILL the slot's child, wait for it to be gone, start a new one. */
async function restart(slot: Slot): Promise<boolean> {
  const child = slot.child;
  let killed = false;
  if (child && child.exitCode === null && child.signalCode === null) {
    if (slot.readyAt === null) stats.duringStartup++;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    stats.kills++;
    killed = true;
  }
  spawnWorker(slot);
  return killed;
}

const random = (min: number, max: number) => min + Math.random() * (max - min);

/**
 * One worker's life, over and over: killed at a random moment, a quarter of the time while it
 * is still starting (connecting, running its start-up sweep), otherwise within 1.2 s of being ready.
 */
async function killLoop(slot: Slot, done: () => boolean): Promise<void> {
  while (!done()) {
    const generation = slot.generation;
    const duringStartup = Math.random() < 0.25;
    const at = duringStartup ? slot.spawnedAt + random(200, 1_500) : null;
    const after = random(0, 1_200);
    for (;;) {
      await sleep(10);
      if (done() || slot.generation !== generation) break;
      const due = at ?? (slot.readyAt === null ? null : slot.readyAt + after);
      if (due !== null && Date.now() >= due) break;
      if (at === null && slot.readyAt === null && Date.now() - slot.spawnedAt > 20_000) break;
    }
    if (done() || slot.generation !== generation || slot.busy) continue;
    slot.busy = true;
    try {
      await restart(slot);
    } finally {
      slot.busy = false;
    }
  }
}

/**
 * Every worker, while Slack has stored a post but not yet answered: the worker that made the
 * call dies before it can record the ts. The next attempt must find the post in the history.
 */
async function targetedLoop(done: () => boolean): Promise<void> {
  let armedAt = 0;
  while (!done()) {
    await sleep(random(4_000, 8_000));
    if (done()) return;
    // Arm again only once the last armed answer was used up.
    const consumed = h.slack.calls.some((c) => c.method === "chat.postMessage" && c.at >= armedAt);
    if (armedAt !== 0 && !consumed) continue;
    armedAt = Date.now();
    h.slack.failNext("chat.postMessage", { delayMs: HELD_ANSWER_MS });
    const held = await h.slack
      .waitFor(() => h.slack.calls.find((c) => c.method === "chat.postMessage" && c.at >= armedAt), {
        timeoutMs: 6_000,
        intervalMs: 5,
      })
      .catch(() => null);
    // Slack stored it and is still holding the answer: kill every worker now.
    if (!held?.ok || Date.now() > held.at + HELD_ANSWER_MS - 500 || done()) continue;
    if (slots.some((s) => s.busy)) continue;
    for (const s of slots) s.busy = true;
    try {
      const killed = await Promise.all(slots.map((s) => restart(s)));
      stats.targeted += killed.filter(Boolean).length;
    } finally {
      for (const s of slots) s.busy = false;
    }
  }
}

/** Background work that runs while the workers are being killed. */
function workload(deps: Harness["system"]["deps"]) {
  let stopped = false;
  const errors: unknown[] = [];
  const made: string[] = [];
  let updates = 0;
  const every = (ms: number, fn: () => Promise<unknown>) =>
    (async () => {
      while (!stopped) {
        await fn().catch((err: unknown) => errors.push(err));
        await sleep(ms);
      }
    })();
  const loops = [
    every(INCIDENT_EVERY_MS, async () => {
      const n = made.length + 1;
      const { incident } = await makeIncident(deps, {
        title: `Drill incident ${n}`,
        type: n % 2 ? "service_failure" : "major_outage",
        impact: "high",
        urgency: "high",
      });
      made.push(incident.id);
    }),
    every(UPDATE_EVERY_MS, async () => {
      const id = made[Math.floor(Math.random() * made.length)];
      if (!id) return;
      const outcome = await postStakeholderUpdate(deps, {
        incidentId: id,
        actor: USERS.agent,
        happening: `Engineers are on it (${++updates})`,
        customerImpact: "Some callers cannot pay by card",
        nextUpdateAt: new Date(Date.now() + 3_600_000),
      });
      if (!outcome.ok) throw new Error(outcome.message);
    }),
    // Acknowledged incidents are resolved now and then: a milestone for every stakeholder channel.
    every(RESOLVE_EVERY_MS, async () => {
      const [acknowledged] = await deps.db
        .select({ id: incidents.id })
        .from(incidents)
        .where(eq(incidents.status, "acknowledged"))
        .limit(1);
      if (!acknowledged) return;
      const outcome = await changeStatus(deps, {
        incidentId: acknowledged.id,
        actor: USERS.lead,
        action: "resolve",
        resolution: { summary: "Carrier rerouted the calls", closeCode: "fixed" },
      });
      if (!outcome.ok) throw new Error(outcome.message);
    }),
    // People talk in stakeholder channels too: the bot's posts are not the only history there.
    every(CHATTER_EVERY_MS, async () => {
      h.slack.addMessage({ channel: h.channels.stake, user: USERS.other, text: "Any news on this?" });
    }),
  ];
  return {
    made,
    errors,
    get updates() {
      return updates;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Acknowledges ladders that have climbed far enough, so each ends with a known number of DMs. */
async function acknowledgeClimbedLadders(deps: Harness["system"]["deps"]): Promise<number> {
  const climbing = await deps.db
    .select()
    .from(slaClocks)
    .where(and(eq(slaClocks.name, "respond"), isNull(slaClocks.ladderAcknowledgedBy)));
  let acked = 0;
  for (const clock of climbing) {
    const step = clock.nextStep ? parseStep(clock.nextStep) : null;
    if (step?.kind === "escalate" && step.index >= ACK_AT_RUNG) {
      await acknowledgeEscalation(deps, { clockId: clock.id, actor: USERS.head });
      acked++;
    }
  }
  return acked;
}

beforeAll(async () => {
  // Web only: the workers run as separate processes that the drill kills.
  h = await startHarness({ sla: SLA, config: { role: "web" } });
  policyFile = writePolicyFile(h, "drill");
});
afterAll(async () => {
  for (const s of slots) s.child?.kill("SIGKILL");
  await h?.stop();
});

describe(`${KILLS} SIGKILLs of the workers during escalations and stakeholder updates`, () => {
  it("ends with every escalation DM and stakeholder post in Slack exactly once", async () => {
    const deps = h.system.deps;
    const db = deps.db;
    const started = Date.now();
    for (const s of slots) spawnWorker(s);
    const work = workload(deps);
    let acking = true;
    const acker = (async () => {
      while (acking) {
        await acknowledgeClimbedLadders(deps).catch(() => {});
        await sleep(500);
      }
    })();

    const done = () => stats.kills >= KILLS;
    await Promise.all([...slots.map((s) => killLoop(s, done)), targetedLoop(done)]);
    const killPhaseMs = Date.now() - started;
    await work.stop();
    expect(work.errors).toEqual([]);

    // Two workers left alone: everything due must now finish.
    const drainStarted = Date.now();
    const drained = async () => {
      await acknowledgeClimbedLadders(deps);
      const open = await db.select().from(incidents).where(isNull(incidents.setupCompletedAt));
      const ladders = await db.select().from(slaClocks).where(eq(slaClocks.name, "respond"));
      const climbing = ladders.filter((c) => !c.ladderAcknowledgedBy || c.nextStep !== null);
      const pending = await db.select({ id: outbox.id }).from(outbox).where(eq(outbox.status, "pending"));
      return { open: open.length, climbing: climbing.length, pending: pending.length };
    };
    let last = await drained();
    let lastReport = drainStarted;
    while (last.open + last.climbing + last.pending > 0) {
      // Posts queued in one channel (the head of operations' DMs, most of all) go one a second,
      // a post whose try was cut off waits out its 12 s lease, and failed tries back off: drains
      // of 32-36 s are usual (up to 435 s before a late ladder's missed reminders were folded
      // into one). The bound is there to catch a post that never goes, not a slow one.
      if (Date.now() - drainStarted > DRAIN_LIMIT_MS) {
        // What is left, for whoever reads the failure: which posts, how far along, held until when.
        const left = await db
          .select({
            purpose: outbox.purpose,
            channel: outbox.channel,
            attempts: outbox.attempts,
            claimedUntil: outbox.claimedUntil,
            lastError: outbox.lastError,
          })
          .from(outbox)
          .where(eq(outbox.status, "pending"));
        throw new Error(
          `not drained after ${DRAIN_LIMIT_MS / 1000} s: ${JSON.stringify(last)}\n${JSON.stringify(left.slice(0, 40))}\n${lastStderr.join("\n")}`,
        );
      }
      await sleep(1_000);
      last = await drained();
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        // The drain's shape, so that a slow run shows what it was waiting on.
        const byPurpose = await db
          .select({ purpose: outbox.purpose, rows: count(), maxAttempts: max(outbox.attempts) })
          .from(outbox)
          .where(eq(outbox.status, "pending"))
          .groupBy(outbox.purpose);
        console.info(
          `sigkill drill: draining ${Math.round((lastReport - drainStarted) / 1000)} s: ${JSON.stringify(last)} ${JSON.stringify(byPurpose)}`,
        );
      }
    }
    // Let any job still running or delayed land (a doubled post would show up now).
    await sleep(6_000);
    acking = false;
    await acker;
    const drainMs = Date.now() - drainStarted;

    // Escalation DMs PostgreSQL says were due: for each fired breach / escalate step of a
    // respond clock, one DM per holder of that rung's role.
    const events = await db
      .select({
        clockId: slaEvents.clockId,
        generation: slaEvents.generation,
        step: slaEvents.step,
        type: incidents.type,
      })
      .from(slaEvents)
      .innerJoin(slaClocks, eq(slaClocks.id, slaEvents.clockId))
      .innerJoin(incidents, eq(incidents.id, slaClocks.incidentId))
      .where(eq(slaClocks.name, "respond"));
    const expectedDms = new Set<string>();
    let ladderSteps = 0;
    for (const e of events) {
      const parsed = parseStep(e.step);
      if (parsed?.kind !== "breach" && parsed?.kind !== "escalate") continue;
      ladderSteps++;
      const index = parsed.kind === "escalate" ? parsed.index : 0;
      const ladder = h.policy.incidentTypes[e.type]!.escalation;
      for (const user of recipients(h.policy.roles, ladderStep(ladder, index).role)) {
        expectedDms.add(`esc:${e.clockId}:${e.generation}:escalate-${index}:${user}`);
      }
    }
    const rows = await db.select().from(outbox);
    const dmRows = rows.filter((r) => r.purpose === "escalation_dm");
    expect(new Set(dmRows.map((r) => r.dedupeKey))).toEqual(expectedDms);
    const escalationLog = await db.select().from(incidentLog).where(eq(incidentLog.kind, "escalation_sent"));
    expect(escalationLog).toHaveLength(ladderSteps);

    // Stakeholder posts PostgreSQL says were due: each update in every stakeholder channel of
    // its type (and the incident channel once it had one).
    const updates = await db
      .select({ id: stakeholderUpdates.id, type: incidents.type, channel: incidents.channelId })
      .from(stakeholderUpdates)
      .innerJoin(incidents, eq(incidents.id, stakeholderUpdates.incidentId));
    expect(updates.length).toBe(work.updates);
    const updateRows = rows.filter((r) => r.purpose === "stakeholder_update");
    for (const u of updates) {
      const channels = updateRows
        .filter((r) => r.dedupeKey.startsWith(`update:${u.id}:`))
        .map((r) => r.channel);
      const stakeholders = h.policy.incidentTypes[u.type]!.stakeholderChannels;
      expect(channels.filter((c) => stakeholders.includes(c)).sort()).toEqual([...stakeholders].sort());
      expect(channels.filter((c) => !stakeholders.includes(c)).every((c) => c === u.channel)).toBe(true);
    }
    const postedLog = await db.select().from(incidentLog).where(eq(incidentLog.kind, "update_posted"));
    expect(postedLog).toHaveLength(updateRows.length);

    // Milestone notices PostgreSQL says were due: an acknowledged (from the escalation DM) and a
    // resolved incident is told once to every stakeholder channel of its type.
    const told = await db
      .select({ id: incidents.id, type: incidents.type, resolvedAt: incidents.resolvedAt })
      .from(incidents)
      .where(isNotNull(incidents.acknowledgedAt));
    const expectedMilestones = told.flatMap((i) =>
      h.policy.incidentTypes[i.type]!.stakeholderChannels.flatMap((channel) => [
        `${i.id}:acknowledged:${channel}`,
        ...(i.resolvedAt ? [`${i.id}:resolved:${channel}`] : []),
      ]),
    );
    const milestoneRows = rows.filter((r) => r.purpose === "milestone");
    const milestoneKeys = milestoneRows.map(
      (r) => `${r.incidentId}:${r.dedupeKey.split(":")[3]}:${r.channel}`,
    );
    expect(milestoneKeys.sort()).toEqual(expectedMilestones.sort());
    expect(told.some((i) => i.resolvedAt)).toBe(true);
    const milestoneLog = await db.select().from(incidentLog).where(eq(incidentLog.kind, "milestone_posted"));
    expect(milestoneLog).toHaveLength(milestoneRows.length);

    // What Slack received: each of those rows (and every other post) exactly once, no strays.
    const ledger = await outboxLedger(db, h.slack);
    expect(ledger.unsent).toEqual([]);
    expect(ledger.doubled).toEqual([]);
    expect(ledger.missing).toEqual([]);
    expect(ledger.strays).toEqual([]);
    expect(ledger.wrongTs).toEqual([]);
    const posts = postsByOutboxId(h.slack);
    const dmsInSlack = dmRows.reduce((n, r) => n + (posts.get(r.id)?.length ?? 0), 0);
    const updatesInSlack = updateRows.reduce((n, r) => n + (posts.get(r.id)?.length ?? 0), 0);
    expect(dmsInSlack).toBe(expectedDms.size);
    expect(updatesInSlack).toBe(updateRows.length);
    const milestonesInSlack = milestoneRows.reduce((n, r) => n + (posts.get(r.id)?.length ?? 0), 0);
    expect(milestonesInSlack).toBe(milestoneRows.length);
    const untracked = h.slack.messages.filter((m) => m.user === h.slack.botUserId && !m.metadata);
    expect(untracked).toEqual([]);
    // Every DM went to the DM of the user the row names.
    for (const r of dmRows) {
      const [m] = posts.get(r.id) ?? [];
      expect(h.slack.channels.get(m!.channel)?.members.has(r.channel)).toBe(true);
    }

    const startup = stats.startupMs.sort((a, b) => a - b);
    const retried = rows.filter((r) => r.attempts > 1).length;
    console.info(
      `sigkill drill: ${stats.kills} SIGKILLs in ${Math.round(killPhaseMs / 1000)} s ` +
        `(${stats.targeted} between Slack storing a post and its answer, ${stats.duringStartup} during start-up, ` +
        `${stats.spawns} worker starts, start-up median ${startup[Math.floor(startup.length / 2)]} ms); ` +
        `drained ${Math.round(drainMs / 1000)} s later. ${work.made.length} incidents, ${ladderSteps} ladder steps → ` +
        `${expectedDms.size} escalation DMs; ${updates.length} updates → ${updateRows.length} stakeholder posts; ` +
        `${milestoneRows.length} milestone notices; ` +
        `${ledger.rows} outbox rows ${JSON.stringify(ledger.byPurpose)}, ${retried} needed more than one attempt; ` +
        `0 doubled, 0 missing.`,
    );
  }, 900_000);
});
