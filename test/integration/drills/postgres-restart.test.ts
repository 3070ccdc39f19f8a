import { eq, inArray, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMigrations } from "../../../src/db/migrate.js";
import { incidentLog, incidents, slaClocks } from "../../../src/db/schema/index.js";
import type { FakeView } from "../../../src/emulator/types.js";
import {
  halfCreatedIncidents,
  openLogModal,
  outboxLedger,
  referenceNumber,
  type SubmitResult,
  sleep,
  submitLogModal,
} from "../../helpers/drill.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness } from "../../helpers/harness.js";
import { type PrivatePostgres, privatePostgres } from "../../helpers/private-services.js";
import { validLogForm } from "../../helpers/slack-payloads.js";

/**
 * Drill: PostgreSQL is restarted (fast, immediate, fast) while agents are submitting the
 * log-incident form. The cluster is the drill's own (initdb in a temp dir), never the shared one.
 */
const STREAMS = 3;
const RETRY_PAUSE_MS = 300;
const NEXT_FORM_MS = 400;
const DB_TRY_AGAIN = /database is not answering[\s\S]*press Log incident again/;

let pg: PrivatePostgres;
let h: Harness;

beforeAll(async () => {
  pg = await privatePostgres();
  const url = pg.url("switchboard_drill");
  await runMigrations(url);
  // Intake's transaction takes 150 ms here (a slow disk, a busy server): the restarts then
  // find transactions in flight, halfway between the incident row and its caller reference.
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`
    create function drill_slow_insert() returns trigger language plpgsql as
      $$ begin perform pg_sleep(0.15); return new; end $$;
    create trigger drill_slow before insert on caller_references
      for each row execute function drill_slow_insert();
  `);
  await admin.end();
  h = await startHarness({ config: { databaseUrl: url } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await pg?.destroy();
});

/** Waits until an intake transaction is inside the slow trigger (between incident and reference). */
async function intakeInFlight(url: string): Promise<void> {
  const watcher = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await watcher<Array<{ n: number }>>`
        select count(*)::int as n from pg_stat_activity
        where wait_event = 'PgSleep' and state = 'active'`;
      if (row!.n > 0) return;
      if (Date.now() > deadline) throw new Error("no submission reached its transaction within 10 s");
      await sleep(5);
    }
  } finally {
    await watcher.end({ timeout: 0 });
  }
}

interface Attempt extends SubmitResult {
  viewId: string;
  at: number;
}

interface Submission {
  view: FakeView;
  title: string;
  attempts: Attempt[];
}

/** One agent: opens the form, submits it, and presses the button again while told to retry. */
async function agent(stream: number, until: () => boolean, log: Submission[]): Promise<void> {
  // Each agent is its own Slack user, so each finds its own modal among the views opened.
  const user = `U0AGENT${stream}`;
  h.slack.addUser(user, { name: `agent${stream}` });
  for (let n = 1; !until(); n++) {
    const view = await openLogModal(h, user);
    const title = `Stream ${stream} submission ${n}`;
    const sub: Submission = { view, title, attempts: [] };
    log.push(sub);
    for (;;) {
      const at = Date.now();
      const r = await submitLogModal(
        h,
        view,
        validLogForm({
          title,
          // Spread over two types, so their announcements go to two different channels.
          type: stream % 2 ? "complaint" : "security_breach",
          callerReference: `ACC-${stream}-${n}`,
          impact: "medium",
          urgency: "low",
        }),
        user,
      );
      sub.attempts.push({ ...r, viewId: view.id, at });
      if (r.reference || r.status !== 200 || !(r.ack?.errors || r.notSaved)) break;
      if (sub.attempts.length > 100) throw new Error(`${title}: still refused after 100 tries`);
      await sleep(RETRY_PAUSE_MS);
    }
    // An agent logs a few incidents a second, not hundreds: each one is announced in two
    // channels paced at one post a second, and the drill waits for all of them.
    await sleep(NEXT_FORM_MS);
  }
}

