import { randomUUID } from "node:crypto";
import type { LogEntry } from "../db/queries/incident-log.js";
import {
  getIncidentBySubmissionKey,
  insertIncidentRecords,
  type NewIncidentRecords,
  numberForSubmission,
} from "../db/queries/incidents.js";
import type { IncidentRow, SlaClockRow } from "../db/schema/index.js";
import type { Impact, Priority, ReportChannel, Urgency } from "../domain/incident.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { clockPolicyOf } from "../domain/practice-clocks.js";
import { derivePriority, isMajorPriority } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import type { Deps } from "./deps.js";
import { deadlinesFrom, scheduleClocks } from "./sla-clocks.js";
import { initialClocks } from "./sla-plan.js";

export interface LogIncidentInput {
  title: string;
  description: string;
  type: string;
  reportChannel: ReportChannel;
  impact: Impact;
  urgency: Urgency;
  affectedService?: string;
  callerReference?: string;
  reportedAt: Date;
  priorityOverride?: Priority;
  overrideReason?: string;
  reporterId: string;
  /** Idempotency key (the modal's view id): the same submission twice logs one incident. */
  submissionKey?: string;
  source?: { channel: string; ts: string };
  /** A practice drill's incident: marked for good at logging (see practice_runs). */
  practice?: { runId: string; speed: number };
  /**
   * Who wrote the record, when not the reporter: a drill's lead logs the scenario's report for
   * the trainee, so the log shows the lead's first classification, and the trainee's changes.
   */
  loggedBy?: string;
}

export interface CommittedIncident {
  incident: IncidentRow;
  reference: string;
  created: boolean;
  /** The clocks this submission wrote, to be queued (none when it had been logged before). */
  clocks: SlaClockRow[];
}

/**
 * Commits the incident, its caller reference and its first log entries in one transaction,
 * then queues the Slack follow-ups. If the queue is unreachable the incident still stands:
 * the maintenance sweep finds incidents whose setup never started and queues it.
 */
export async function logIncident(deps: Deps, input: LogIncidentInput): Promise<CommittedIncident> {
  const committed = await commitLoggedIncident(deps, input);
  await queueFollowUps(deps, committed);
  return committed;
}

/**
 * The part of logging an incident that the person submitting it waits for: once this returns,
 * the incident exists in PostgreSQL, and everything that follows can be recovered from there.
 * A submission seen before (same view id) returns the incident it created.
 */
export async function commitLoggedIncident(deps: Deps, input: LogIncidentInput): Promise<CommittedIncident> {
  const drawn = await numberForSubmission(deps.db, input.submissionKey ?? null);
  const committed = drawn.existing ? null : await commitIncident(deps, input, drawn.number);
  const incident = committed?.incident ?? (await submittedBefore(deps, input));
  const created = committed !== null;
  if (created) {
    deps.metrics.incidentsLogged.inc({ priority: incident.priority });
    deps.logger.info(
      { incidentId: incident.id, reference: formatReference(incident.number), priority: incident.priority },
      "incident logged",
    );
  }
  return { incident, reference: formatReference(incident.number), created, clocks: committed?.clocks ?? [] };
}

/** The incident an earlier delivery of this submission logged. */
async function submittedBefore(deps: Deps, input: LogIncidentInput): Promise<IncidentRow> {
  const row = input.submissionKey ? await getIncidentBySubmissionKey(deps.db, input.submissionKey) : null;
  if (!row) throw new Error("submission seen before, but its incident is not there");
  return row;
}

/** Queues the set-up job and the first clocks; what does not make it, the sweep and the reconciler queue later. */
export async function queueFollowUps(deps: Deps, { incident, clocks }: CommittedIncident): Promise<void> {
  await Promise.all([
    queueSetup(deps, incident.id),
    clocks.length > 0 ? queueClocks(deps, incident.id, clocks) : null,
  ]);
}

/**
 * Writes the incident with its caller reference, first log entries and clocks in one statement:
 * with the round trip that drew its number, that is all the person submitting waits for. The
 * id is chosen here so that the clocks, and the deadlines they give the incident, are planned
 * before anything is written. Null when a twin delivery of the same submission committed first.
 */
