import type { Tx } from "../db/client.js";
import { callbackTally } from "../db/queries/callbacks.js";
import { appendLog, type LogEntry } from "../db/queries/incident-log.js";
import { lockIncidentsOfClocks } from "../db/queries/mutate.js";
import { type NewOutboxMessage, upsertClaimedOutboxRows } from "../db/queries/outbox.js";
import { firedSteps, lockClocks, moveClocks, recordSteps, stepKey } from "../db/queries/sla-clocks.js";
import type { IncidentRow, OutboxRow, SlaClockRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueDeliveries } from "../delivery/queue.js";
import { CALLBACKS_CLOCK, type CallbackTally } from "../domain/callbacks.js";
import { type ClockStep, parseStep, stepAfter, stepTime } from "../domain/clock-steps.js";
import { ladderStep, ladderStepTime, recipients } from "../domain/escalation.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { clockPolicyOf } from "../domain/practice-clocks.js";
import { postAt, workPlaceOf } from "../domain/work-place.js";
import { jobIds } from "../jobs/catalog.js";
import { callbackClockNotice } from "../messages/callbacks.js";
import { clockNotice, escalationDm, ladderClimbLine, slaBreach, slaWarning } from "../messages/sla.js";
import type { Deps } from "./deps.js";
import { scheduleClocks } from "./sla-clocks.js";
import { clockLabel, stepPlanOf } from "./sla-plan.js";

/** A step that runs this much after its planned time is logged as late, with the reason. */
const LATE_TOLERANCE_MS = 1_000;

export type FireOutcome = "fired" | "stale" | "duplicate";

interface StepWork {
  log: LogEntry[];
  posts: NewOutboxMessage[];
  /** What the step changes on its clock besides moving it on (moveClocks writes these). */
  patch: { breachedAt?: Date };
}

export interface StepJob {
  clockId: string;
  generation: number;
  step: string;
}

type StepResult =
  | { outcome: "stale" }
  | { outcome: "duplicate"; clock: SlaClockRow }
  | { outcome: "fired"; clock: SlaClockRow; posts: OutboxRow[] };

/** Hands a step's committed posts to delivery; `claimed` as in upsertClaimedOutboxRows. */
type Deliver = (posts: OutboxRow[], claimed: ReadonlySet<string>) => Promise<void>;

/**
 * Runs clock steps, each exactly once, in one transaction: lock their incidents, then their
 * clocks (each in id order, the order every change takes, so they never deadlock); a step
 * whose job is not for its clock's current generation and next step is stale and does
 * nothing; record the rest in sla_events (a step found there already fired and does
 * nothing); write the log entries and the outbox rows for the messages, and move each clock
 * to its next step. Only then are the posts handed to `deliver` (the worker posts them at
 * once) and the next steps queued; if that is lost, the sweep and the reconciler redo it.
 *
 * Many steps falling due together (a breach storm) share one transaction and its round trips
 * instead of paying for one each; the locks, and then the writes, are pipelined on the
 * transaction's connection. With `claimPosts` (a `deliver` that posts at once) the outbox rows
 * are written claimed for their first attempt, saving each post a statement before Slack.
 * Returns each job's outcome, in order.
 */
export async function fireClockSteps(
  deps: Deps,
  jobs: StepJob[],
  deliver: Deliver = (posts) =>
    queueDeliveries(
      deps,
      posts.map((p) => p.id),
    ),
  opts: { claimPosts?: boolean } = {},
): Promise<FireOutcome[]> {
  const now = deps.clock.now();
  const { results, claimed } = await deps.db.transaction((tx) =>
    runSteps(deps, tx, jobs, { now, claimPosts: opts.claimPosts ?? false }),
  );
  const moved = [];
  for (const result of results) {
    if (result.outcome === "stale") continue;
    if (result.outcome === "fired") await deliver(result.posts, claimed);
    moved.push({ clock: result.clock, supersededJobId: null });
  }
  await scheduleClocks(deps, moved);
  // A breach changes the card; its edit waits for its turn in the workspace's edit budget.
  await deps.jobs.enqueueMany(
    "card.refresh",
    results.flatMap((result, i) =>
      result.outcome === "fired" && jobs[i]?.step === "breach"
        ? [
            {
              payload: { incidentId: result.clock.incidentId },
              jobId: jobIds.cardRefreshOnBreach(result.clock.id, jobs[i].generation),
            },
          ]
        : [],
    ),
  );
  return results.map((r) => r.outcome);
}

interface DueStep {
  index: number;
  job: StepJob;
  step: ClockStep;
  clock: SlaClockRow;
  incident: IncidentRow;
  plan: ReturnType<typeof stepPlanOf>;
  plannedAt: Date;
  lateMs: number;
}

