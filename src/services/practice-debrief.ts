import { appendLog, listLog } from "../db/queries/incident-log.js";
import { upsertOutboxRows } from "../db/queries/outbox.js";
import {
  finishPracticeRun,
  getPracticeIncident,
  getPracticeRun,
  injectsOfRun,
  lockPracticeRun,
  setCoachingNotes,
} from "../db/queries/practice.js";
import type { IncidentRow, PracticeRunRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueRowDeliveries } from "../delivery/queue.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { holdsAny } from "../domain/permissions.js";
import {
  type PracticeIncident,
  type PracticeLogEntry,
  type PracticeScore,
  scorePractice,
} from "../domain/practice-scoring.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { practiceDebrief } from "../messages/practice-debrief.js";
import type { Deps } from "./deps.js";
import type { Refusal } from "./mutate-incident.js";
import { scenarioOfRun } from "./practice-injects.js";

/**
 * Ending a practice drill (issue 23): when its incident is closed, or the lead runs
 * `/incident practice end`, the pure scorer marks it from the log; the score and the marking are
 * stored on the run, the debrief posted in the practice channel and the ending logged, in one
 * transaction with the outbox row. Ending twice finds the debrief stored and posts nothing more.
 */

/** What the run stores as its debrief: enough to draw the post again (with coaching notes). */
export interface StoredDebrief {
  reference: string;
  scenarioLabel: string;
  trainees: string[];
  speed: number;
  score: PracticeScore;
}

export function storedDebriefOf(run: PracticeRunRow): StoredDebrief | null {
  const d = run.debrief as Partial<StoredDebrief> | null;
  return d?.score && Array.isArray(d.score.points) ? (d as StoredDebrief) : null;
}

/** Who may end a drill or add coaching notes: its lead, or anyone the policy lets run drills. */
export function mayLeadDrill(deps: Pick<Deps, "policy">, run: PracticeRunRow, userId: string): boolean {
  return run.leadId === userId || holdsAny(deps.policy, userId, deps.policy.permissions.practice);
}

function practiceIncidentOf(i: IncidentRow): PracticeIncident {
  return {
    title: i.title,
    description: i.description,
    type: i.type,
    reportChannel: i.reportChannel,
    impact: i.impact,
    urgency: i.urgency,
    priority: i.priority,
    matrixPriority: i.matrixPriority,
    priorityOverrideReason: i.priorityOverrideReason,
    major: i.major,
    loggedAt: i.loggedAt,
    acknowledgedAt: i.acknowledgedAt,
    resolvedAt: i.resolvedAt,
    closedAt: i.closedAt,
    closeCode: i.closeCode,
    resolutionSummary: i.resolutionSummary,
  };
}

/** The marking of the drill as its log stands now. */
export async function markDrill(
  deps: Deps,
  run: PracticeRunRow,
  incident: IncidentRow,
  now: Date,
): Promise<StoredDebrief | null> {
  const scenario = scenarioOfRun(deps, run);
  if (!scenario) return null;
  const log: PracticeLogEntry[] = (await listLog(deps.db, incident.id)).map((e) => ({
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    details: (e.details ?? {}) as Record<string, unknown>,
  }));
  const score = scorePractice({
    incident: practiceIncidentOf(incident),
    log,
    scenario,
    policy: deps.policy,
    trainees: run.traineeIds,
    speed: run.speed,
    now,
  });
  return {
    reference: formatReference(incident.number),
    scenarioLabel: scenario.label,
    trainees: run.traineeIds,
    speed: run.speed,
    score,
  };
}

export type EndOutcome = { reference: string; ended: "now" | "before"; overall: number | null };

/**
 * Ends the drill and posts its debrief, once. `check`: refuse someone who is not its lead (the
 * command); the close of the incident (the job) does not check.
 */