async function commitIncident(
  deps: Deps,
  input: LogIncidentInput,
  number: number,
): Promise<{ incident: IncidentRow; clocks: SlaClockRow[] } | null> {
  const matrixPriority = derivePriority(deps.policy.priorityMatrix, input.impact, input.urgency);
  const override =
    input.priorityOverride && input.priorityOverride !== matrixPriority ? input.priorityOverride : null;
  const priority = override ?? matrixPriority;
  const id = randomUUID();
  const loggedAt = deps.clock.now();
  // A drill's clocks run at its speed (practice-clocks.ts).
  const clockPolicy = clockPolicyOf(deps.policy, {
    practiceRunId: input.practice?.runId,
    practiceSpeed: input.practice?.speed,
  });
  const plan = initialClocks(clockPolicy, { incidentId: id, type: input.type, priority, loggedAt });
  const incident: NewIncident = {
    id,
    number,
    title: input.title,
    description: input.description,
    type: input.type,
    affectedService: input.affectedService ?? null,
    reportChannel: input.reportChannel,
    impact: input.impact,
    urgency: input.urgency,
    matrixPriority,
    priority,
    priorityOverrideReason: override ? (input.overrideReason ?? null) : null,
    major: isMajorPriority(priority),
    reporterId: input.reporterId,
    submissionKey: input.submissionKey ?? null,
    sourceChannelId: input.source?.channel ?? null,
    sourceMessageTs: input.source?.ts ?? null,
    reportedAt: input.reportedAt,
    loggedAt,
    ...(input.practice ? { practiceRunId: input.practice.runId, practiceSpeed: input.practice.speed } : {}),
    ...deadlinesFrom(plan),
  };
  try {
    return await insertIncidentRecords(deps.db, {
      incident,
      callerReference: input.callerReference
        ? { value: input.callerReference, setBy: input.reporterId }
        : null,
      firstCaller:
        input.reportChannel === "internal_monitoring"
          ? null
          : {
              id: randomUUID(),
              reportChannel: input.reportChannel,
              contactedAt: input.reportedAt,
              reportedBy: input.reporterId,
            },
      log: creationEntries(incident, input, override),
      clocks: plan,
    });
  } catch (err) {
    // Two deliveries of the same submission raced: the other one committed first.
    if (input.submissionKey && isUniqueViolation(err)) return null;
    throw err;
  }
}

/** The new incident as written: the fields its first log entry quotes are all given. */
type NewIncident = NewIncidentRecords["incident"] &
  Pick<
    IncidentRow,
    | "title"
    | "type"
    | "reportChannel"
    | "impact"
    | "urgency"
    | "priority"
    | "matrixPriority"
    | "major"
    | "affectedService"
    | "reportedAt"
  >;

function creationEntries(
  incident: NewIncident,
  input: LogIncidentInput,
  override: Priority | null,
): LogEntry[] {
  const actor = input.loggedBy ?? input.reporterId;
  const entries: LogEntry[] = [
    {
      incidentId: incident.id,
      actor,
      kind: "created",
      details: {
        reference: formatReference(incident.number),
        title: incident.title,
        type: incident.type,
        reportChannel: incident.reportChannel,
        affectedService: incident.affectedService,
        impact: incident.impact,
        urgency: incident.urgency,
        priority: incident.priority,
        matrixPriority: incident.matrixPriority,
        major: incident.major,
        reportedAt: incident.reportedAt.toISOString(),
        source: input.source ?? null,
      },
    },
  ];
  if (override) {
    entries.push({
      incidentId: incident.id,
      actor,
      kind: "priority_overridden",
      details: { from: incident.matrixPriority, to: override, reason: input.overrideReason },
    });
  }
  if (input.callerReference) {
    // The log says that personal data was recorded, never what it was.
    entries.push({ incidentId: incident.id, actor, kind: "caller_reference_set", details: { set: true } });
  }
  return entries;
}

/** Puts the new incident's clocks on the queue; if Redis is down, the reconciler does it later. */
async function queueClocks(deps: Deps, incidentId: string, clocks: SlaClockRow[]): Promise<void> {
  try {
    await scheduleClocks(
      deps,
      clocks.map((clock) => ({ clock, supersededJobId: null })),
    );
  } catch (err) {
    deps.logger.warn({ incidentId, err: describeError(err) }, "clocks not queued; the reconciler will");
  }
}

async function queueSetup(deps: Deps, incidentId: string): Promise<void> {
  try {
    await deps.jobs.enqueue("incident.setup", { incidentId }, { jobId: jobIds.setup(incidentId) });
  } catch (err) {
    deps.logger.warn(
      { incidentId, err: describeError(err), actor: SYSTEM_ACTOR },
      "setup not queued; the sweep will retry",
    );
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return e?.code === "23505" || e?.cause?.code === "23505";
}
