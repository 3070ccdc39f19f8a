import { appendLog, type LogEntry } from "../db/queries/incident-log.js";
import { lockIncidentOfClock } from "../db/queries/mutate.js";
import { type NewOutboxMessage, upsertOutboxRows } from "../db/queries/outbox.js";
import { lockClock, recordStep, updateClock } from "../db/queries/sla-clocks.js";
import type { IncidentRow, OutboxRow, SlaClockRow } from "../db/schema/index.js";
import { type ClockStep, nextStep, parseStep, stepTime } from "../domain/clock-steps.js";
import { ladderStep, recipients } from "../domain/escalation.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { jobIds } from "../jobs/catalog.js";
import { clockNotice, escalationDm, slaBreach, slaWarning } from "../slack/blocks/sla.js";
import { queueDeliveries } from "./deliver.js";
import type { Deps } from "./deps.js";
import { scheduleClocks } from "./sla-clocks.js";
import { clockLabel, stepPlanOf } from "./sla-plan.js";

/** A step that runs this much after its planned time is logged as late, with the reason. */
const LATE_TOLERANCE_MS = 1_000;

export type FireOutcome = "fired" | "stale" | "duplicate";

interface StepWork {
  log: LogEntry[];
  posts: NewOutboxMessage[];
  patch: Partial<SlaClockRow>;
}

/**
 * Runs one clock step, exactly once. In one transaction: lock the clock, check the job is
 * for its current generation and step (else it is stale and does nothing), record the step
 * in sla_events (a second delivery finds it there and does nothing), write the log entries
 * and the outbox rows for the messages, and move the clock to its next step. Only then are
 * the posts handed to `deliver` (the worker posts them at once) and the next step queued; if
 * that is lost, the sweep and the reconciler redo it. The step's writes do not depend on each
 * other and are sent together (pipelined on the transaction's connection), so a step costs six
 * round trips to PostgreSQL, not nine.
 */
export async function fireClockStep(
  deps: Deps,
  job: { clockId: string; generation: number; step: string },
  deliver: (posts: OutboxRow[]) => Promise<void> = (posts) =>
    queueDeliveries(
      deps,
      posts.map((p) => p.id),
    ),
): Promise<FireOutcome> {
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    // Incident first, then clock: the order every change takes, so the two never deadlock.
    const incident = await lockIncidentOfClock(tx, job.clockId);
    const clock = await lockClock(tx, job.clockId);
    if (clock?.state !== "running" || clock.generation !== job.generation || clock.nextStep !== job.step) {
      return { outcome: "stale" as const };
    }
    if (!incident || !parseStep(job.step)) return { outcome: "stale" as const };
    const step = job.step as ClockStep;
    const plan = stepPlanOf(deps.policy, clock, incident.priority);
    const plannedAt = stepTime(step, plan);
    const lateMs = Math.max(0, now.getTime() - plannedAt.getTime());
    const first = await recordStep(tx, { ...job, plannedAt, lateMs: Math.min(lateMs, 2 ** 31 - 1) });
    const following = followingStep(clock, step, plan);
    if (!first) {
      // Fired before but the clock did not move on (crash between the two): move it on now.
      return { outcome: "duplicate" as const, clock: await updateClock(tx, clock.id, following) };
    }
    const work = stepWork(deps, clock, incident, step, { plannedAt, lateMs, now });
    const [, posts, moved] = await Promise.all([
      appendLog(tx, work.log),
      upsertOutboxRows(tx, work.posts),
      updateClock(tx, clock.id, { ...work.patch, ...following }),
    ]);
    return { outcome: "fired" as const, clock: moved, posts };
  });
  if (result.outcome === "stale") return "stale";
  if (result.outcome === "fired") await deliver(result.posts);
  await scheduleClocks(deps, [{ clock: result.clock, supersededJobId: null }]);
  if (result.outcome === "fired" && job.step === "breach") {
    await deps.jobs.enqueue(
      "card.refresh",
      { incidentId: result.clock.incidentId },
      { jobId: jobIds.cardRefreshOnBreach(result.clock.id, job.generation) },
    );
  }
  return result.outcome;
}

function followingStep(clock: SlaClockRow, step: ClockStep, plan: ReturnType<typeof stepPlanOf>) {
  // Extra clocks (regulator, complaint) notify their roles; they have no ladder after the breach.
  const ends = step === "breach" && clock.notifyRoles.length > 0;
  if (ends) return { nextStep: null, nextStepAt: null };
  const next = nextStep(step, plan);
  return { nextStep: next as string, nextStepAt: stepTime(next, plan) };
}

