import type { Tx } from "../db/client.js";
import { updateIncidentDeadlines } from "../db/queries/incidents.js";
import { insertClocks, lockClocksOf, updateClock } from "../db/queries/sla-clocks.js";
import type { IncidentRow, SlaClockRow } from "../db/schema/index.js";
import { clockTimeBetween } from "../domain/business-time.js";
import { CALLBACKS_CLOCK } from "../domain/callbacks.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { clockPolicyOf } from "../domain/practice-clocks.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import type { DealtWith } from "../messages/sla.js";
import type { Deps } from "./deps.js";
import {
  cadenceMs,
  calendarOf,
  callbackClock,
  extraClocks,
  isCadenceClock,
  scheduleFields,
} from "./sla-plan.js";

type ClockChange = "stop" | "pause" | "resume" | "replan" | "restart" | "cadence" | "callbacks";

/**
 * What a change to the incident does to each clock. Acknowledging stops `respond`; a hold
 * pauses `resolve` and resuming resumes it; resolving pauses `resolve` (a reopen resumes it)
 * and stops the others (a reopen restarts the update cadence); closing stops everything, and
 * reopening a closed incident resumes `resolve` from where it was paused; a priority change re-plans the built-in
 * clocks from their start; a stakeholder update restarts `update_every`. A reopen stops the
 * callback clock (callbacks wait until the incident is resolved again).
 */
export function clockChanges(before: IncidentRow, after: IncidentRow): Map<string, ClockChange> {
  const changes = new Map<string, ClockChange>();
  if (after.priority !== before.priority) {
    for (const name of ["respond", "update_every", "resolve"]) changes.set(name, "replan");
  }
  if (after.lastUpdateAt && after.lastUpdateAt.getTime() !== before.lastUpdateAt?.getTime()) {
    changes.set("update_every", "restart");
  }
  if (before.status === after.status) return changes;
  if (before.status === "open") changes.set("respond", "stop");
  if (after.status === "on_hold" || after.status === "resolved") changes.set("resolve", "pause");
  const reopened =
    (before.status === "resolved" || before.status === "closed") && after.status === "in_progress";
  if ((before.status === "on_hold" || reopened) && after.status === "in_progress") {
    changes.set("resolve", "resume");
  }
  if (after.status === "resolved") changes.set("update_every", "stop");
  if (reopened) changes.set("update_every", "restart");
  if (reopened) changes.set(CALLBACKS_CLOCK, "stop");
  if (after.status === "closed")
    return new Map([...changes.keys(), "respond", "update_every", "resolve"].map((n) => [n, "stop"]));
  return changes;
}

export interface ExplicitClockChanges {
  start?: string[];
  stop?: string[];
  /** Audience cadence clocks (`comms_<key>`) whose audience was just told: they start again. */
  restart?: string[];
  /** The callback clock starts (again) from now: resolved with callbacks still to make. */
  callbacks?: boolean;
}

/**
 * What a change does to the audiences' own cadence clocks: they stop when the incident is
 * resolved or closed and start again when it is reopened; an update or a logged communication
 * restarts the clocks of the audiences it reached (ExplicitClockChanges.restart).
 */
function cadenceChange(before: IncidentRow, after: IncidentRow): ClockChange | undefined {
  if (before.status === after.status) return undefined;
  if (after.status === "resolved" || after.status === "closed") return "stop";
  if (before.status === "resolved" || before.status === "closed") return "cadence";
  return undefined;
}

export interface ClockUpdate {
  clock: SlaClockRow;
  /** The job of the plan it replaces, to remove from Redis (stale anyway, by generation). */
  supersededJobId: string | null;
  /** A breach nobody acknowledged that this change put right: its DMs are edited to say so. */
  cured?: Cure;
}

/** A breach dealt with: its generation, and how, by whom and when. */
export interface Cure {
  generation: number;
  reason: DealtWith;
  by: string;
  at: Date;
  /** The breached plan, for how late it was dealt with: its deadline and target. */
  dueAt: Date;
  targetMs: number;
  /** For an extra clock's task: what was recorded ("Regulator notified"). */
  task?: string;
}