async function runSteps(
  deps: Deps,
  tx: Tx,
  jobs: StepJob[],
  { now, claimPosts }: { now: Date; claimPosts: boolean },
): Promise<{ results: StepResult[]; claimed: ReadonlySet<string> }> {
  const clockIds = [...new Set(jobs.map((j) => j.clockId))];
  // Sent together, run in this order: incidents, then clocks, as every change locks them.
  const [lockedIncidents, lockedClocks] = await Promise.all([
    lockIncidentsOfClocks(tx, clockIds),
    lockClocks(tx, clockIds),
  ]);
  const incidents = new Map(lockedIncidents.map((i) => [i.id, i]));
  const clocks = new Map(lockedClocks.map((c) => [c.id, c]));
  const results: StepResult[] = jobs.map(() => ({ outcome: "stale" }));
  const due: DueStep[] = [];
  const taken = new Set<string>();
  for (const [index, job] of jobs.entries()) {
    const clock = clocks.get(job.clockId);
    if (clock?.state !== "running" || clock.generation !== job.generation || clock.nextStep !== job.step)
      continue;
    const incident = incidents.get(clock.incidentId);
    // The same step queued twice in one batch runs once; the other finds it stale.
    if (!incident || !parseStep(job.step) || taken.has(clock.id)) continue;
    taken.add(clock.id);
    const step = job.step as ClockStep;
    // A drill's warnings and repeats come at its speed (practice-clocks.ts).
    const plan = stepPlanOf(clockPolicyOf(deps.policy, incident), clock, incident.priority);
    const plannedAt = stepTime(step, plan);
    const lateMs = Math.min(Math.max(0, now.getTime() - plannedAt.getTime()), 2 ** 31 - 1);
    due.push({ index, job, step, clock, incident, plan, plannedAt, lateMs });
  }
  if (due.length === 0) return { results, claimed: new Set() };
  const firsts = await recordSteps(
    tx,
    due.map((d) => ({ ...d.job, plannedAt: d.plannedAt, lateMs: d.lateMs })),
  );
  // A callback clock's notices say how many callbacks are still to make (read under the lock).
  const callbacks = new Map<string, CallbackTally>();
  for (const d of due.filter((d) => d.clock.name === CALLBACKS_CLOCK))
    callbacks.set(d.clock.id, await callbackTally(tx, d.incident.id));
  // A climb's DM says when each earlier rung was told: when its step fired (this batch's too).
  const climbing = due.filter((d) => {
    const parsed = parseStep(d.step);
    return parsed?.kind === "escalate" && parsed.index > 0;
  });
  const fired = await firedSteps(
    tx,
    climbing.map((d) => d.clock),
  );
  const log: LogEntry[] = [];
  const posts: NewOutboxMessage[] = [];
  const patches = due.map((d): { fired: boolean; keys: string[]; patch: StepWork["patch"] & Following } => {
    const ladderLength = deps.policy.incidentTypes[d.incident.type]?.escalation.length ?? 0;
    const following = followingStep(d.clock, d.step, d.plan, { now, ladderLength });
    // Fired before but the clock did not move on (crash between the two): move it on now.
    if (!firsts.has(stepKey(d.job))) return { fired: false, keys: [], patch: following };
    const work = stepWork(deps, d.clock, d.incident, d.step, {
      plannedAt: d.plannedAt,
      lateMs: d.lateMs,
      now,
      callbacks: callbacks.get(d.clock.id),
      fired,
    });
    log.push(...work.log);
    posts.push(...work.posts);
    return { fired: true, keys: work.posts.map((p) => p.dedupeKey), patch: { ...work.patch, ...following } };
  });
  // The clocks as this transaction leaves them (they are locked: nothing else writes them).
  const moved = due.map((d, i) => ({ ...d.clock, ...patches[i]!.patch }));
  const [, { rows, claimed }] = await Promise.all([
    appendLog(tx, log),
    upsertClaimedOutboxRows(tx, posts, claimPosts ? deps.outboxLeaseMs : undefined),
    moveClocks(tx, moved),
  ]);
  const byKey = new Map(rows.map((r) => [r.dedupeKey, r]));
  for (const [i, d] of due.entries()) {
    const { fired, keys } = patches[i]!;
    const clock = moved[i]!;
    results[d.index] = fired
      ? { outcome: "fired", clock, posts: keys.flatMap((k) => byKey.get(k) ?? []) }
      : { outcome: "duplicate", clock };
  }
  return { results, claimed };
}

type Following = Pick<SlaClockRow, "nextStep" | "nextStepAt">;

function followingStep(
  clock: SlaClockRow,
  step: ClockStep,
  plan: ReturnType<typeof stepPlanOf>,
  t: { now: Date; ladderLength: number },
): Following {
  // Extra clocks (regulator, complaint) notify their roles; they have no ladder after the breach.
  const ends = step === "breach" && clock.notifyRoles.length > 0;
  if (ends) return { nextStep: null, nextStepAt: null };
  const next = stepAfter(step, plan, t.now, t.ladderLength);
  return { nextStep: next as string, nextStepAt: stepTime(next, plan) };
}