export async function endPractice(
  deps: Deps,
  p: { runId: string; actor: string; check?: boolean },
): Promise<Result<EndOutcome, Refusal>> {
  const run = await getPracticeRun(deps.db, p.runId);
  const incident = run ? await getPracticeIncident(deps.db, p.runId) : null;
  if (!run || !incident) return err({ code: "not_found", message: "That drill no longer exists." });
  const reference = formatReference(incident.number);
  if (p.check && !mayLeadDrill(deps, run, p.actor)) {
    return err({
      code: "forbidden",
      message: `Only the drill's lead (<@${run.leadId}>) can end ${reference}.`,
    });
  }
  const before = storedDebriefOf(run);
  if (before) return ok({ reference, ended: "before", overall: before.score.overall });
  const now = deps.clock.now();
  const marked = await markDrill(deps, run, incident, now);
  if (!marked) return err({ code: "no_scenario", message: `${reference}: its scenario is missing.` });
  const channel = incident.channelId ?? incident.workingChannelId;
  const rows = await deps.db.transaction(async (tx) => {
    const locked = await lockPracticeRun(tx, run.id);
    if (!locked || locked.debrief) return null;
    await finishPracticeRun(tx, {
      id: run.id,
      endedAt: now,
      endedBy: p.actor,
      score: marked.score.overall,
      debrief: marked as unknown as Record<string, unknown>,
    });
    await appendLog(tx, {
      incidentId: incident.id,
      actor: p.actor,
      kind: "practice_debriefed",
      details: {
        overall: marked.score.overall,
        earned: marked.score.earned,
        applicable: marked.score.applicable,
        points: Object.fromEntries(marked.score.points.map((pt) => [pt.point, pt.score])),
      },
    });
    if (!channel) return [];
    return upsertOutboxRows(tx, [
      {
        incidentId: incident.id,
        dedupeKey: outboxKey.practiceDebrief(run.id),
        purpose: "practice_debrief",
        channel,
        message: practiceDebrief({ incidentId: incident.id, ...marked }),
      },
    ]);
  });
  if (rows === null) return ok({ reference, ended: "before", overall: null });
  await queueRowDeliveries(deps, rows);
  await dropPendingInjects(deps, run.id);
  return ok({ reference, ended: "now", overall: marked.score.overall });
}

/** The injects still waiting in Redis: each would find the drill ended and stop, but sooner gone. */
async function dropPendingInjects(deps: Deps, runId: string): Promise<void> {
  for (const inject of await injectsOfRun(deps.db, runId)) {
    if (inject.postedAt) continue;
    await deps.jobs
      .remove("practice.inject", jobIds.practiceInject(runId, inject.position))
      .catch((e: unknown) => deps.logger.warn({ runId, err: describeError(e) }, "inject job not removed"));
  }
}

/** Queues the end of a drill whose incident was just closed (the sweep queues it again if lost). */
export async function queuePracticeEnd(deps: Deps, incident: IncidentRow, actor: string): Promise<void> {
  if (!incident.practiceRunId) return;
  const runId = incident.practiceRunId;
  await deps.jobs
    .enqueue("practice.end", { runId, actor }, { jobId: jobIds.practiceEnd(runId) })
    .catch((e: unknown) =>
      deps.logger.warn({ incidentId: incident.id, err: describeError(e) }, "practice end not queued"),
    );
}

/**
 * The lead's coaching notes: saved on the run, logged (that notes were added, not their words:
 * the log is exported), and the debrief redrawn with them under it.
 */
export async function saveCoachingNotes(
  deps: Deps,
  p: { incidentId: string; actor: string; notes: string },
): Promise<Result<{ reference: string }, Refusal>> {
  const runRow = await deps.db.query.incidents.findFirst({ where: (t, { eq }) => eq(t.id, p.incidentId) });
  const runId = runRow?.practiceRunId;
  const run = runId ? await getPracticeRun(deps.db, runId) : null;
  if (!run || !runRow) return err({ code: "not_found", message: "That drill no longer exists." });
  const reference = formatReference(runRow.number);
  if (!mayLeadDrill(deps, run, p.actor)) {
    return err({
      code: "forbidden",
      message: `Only the drill's lead (<@${run.leadId}>) can add coaching notes.`,
    });
  }
  const stored = storedDebriefOf(run);
  if (!stored) return err({ code: "not_ended", message: `${reference}: the drill has no debrief yet.` });
  await deps.db.transaction(async (tx) => {
    await setCoachingNotes(tx, { id: run.id, notes: p.notes, by: p.actor, at: deps.clock.now() });
    await appendLog(tx, {
      incidentId: runRow.id,
      actor: p.actor,
      kind: "practice_coaching_added",
      details: { length: p.notes.length },
    });
  });
  await redrawDebrief(deps, runRow, stored, { by: p.actor, text: p.notes });
  return ok({ reference });
}

/** Edits the posted debrief to show the notes; a debrief not posted yet is drawn with them when it is. */
async function redrawDebrief(
  deps: Deps,
  incident: IncidentRow,
  stored: StoredDebrief,
  coaching: { by: string; text: string },
): Promise<void> {
  const row = await deps.db.query.outbox.findFirst({
    where: (t, { eq }) => eq(t.dedupeKey, outboxKey.practiceDebrief(incident.practiceRunId ?? "")),
  });
  const message = practiceDebrief({ incidentId: incident.id, ...stored, coaching });
  if (!row?.ts || row.status !== "sent") return;
  try {
    await deps.slack.chat.update({ channel: row.postedChannel ?? row.channel, ts: row.ts, ...message });
  } catch (e) {
    deps.logger.warn(
      { incidentId: incident.id, code: slackErrorCode(e), err: describeError(e) },
      "debrief not redrawn with coaching notes",
    );
  }
}