/** Applies `clockChanges` inside the change's transaction and keeps the incident's deadlines in step. */
export async function syncClocks(
  tx: Tx,
  deps: Deps,
  before: IncidentRow,
  after: IncidentRow,
  explicit: ExplicitClockChanges = {},
  actor: string = SYSTEM_ACTOR,
): Promise<ClockUpdate[]> {
  const changes = clockChanges(before, after);
  for (const name of explicit.restart ?? []) if (isCadenceClock(name)) changes.set(name, "cadence");
  for (const name of explicit.stop ?? []) changes.set(name, "stop");
  if (explicit.callbacks) changes.set(CALLBACKS_CLOCK, "callbacks");
  const cadence = cadenceChange(before, after);
  if (changes.size === 0 && !explicit.start?.length && !cadence) return [];
  const now = deps.clock.now();
  const names = explicit.start ?? [];
  const placed = { incidentId: after.id, type: after.type, priority: after.priority, now };
  // A drill's clocks, re-planned or started, run at its speed (practice-clocks.ts).
  const policy = clockPolicyOf(deps.policy, after);
  const callbacks = explicit.callbacks ? callbackClock(policy, placed) : null;
  const started = await insertClocks(tx, [
    ...extraClocks(policy, { ...placed, names }),
    // A callback clock from an earlier resolve (stopped by the reopen) is started again below.
    ...(callbacks ? [{ ...callbacks, ...scheduleFields(policy, callbacks, after.priority, now) }] : []),
  ]);
  const updates: ClockUpdate[] = started.map((clock) => ({ clock, supersededJobId: null }));
  for (const clock of await lockClocksOf(tx, after.id)) {
    if (started.some((s) => s.id === clock.id)) continue;
    const change =
      (isCadenceClock(clock.name) ? (cadence ?? changes.get(clock.name)) : changes.get(clock.name)) ??
      (after.status === "closed" ? "stop" : undefined);
    if (!change || (clock.state === "stopped" && !revives(clock, change))) continue;
    const patch = clockPatch(deps, clock, change, after, now);
    if (!patch) continue;
    const supersededJobId =
      clock.state === "running" && clock.nextStep
        ? jobIds.slaStep(clock.id, clock.generation, clock.nextStep)
        : null;
    const reason = cureReason(clock, change, before, after, explicit);
    updates.push({
      clock: await updateClock(tx, clock.id, { ...patch, generation: clock.generation + 1 }),
      supersededJobId,
      ...(reason
        ? {
            cured: {
              generation: clock.generation,
              reason,
              by: actor,
              at: now,
              dueAt: clock.dueAt,
              targetMs: clock.durationMs,
              ...(reason === "done"
                ? { task: deps.policy.incidentTypes[after.type]?.clocks[clock.name]?.stopLabel }
                : {}),
            },
          }
        : {}),
    });
  }
  await updateIncidentDeadlines(tx, after.id, deadlinesFrom(updates.map((u) => u.clock)));
  return updates;
}

/**
 * Whether the change puts right a breach of the clock that went up its ladder unacknowledged,
 * and how: the update posted (the cadence restarts), the incident resolved or closed, an extra
 * clock's task done, the last callback made, or the incident taken on (respond stops). A hold,
 * a re-plan or a reopen leaves the breach standing.
 */
function cureReason(
  clock: SlaClockRow,
  change: ClockChange,
  before: IncidentRow,
  after: IncidentRow,
  explicit: ExplicitClockChanges,
): DealtWith | null {
  if (!clock.breachedAt || clock.ladderAcknowledgedBy || clock.state !== "running") return null;
  const moved = before.status !== after.status;
  if (moved && after.status === "closed") return "closed";
  if (moved && after.status === "resolved") return "resolved";
  if (change === "restart" || change === "cadence") return "update";
  if (change !== "stop") return null;
  if (explicit.stop?.includes(clock.name)) return clock.name === CALLBACKS_CLOCK ? "callbacks" : "done";
  return clock.name === "respond" ? "acknowledged" : null;
}

/**
 * A stopped clock that a reopen brings back: the update cadence (stopped at resolve) restarts,
 * and `resolve`, stopped by a close while paused at resolve, resumes from that pause.
 */
function revives(clock: SlaClockRow, change: ClockChange): boolean {
  return (
    (change === "restart" && clock.name === "update_every") ||
    change === "cadence" ||
    change === "callbacks" ||
    (change === "resume" && clock.name === "resolve" && clock.pausedAt !== null)
  );
}

function clockPatch(deps: Deps, clock: SlaClockRow, change: ClockChange, incident: IncidentRow, now: Date) {
  const policy = clockPolicyOf(deps.policy, incident);
  const sla = policy.sla[incident.priority];
  const idle = { nextStep: null, nextStepAt: null };
  switch (change) {
    case "stop":
      return { state: "stopped" as const, ...idle };
    case "pause":
      return clock.state === "running" ? { state: "paused" as const, pausedAt: now, ...idle } : null;
    case "resume": {
      if (clock.state === "running" || !clock.pausedAt) return null;
      const pausedMs =
        clock.pausedMs + clockTimeBetween(clock.pausedAt, now, clock.hours, calendarOf(policy));
      return running(deps, { ...clock, pausedMs }, incident, now);
    }
    case "replan": {
      const durationMs = { respond: sla.respondMs, update_every: sla.updateEveryMs, resolve: sla.resolveMs }[
        clock.name as "respond"
      ];
      if (durationMs === undefined) return null;
      const warnOffsetsMs = [Math.floor(durationMs * policy.warnAt)];
      const replanned = { ...clock, durationMs, hours: sla.hours, warnOffsetsMs };
      return clock.state === "running"
        ? running(deps, replanned, incident, now)
        : { durationMs, hours: sla.hours, warnOffsetsMs };
    }
    case "cadence": {
      // The audience was just told (or the incident is back): its cadence starts from now.
      const durationMs = cadenceMs(policy, incident.type, clock.name);
      if (durationMs === null) return null;
      const restarted = { ...clock, startedAt: now, durationMs, hours: "always" as const, pausedMs: 0 };
      return running(
        deps,
        { ...restarted, warnOffsetsMs: [Math.floor(durationMs * policy.warnAt)] },
        incident,
        now,
      );
    }
    case "callbacks": {
      const plan = callbackClock(policy, { ...incident, incidentId: incident.id, now });
      return plan ? running(deps, { ...clock, ...plan, breachedAt: null }, incident, now) : null;
    }
    case "restart": {
      // The update cadence runs to the time promised in the last update, in calendar time; on a
      // reopen that promise is in the past, so the priority's cadence starts afresh.
      const promised = incident.nextUpdateDueAt;
      const due = promised && promised > now ? promised : new Date(now.getTime() + sla.updateEveryMs);
      const durationMs = Math.max(0, due.getTime() - now.getTime());
      const restarted = { ...clock, startedAt: now, durationMs, hours: "always" as const, pausedMs: 0 };
      return running(
        deps,
        { ...restarted, warnOffsetsMs: [Math.floor(durationMs * policy.warnAt)] },
        incident,
        now,
      );
    }
  }
}