function stepWork(
  deps: Deps,
  clock: SlaClockRow,
  incident: IncidentRow,
  step: ClockStep,
  t: { plannedAt: Date; lateMs: number; now: Date },
): StepWork {
  const label = clockLabel(clock.name);
  const late =
    t.lateMs > LATE_TOLERANCE_MS
      ? { lateMs: t.lateMs, lateReason: "the worker or Redis was unavailable at the planned time" }
      : {};
  const base = { clock: clock.name, step, plannedAt: t.plannedAt.toISOString(), ...late };
  const parsed = parseStep(step);
  const tz = deps.policy.timezone;
  if (parsed?.kind === "warn") {
    const posts = clock.notifyRoles.length
      ? notifyPosts(
          deps,
          clock,
          incident,
          clockNotice(incident, { clock: label, dueAt: clock.dueAt, breached: false, timezone: tz }),
          step,
        )
      : channelPost(
          incident,
          clock,
          step,
          slaWarning(incident, {
            clock: label,
            dueAt: clock.dueAt,
            left: clock.dueAt.getTime() - t.now.getTime(),
            timezone: tz,
          }),
        );
    return { log: [entry(incident, "sla_warning", base)], posts, patch: {} };
  }
  if (parsed?.kind === "breach") return breachWork(deps, clock, incident, base, t);
  const index = parsed?.kind === "escalate" ? parsed.index : 0;
  return { ...ladderWork(deps, clock, incident, index, base, t), patch: {} };
}

function breachWork(
  deps: Deps,
  clock: SlaClockRow,
  incident: IncidentRow,
  base: Record<string, unknown>,
  t: { now: Date; lateMs: number },
): StepWork {
  const label = clockLabel(clock.name);
  const tz = deps.policy.timezone;
  const log = [entry(incident, "sla_breached", { ...base, dueAt: clock.dueAt.toISOString() })];
  if (clock.notifyRoles.length) {
    const notice = clockNotice(incident, { clock: label, dueAt: clock.dueAt, breached: true, timezone: tz });
    return { log, posts: notifyPosts(deps, clock, incident, notice, "breach"), patch: { breachedAt: t.now } };
  }
  const ladder = deps.policy.incidentTypes[incident.type]?.escalation ?? [];
  const first = ladder.length ? ladderStep(ladder, 0) : null;
  const notice = slaBreach(incident, {
    clock: label,
    dueAt: clock.dueAt,
    timezone: tz,
    escalatingTo: first?.role.replace(/_/g, " ") ?? null,
  });
  const rung = ladder.length ? ladderWork(deps, clock, incident, 0, base, t) : { log: [], posts: [] };
  return {
    log: [...log, ...rung.log],
    posts: [...channelPost(incident, clock, "breach", notice), ...rung.posts],
    patch: { breachedAt: t.now },
  };
}

/** DMs to every holder of the ladder's role for this step, each logged (who, level, when). */
function ladderWork(
  deps: Deps,
  clock: SlaClockRow,
  incident: IncidentRow,
  index: number,
  base: Record<string, unknown>,
  t: { now: Date },
): Pick<StepWork, "log" | "posts"> {
  const ladder = deps.policy.incidentTypes[incident.type]?.escalation ?? [];
  if (ladder.length === 0) return { log: [], posts: [] };
  const rung = ladderStep(ladder, index);
  const to = recipients(deps.policy.roles, rung.role);
  const overdueMs = Math.max(0, t.now.getTime() - clock.dueAt.getTime());
  const dm = escalationDm(incident, { clockId: clock.id, clock: clockLabel(clock.name), overdueMs, ...rung });
  const step = `escalate-${index}`;
  return {
    log: [entry(incident, "escalation_sent", { ...base, level: rung.level, role: rung.role, to, overdueMs })],
    posts: to.map((user) => ({
      incidentId: incident.id,
      dedupeKey: `esc:${clock.id}:${clock.generation}:${step}:${user}`,
      purpose: "escalation_dm",
      channel: user,
      message: dm,
    })),
  };
}

/**
 * The notice for the incident channel. An incident whose channel does not exist yet (its set-up
 * is still failing, e.g. Slack down) gets it by DM to its owner, else its reporter, rather than
 * not at all.
 */
function channelPost(
  incident: IncidentRow,
  clock: SlaClockRow,
  step: string,
  message: object,
): NewOutboxMessage[] {
  return [
    {
      incidentId: incident.id,
      dedupeKey: `sla:${clock.id}:${clock.generation}:${step}`,
      purpose: "sla_notice",
      channel: incident.channelId ?? incident.ownerId ?? incident.reporterId,
      message: message as Record<string, unknown>,
    },
  ];
}

function notifyPosts(
  deps: Deps,
  clock: SlaClockRow,
  incident: IncidentRow,
  message: object,
  step: string,
): NewOutboxMessage[] {
  const to = [...new Set(clock.notifyRoles.flatMap((role) => recipients(deps.policy.roles, role)))];
  return to.map((user) => ({
    incidentId: incident.id,
    dedupeKey: `notify:${clock.id}:${clock.generation}:${step}:${user}`,
    purpose: "clock_notice",
    channel: user,
    message: message as Record<string, unknown>,
  }));
}

function entry(incident: IncidentRow, kind: LogEntry["kind"], details: Record<string, unknown>): LogEntry {
  return { incidentId: incident.id, actor: SYSTEM_ACTOR, kind, details };
}
