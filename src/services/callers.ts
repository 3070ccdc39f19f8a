import { sql } from "drizzle-orm";
import { callersReach, insertCallerReport, type NewCallerReportInput } from "../db/queries/caller-reports.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import type { IncidentRow } from "../db/schema/index.js";
import { callerRedrawSlot } from "../domain/callers.js";
import { callerVolumeOf } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { callbacksForLateCaller } from "./callbacks.js";
import { crossedSince, queueVolumeRaise, recordVolumeCrossing } from "./caller-volume.js";
import type { Deps } from "./deps.js";
import type { Refusal } from "./mutate-incident.js";

export type AddCallerInput = NewCallerReportInput;

export interface CallerAdded {
  incident: IncidentRow;
  reference: string;
  /** The caller report (the one recorded before, for a resubmission). */
  reportId: string;
  /** False when this submission had been recorded before (nothing more was written). */
  created: boolean;
  /** Set when this caller took the incident over its caller-volume threshold. */
  volume: { callers: number; withinMs: number } | null;
}

/**
 * Records one caller's contact about an incident: the report and its personal data, and a log
 * line saying how they got in touch and whether they want a callback (never who they are), in
 * one transaction. It holds a share lock on the incident row: a flood's reports commit side by
 * side, while a close or a merge (which lock the row for update) waits for the reports in
 * flight and they for it. The card is redrawn once per slot, not once per caller; stakeholders
 * are not told of single callers. After the commit, the callers in the volume window are
 * counted; at the threshold the crossing is logged once (recordVolumeCrossing) and its raise queued.
 */
export async function addCallerReport(
  deps: Deps,
  input: AddCallerInput,
): Promise<Result<CallerAdded, Refusal>> {
  const outcome = await deps.db.transaction(async (tx): Promise<Result<CallerAdded, Refusal>> => {
    const [locked] = await tx.execute<{ id: string }>(
      sql`select id from incidents where id = ${input.incidentId}::uuid for share`,
    );
    const incident = locked ? await getIncidentById(tx, input.incidentId) : null;
    if (!incident)
      return err({ code: "not_found", message: "That incident no longer exists. Nothing was recorded." });
    const refused = await refusal(tx, incident);
    if (refused) return err(refused);
    const report = await insertCallerReport(tx, input);
    const reference = formatReference(incident.number);
    if (!report.created)
      return ok({ incident, reference, reportId: report.id, created: false, volume: null });
    await appendLog(tx, {
      incidentId: incident.id,
      actor: input.reportedBy,
      kind: "caller_report_added",
      details: {
        reportId: report.id,
        reportChannel: input.reportChannel,
        callback: input.callback,
        contactedAt: input.contactedAt.toISOString(),
      },
    });
    return ok({ incident, reference, reportId: report.id, created: true, volume: null });
  });
  if (!outcome.ok || !outcome.value.created) return outcome;
  deps.metrics.callerReportsAdded.inc({ channel: input.reportChannel });
  const volume = await crossingBy(deps, outcome.value);
  await redrawForCallers(deps, input.incidentId);
  if (volume) await queueVolumeRaise(deps, input.incidentId, outcome.value.reportId);
  // After the fix: the caller joins the callback list (and its clock) straight away.
  if (input.callback !== "no" && outcome.value.incident.status === "resolved")
    await callbacksForLateCaller(deps, input.incidentId);
  return ok({ ...outcome.value, volume });
}

/**
 * Whether this caller's report took the incident to its caller-volume threshold: counted after
 * the commit, so every report committed by then is seen; logged once per window. If this process
 * stops before logging it, the next caller over the threshold logs it.
 */
async function crossingBy(deps: Deps, added: CallerAdded): Promise<CallerAdded["volume"]> {
  const rule = callerVolumeOf(deps.policy, added.incident.type);
  // A drill's made-up callers never raise it (issue 23): the trainee sets the priority.
  if (!rule || added.incident.practiceRunId !== null) return null;
  const now = deps.clock.now();
  const since = new Date(now.getTime() - rule.withinMs);
  // Once crossed, the rest of the flood is the same crossing: one indexed look, no counting.
  if (await crossedSince(deps.db, added.incident.id, since)) return null;
  const callers = await callersReach(deps.db, {
    incidentId: added.incident.id,
    since,
    atLeast: rule.threshold,
  });
  if (callers < rule.threshold) return null;
  const crossing = { key: added.reportId, callers, threshold: rule.threshold, withinMs: rule.withinMs };
  const logged = await deps.db.transaction((tx) =>
    recordVolumeCrossing(tx, added.incident.id, crossing, now),
  );
  return logged ? { callers, withinMs: rule.withinMs } : null;
}

/** Why no caller may be added to this incident now; null when one may. */
async function refusal(tx: Deps["db"], incident: IncidentRow): Promise<Refusal | null> {
  const ref = formatReference(incident.number);
  if (incident.mergedIntoId) {
    const master = await getIncidentById(tx, incident.mergedIntoId);
    const to = master ? formatReference(master.number) : "its master incident";
    return {
      code: "merged",
      message: `${ref} was closed as a duplicate of ${to}: add the caller to ${to} instead. Nothing was recorded.`,
    };
  }
  if (incident.status === "closed") {
    return {
      code: "closed",
      message: `${ref} is closed. If the problem is back, log a new incident (or ask a team lead to reopen ${ref}). Nothing was recorded.`,
    };
  }
  return null;
}

/** Queues the card's redraw at the end of this report's slot, unless one is queued for it already. */
async function redrawForCallers(deps: Deps, incidentId: string): Promise<void> {
  const { slot, endsAt } = callerRedrawSlot(deps.clock.now());
  try {
    await deps.jobs.enqueue(
      "card.refresh",
      { incidentId },
      { jobId: jobIds.cardRefreshForCallers(incidentId, slot), pacedFrom: endsAt },
    );
  } catch (e) {
    // The next report, or the next change to the incident, redraws it.
    deps.logger.warn({ incidentId, err: describeError(e) }, "card redraw after a caller report not queued");
  }
}
