import { appendLog } from "../db/queries/incident-log.js";
import { upsertOutboxRows } from "../db/queries/outbox.js";
import {
  getPracticeIncident,
  getPracticeInject,
  getPracticeRun,
  injectsOfRun,
  insertPracticeInjects,
  lockPracticeInject,
  markInjectPosted,
  runEndedLocked,
} from "../db/queries/practice.js";
import type { IncidentRow, PracticeRunRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueRowDeliveries } from "../delivery/queue.js";
import { RetryLater } from "../delivery/retry-later.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import type { PracticeScenario } from "../domain/policy-types.js";
import { scaledMs, scenarioFor } from "../domain/practice-scenarios.js";
import { jobIds } from "../jobs/catalog.js";
import { practiceInjectPost } from "../messages/practice-inject.js";
import { addCallerReport } from "./callers.js";
import type { Deps } from "./deps.js";

/**
 * A drill's timed injects (issue 23), durable like SLA clocks: PostgreSQL holds each inject's
 * due time and whether it was posted; Redis only the delayed job that posts it. Posting marks
 * the row in the same transaction as its outbox row, so a retried or twin job posts nothing
 * twice; an inject whose predecessor is not posted yet waits for it, so they arrive in order.
 */

/** The scenario as it was when the drill started (its snapshot), else the policy's by key. */
export function scenarioOfRun(deps: Pick<Deps, "policy">, run: PracticeRunRow): PracticeScenario | null {
  const snap = run.scenario as Partial<PracticeScenario> | null;
  if (snap && Array.isArray(snap.injects) && snap.expected && snap.report && snap.expects) {
    return { key: run.scenarioKey, builtIn: false, ...snap } as PracticeScenario;
  }
  return scenarioFor(deps.policy, run.scenarioKey);
}

/**
 * Writes the drill's inject rows (due at start + after ÷ speed) and queues one job each. Called
 * once the drill's channel exists (set-up); running it again changes nothing.
 */
export async function schedulePracticeInjects(deps: Deps, incident: IncidentRow): Promise<void> {
  if (!incident.practiceRunId) return;
  const run = await getPracticeRun(deps.db, incident.practiceRunId);
  if (!run || run.endedAt) return;
  const scenario = scenarioOfRun(deps, run);
  if (!scenario || scenario.injects.length === 0) return;
  const start = run.startedAt.getTime();
  await insertPracticeInjects(
    deps.db,
    scenario.injects.map((inject, position) => ({
      runId: run.id,
      position,
      dueAt: new Date(start + scaledMs(inject.afterMs, run.speed)),
    })),
  );
  const rows = await injectsOfRun(deps.db, run.id);
  await deps.jobs.enqueueMany(
    "practice.inject",
    rows
      .filter((r) => !r.postedAt)
      .map((r) => ({
        payload: { runId: run.id, position: r.position },
        jobId: jobIds.practiceInject(run.id, r.position),
        at: r.dueAt,
      })),
  );
}

/** Whether the inject still has to be posted: not posted, and its drill still running. */
export async function injectStillDue(deps: Deps, runId: string, position: number): Promise<boolean> {
  const [run, inject] = await Promise.all([
    getPracticeRun(deps.db, runId),
    getPracticeInject(deps.db, runId, position),
  ]);
  return Boolean(run && !run.endedAt && inject && !inject.postedAt);
}

/** The `practice.inject` job: posts one inject in the practice channel, once, in order. */
export async function postPracticeInject(
  deps: Deps,
  p: { runId: string; position: number },
): Promise<"posted" | "done" | "stopped"> {
  const run = await getPracticeRun(deps.db, p.runId);
  const inject = await getPracticeInject(deps.db, p.runId, p.position);
  if (!run || !inject) return "stopped";
  if (inject.postedAt) return "done";
  // The drill ended (closed, or ended by the lead): the rest of its script is not played.
  if (run.endedAt) return "stopped";
  const incident = await getPracticeIncident(deps.db, run.id);
  if (!incident || incident.status === "closed") return "stopped";
  const scenario = scenarioOfRun(deps, run);
  const script = scenario?.injects[p.position];
  if (!scenario || !script) return "stopped";
  const early = inject.dueAt.getTime() - deps.clock.now().getTime();
  if (early > 1_000) throw new RetryLater(early, "inject not due yet");
  const place = placeOf(incident);
  if (!place) throw new RetryLater(2_000, "practice channel not open yet");
  if (p.position > 0) {
    const before = await getPracticeInject(deps.db, p.runId, p.position - 1);
    if (before && !before.postedAt) throw new RetryLater(1_000, "waiting for the inject before it");
  }
  if (script.kind === "callers") await addPracticeCallers(deps, incident, scenario, p.position);
  const post = practiceInjectPost({
    inject: script,
    position: p.position,
    count: scenario.injects.length,
    stakeholderChannel: deps.policy.incidentTypes[incident.type]?.stakeholderChannels[0] ?? null,
  });
  const rows = await deps.db.transaction(async (tx) => {
    // Ending the drill locks its run for update: an inject never lands after the debrief.
    if (await runEndedLocked(tx, p.runId)) return [];
    const locked = await lockPracticeInject(tx, p.runId, p.position);
    if (!locked || locked.postedAt) return [];
    const written = await upsertOutboxRows(tx, [
      {
        incidentId: incident.id,
        dedupeKey: outboxKey.practiceInject(run.id, p.position),
        purpose: "practice_inject",
        channel: place.channel,
        message: place.threadTs ? { ...post, thread_ts: place.threadTs } : post,
      },
    ]);
    await markInjectPosted(tx, locked.id, deps.clock.now());
    await appendLog(tx, {
      incidentId: incident.id,
      actor: SYSTEM_ACTOR,
      kind: "practice_inject_posted",
      details: {
        position: p.position,
        kind: script.kind,
        ...(script.callers ? { callers: script.callers } : {}),
      },
    });
    return written;
  });
  if (rows.length === 0) return "done";
  await queueRowDeliveries(deps, rows);
  return "posted";
}

/** Where the drill is worked: its channel, or (a routine drill) its thread. */
export function placeOf(incident: IncidentRow): { channel: string; threadTs: string | null } | null {
  if (incident.channelId) return { channel: incident.channelId, threadTs: null };
  if (incident.workingChannelId && incident.threadTs)
    return { channel: incident.workingChannelId, threadTs: incident.threadTs };
  return null;
}

/**
 * The callers of a `callers` inject, as caller reports with made-up references
 * (PRACTICE-CALLER-n, numbered across the whole drill). Each report is keyed by the drill, the
 * inject and its place, so a job run again adds none twice.
 */
async function addPracticeCallers(
  deps: Deps,
  incident: IncidentRow,
  scenario: PracticeScenario,
  position: number,
): Promise<void> {
  const script = scenario.injects[position];
  const count = script?.callers ?? 0;
  const earlier = scenario.injects
    .slice(0, position)
    .reduce((sum, i) => sum + (i.kind === "callers" ? (i.callers ?? 0) : 0), 0);
  for (let n = 0; n < count; n++) {
    const number = earlier + n + 1;
    const added = await addCallerReport(deps, {
      incidentId: incident.id,
      reportChannel: scenario.report.channel,
      contactedAt: deps.clock.now(),
      said: script?.text ?? null,
      callback: "no",
      reportedBy: SYSTEM_ACTOR,
      submissionKey: `practice:${incident.practiceRunId}:${position}:${n}`,
      callerReference: `PRACTICE-CALLER-${number}`,
      callbackContact: null,
    });
    if (!added.ok) return; // refused (closed, merged): the post still says what happened
  }
}