function running(deps: Deps, clock: SlaClockRow, incident: IncidentRow, now: Date) {
  return {
    state: "running" as const,
    startedAt: clock.startedAt,
    durationMs: clock.durationMs,
    hours: clock.hours,
    pausedMs: clock.pausedMs,
    pausedAt: null,
    warnOffsetsMs: clock.warnOffsetsMs,
    breachedAt: null,
    ladderAcknowledgedAt: null,
    ladderAcknowledgedBy: null,
    ...scheduleFields(clockPolicyOf(deps.policy, incident), clock, incident.priority, now),
  };
}

/** Deadlines shown on the card and Home: running clocks' due times; others clear theirs. */
export function deadlinesFrom(
  clocks: Array<Pick<SlaClockRow, "name" | "dueAt"> & Partial<Pick<SlaClockRow, "state">>>,
) {
  const due = (name: string) => {
    const clock = clocks.find((c) => c.name === name);
    if (!clock) return undefined;
    // A clock planned but not yet written runs from the start.
    return (clock.state ?? "running") === "running" ? clock.dueAt : null;
  };
  return { respondDueAt: due("respond"), resolveDueAt: due("resolve"), nextUpdateDueAt: due("update_every") };
}

/**
 * Redis holds a timer only for steps due within this horizon. A step further away (a P4's
 * resolve clock days off, a complaint's 56 days) lives in PostgreSQL alone until the clock
 * reconciler, which runs every 30 s, arms it as it comes within range: an hour leaves it
 * 120 chances. Redis memory then follows the steps due in the next hour, not every open clock.
 */
export const TIMER_HORIZON_MS = 3_600_000;

/**
 * Puts each running clock's next step on the queue (after commit); removes superseded jobs;
 * queues the edit of the DMs of each breach the change put right.
 */
export async function scheduleClocks(deps: Deps, updates: ClockUpdate[]): Promise<void> {
  const horizon = Date.now() + TIMER_HORIZON_MS;
  for (const { supersededJobId } of updates) {
    if (supersededJobId) await deps.jobs.remove("sla.fire", supersededJobId).catch(() => {});
  }
  for (const { clock, cured } of updates) if (cured) await queueBreachDmEdit(deps, clock.id, cured);
  const due = updates.flatMap(({ clock }) =>
    clock.state === "running" && clock.nextStep && clock.nextStepAt && clock.nextStepAt.getTime() <= horizon
      ? [{ clock, step: clock.nextStep, at: clock.nextStepAt }]
      : [],
  );
  // One round trip for all of them (a group of steps fired together moves many clocks on).
  await deps.jobs.enqueueMany(
    "sla.fire",
    due.map(({ clock, step, at }) => ({
      payload: { clockId: clock.id, generation: clock.generation, step },
      jobId: jobIds.slaStep(clock.id, clock.generation, step),
      at,
    })),
  );
}

/**
 * Queues (after the commit) the durable job that edits the DMs of a breach once it was dealt
 * with: one job per clock and generation.
 */
export async function queueBreachDmEdit(deps: Deps, clockId: string, cure: Cure): Promise<void> {
  const { generation, reason, by, task } = cure;
  await deps.jobs
    .enqueue(
      "escalation.ack-edit",
      {
        clockId,
        cure: {
          generation,
          reason,
          by,
          at: cure.at.getTime(),
          dueAt: cure.dueAt.getTime(),
          targetMs: cure.targetMs,
          ...(task ? { task } : {}),
        },
      },
      { jobId: jobIds.breachDmEdit(clockId, generation) },
    )
    .catch((err: unknown) =>
      deps.logger.warn({ clockId, err: describeError(err) }, "escalation DM edit not queued"),
    );
}