function stepWork(
  deps: Deps,
  clock: SlaClockRow,
  incident: IncidentRow,
  step: ClockStep,
  t: {
    plannedAt: Date;
    lateMs: number;
    now: Date;
    callbacks?: CallbackTally;
    fired?: ReadonlyMap<string, Date>;
  },
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
          t.callbacks
            ? callbackClockNotice(incident, {
                tally: t.callbacks,
                dueAt: clock.dueAt,
                timezone: tz,
                breached: false,
              })
            : slaWarning(incident, {
                clock: label,
                dueAt: clock.dueAt,
                timezone: tz,
                ...firstRung(deps, incident),
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
  t: { now: Date; lateMs: number; callbacks?: CallbackTally },
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
  const escalation = {
    escalatingTo: first?.role.replace(/_/g, " ") ?? null,
    dmed: first ? recipients(deps.policy.roles, first.role) : [],
  };
  const notice = t.callbacks
    ? callbackClockNotice(incident, {
        tally: t.callbacks,
        dueAt: clock.dueAt,
        timezone: tz,
        breached: true,
        ...escalation,
      })
    : slaBreach(incident, { clock: label, dueAt: clock.dueAt, timezone: tz, ...escalation });
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
  t: { now: Date; fired?: ReadonlyMap<string, Date> },
): Pick<StepWork, "log" | "posts"> {
  const ladder = deps.policy.incidentTypes[incident.type]?.escalation ?? [];
  if (ladder.length === 0) return { log: [], posts: [] };
  const rung = ladderStep(ladder, index);
  const to = recipients(deps.policy.roles, rung.role);
  const overdueMs = Math.max(0, t.now.getTime() - clock.dueAt.getTime());
  const repeatMs = clockPolicyOf(deps.policy, incident).sla[incident.priority].repeatMs;
  // The earlier rungs, when their steps fired; a top-role reminder folded away after an outage
  // never fired and is left out. Without the fired times, when the ladder planned them. The DM
  // names each person once, with how many reminders they had (alreadyToldPeople).
  const alreadyTold = Array.from({ length: index }, (_, j) => {
    const earlier = ladderStep(ladder, j);
    const step = j === 0 ? "breach" : `escalate-${j}`;
    const at = t.fired
      ? t.fired.get(stepKey({ clockId: clock.id, generation: clock.generation, step }))
      : ladderStepTime(clock.dueAt, repeatMs, j);
    return at ? [{ role: earlier.role, holders: recipients(deps.policy.roles, earlier.role), at }] : [];
  }).flat();
  const dm = (recipient: string) =>
    escalationDm(incident, {
      clockId: clock.id,
      clock: clockLabel(clock.name),
      clockName: clock.name,
      targetMs: clock.durationMs,
      overdueMs,
      ...rung,
      alreadyTold,
      timezone: deps.policy.timezone,
      recipient,
    });
  const step = `escalate-${index}`;
  // The owner's copy says the breach is theirs to put right; everyone else's is the same.
  const posts: NewOutboxMessage[] = to.map((user) => ({
    incidentId: incident.id,
    dedupeKey: outboxKey.escalationDm(clock, step, user),
    purpose: "escalation_dm",
    channel: user,
    message: dm(user),
  }));
  // The breach notice names the first rung; each climb after it is told in the channel too.
  const place = workPlaceOf(incident);
  if (index > 0 && place) {
    posts.push({
      incidentId: incident.id,
      dedupeKey: outboxKey.slaNotice(clock, step),
      purpose: "sla_notice",
      ...postAt(
        place,
        ladderClimbLine(
          incident,
          { clock: clockLabel(clock.name), clockName: clock.name, ...rung, to, at: t.now },
          deps.policy.timezone,
        ),
      ),
    });
  }
  return {
    log: [entry(incident, "escalation_sent", { ...base, level: rung.level, role: rung.role, to, overdueMs })],
    posts,
  };
}

/** Who is asked to take an incident nobody owns when a warning comes: the first rung of its ladder. */
function firstRung(deps: Deps, incident: IncidentRow): { ladderFirst: string[]; ladderRole?: string } {
  const ladder = deps.policy.incidentTypes[incident.type]?.escalation ?? [];
  if (ladder.length === 0) return { ladderFirst: [] };
  const { role } = ladderStep(ladder, 0);
  return { ladderFirst: recipients(deps.policy.roles, role), ladderRole: role };
}

/**
 * The notice for where the incident is worked (its channel or thread). One with neither yet (its set-up
 * is still failing, e.g. Slack down) gets it by DM to its owner, else its reporter, rather than
 * not at all.
 */
function channelPost(
  incident: IncidentRow,
  clock: SlaClockRow,
  step: string,
  message: object,
): NewOutboxMessage[] {
  const place = workPlaceOf(incident);
  return [
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.slaNotice(clock, step),
      purpose: "sla_notice",
      ...(place
        ? postAt(place, message)
        : { channel: incident.ownerId ?? incident.reporterId, message: message as Record<string, unknown> }),
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
    dedupeKey: outboxKey.clockNotice(clock, step, user),
    purpose: "clock_notice",
    channel: user,
    message: message as Record<string, unknown>,
  }));
}

function entry(incident: IncidentRow, kind: LogEntry["kind"], details: Record<string, unknown>): LogEntry {
  return { incidentId: incident.id, actor: SYSTEM_ACTOR, kind, details };
}