describe("PostgreSQL restarted while incidents are being logged", () => {
  it("tells those caught by it to try again, half-creates nothing, doubles nothing, and recovers by itself", async () => {
    // An exception nothing can catch would end the real process (npm start): there must be none.
    const crashes: Error[] = [];
    const onCrash = (err: Error) => crashes.push(err);
    process.on("uncaughtExceptionMonitor", onCrash);
    const submissions: Submission[] = [];
    let stopStreams = false;
    const streams = Array.from({ length: STREAMS }, (_, i) => agent(i + 1, () => stopStreams, submissions));

    // The streams are under way once one of them has logged an incident.
    const loggedSince = (t: number) =>
      submissions.some((s) => s.attempts.some((a) => a.reference && a.at >= t));
    await eventually("a first incident logged", async () => loggedSince(0), { timeoutMs: 60_000 });
    const restarts: Array<{ mode: string; from: number; to: number }> = [];
    for (const mode of ["fast", "immediate", "fast"] as const) {
      // Each restart cuts a submission in the middle of its transaction, not only the ones
      // that find the server down: the drill does not leave that to chance.
      await intakeInFlight(pg.url("switchboard_drill"));
      const from = Date.now();
      await pg.restart(mode);
      restarts.push({ mode, from, to: Date.now() });
      // The agents work on for a while between restarts: pacing of the scenario, not a wait for
      // work (the refusals the drill counts come from both the cut and the down moments).
      await sleep(2_000);
    }
    stopStreams = true;
    await Promise.all(streams);
    process.off("uncaughtExceptionMonitor", onCrash);
    expect(crashes.map((e) => e.message)).toEqual([]);

    // After the restarts, without restarting the app: the next submissions succeed at once.
    const after: SubmitResult[] = [];
    for (let i = 0; i < 5; i++) {
      after.push(
        await submitLogModal(
          h,
          await openLogModal(h),
          validLogForm({ title: `After the restart ${i + 1}`, callerReference: `ACC-after-${i}` }),
        ),
      );
    }
    for (const r of after) {
      expect(r.status, r.body).toBe(200);
      expect(r.reference, r.body).not.toBeNull();
    }

    const attempts = submissions.flatMap((s) => s.attempts);
    const refused = attempts.filter((a) => !a.reference);
    // Each restart cut at least the submission it waited for.
    expect(refused.length, "submissions caught by the restarts").toBeGreaterThanOrEqual(restarts.length);
    for (const a of attempts) {
      expect(a.status, a.body).toBe(200);
      expect(a.ms, `answered inside Slack's 3 s: ${a.body}`).toBeLessThan(3_000);
      expect(a.body).not.toMatch(/\bat .+:\d+:\d+|Error:|ECONN|57P0|stack/);
    }
    for (const a of refused) {
      // Field error on the form, or (a save that outlived the deadline) the form shown again:
      // entries kept, a clear "try again", not an internal error.
      if (a.saving) {
        expect(a.notSaved, a.body).toMatch(DB_TRY_AGAIN);
        continue;
      }
      expect(a.ack?.response_action, a.body).toBe("errors");
      expect(Object.values(a.ack?.errors ?? {}).join(" "), a.body).toMatch(DB_TRY_AGAIN);
    }
    // Every submission ended acknowledged with a reference (the agent pressed again until it was).
    for (const s of submissions) expect(s.attempts.at(-1)?.reference, s.title).toBeTruthy();

    // Exactly one incident per submitted form (the view id is the idempotency key), and the
    // reference each user was told is that incident.
    const db = h.system.deps.db;
    const rows = await db.select().from(incidents);
    const views = [...submissions.map((s) => s.view.id)];
    const bySubmission = new Map<string, number>();
    for (const r of rows)
      if (r.submissionKey) bySubmission.set(r.submissionKey, (bySubmission.get(r.submissionKey) ?? 0) + 1);
    for (const id of views) expect(bySubmission.get(id), `incidents for view ${id}`).toBe(1);
    expect(rows).toHaveLength(views.length + after.length);
    for (const s of submissions) {
      const told = s.attempts.filter((a) => a.reference).map((a) => referenceNumber(a.reference!));
      const [row] = rows.filter((r) => r.submissionKey === s.view.id);
      expect(new Set(told), s.title).toEqual(new Set([row!.number]));
      expect(row!.title).toBe(s.title);
    }

    // Nothing half-created: each incident has its caller reference, its first log entries and its clocks.
    expect(await halfCreatedIncidents(db)).toEqual([]);
    const ids = rows.map((r) => r.id);
    const clockCounts = await db
      .select({ incidentId: slaClocks.incidentId, n: sql<number>`count(*)::int` })
      .from(slaClocks)
      .where(inArray(slaClocks.incidentId, ids))
      .groupBy(slaClocks.incidentId);
    expect(clockCounts).toHaveLength(ids.length);
    expect(clockCounts.every((c) => c.n === 3)).toBe(true);
    const callerSet = await db
      .select({ incidentId: incidentLog.incidentId })
      .from(incidentLog)
      .where(eq(incidentLog.kind, "caller_reference_set"));
    expect(new Set(callerSet.map((c) => c.incidentId))).toEqual(new Set(ids));

    // The follow-ups of incidents logged around the restarts are finished, each post once.
    await eventually(
      "set-up of every incident",
      async () => (await db.select().from(incidents)).every((r) => r.setupCompletedAt) || undefined,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await eventually(
      "every post delivered",
      async () => (await outboxLedger(db, h.slack)).unsent.length === 0 || undefined,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const ledger = await outboxLedger(db, h.slack);
    expect(ledger.doubled).toEqual([]);
    expect(ledger.missing).toEqual([]);
    expect(ledger.strays).toEqual([]);
    const channelsPerIncident = rows.map(
      (r) =>
        [...h.slack.channels.values()].filter((c) =>
          c.name.startsWith(`inc-${String(r.number).padStart(6, "0")}-`),
        ).length,
    );
    expect(channelsPerIncident.every((n) => n === 1)).toBe(true);

    const windows = restarts.map((r) => `${r.mode} ${r.to - r.from} ms`).join(", ");
    console.info(
      `postgres-restart drill: restarts (${windows}); ${submissions.length} forms in ${STREAMS} streams, ` +
        `${attempts.length} submissions, ${refused.length} told to try again ` +
        `(slowest answer ${Math.max(...attempts.map((a) => a.ms))} ms); ${rows.length} incidents; ` +
        `outbox ${JSON.stringify(ledger.byPurpose)}`,
    );
  }, 180_000);
});
