import type { Db } from "../db/client.js";
import {
  getIncidentByPracticeRun,
  getPracticeRunBySubmissionKey,
  insertPracticeRun,
} from "../db/queries/practice-runs.js";
import type { IncidentRow } from "../db/schema/index.js";
import { authorizePractice } from "../domain/permissions.js";
import type { PracticeScenario } from "../domain/policy-types.js";
import { type PracticeSpeed, scenarioFor } from "../domain/practice-scenarios.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import type { Deps } from "./deps.js";
import { commitLoggedIncident, queueFollowUps } from "./log-incident.js";

/**
 * Starting a practice drill (issue 23): the run row and its incident, logged through the same
 * path as a real one. The incident carries the scenario's report as the caller gave it, with
 * the first trainee as the reporting agent; it is logged at low impact and low urgency, not at
 * the scenario's expected classification, because classifying it is the trainee's job (the
 * debrief marks whether they re-categorised it right). The lead is the log's author of that
 * first record, so the trainee is marked only on what they changed.
 */

export const PRACTICE_LOGGED_AS = { impact: "low", urgency: "low" } as const;

export interface StartPracticeInput {
  scenarioKey: string;
  traineeIds: string[];
  speed: PracticeSpeed;
  leadId: string;
  /** The form's view id: the same submission twice starts one drill. */
  submissionKey: string;
}

export interface StartedPractice {
  incident: IncidentRow;
  reference: string;
  runId: string;
  scenario: PracticeScenario;
  created: boolean;
}

export type StartPracticeError = { code: "forbidden" | "unknown_scenario" | "no_trainee"; message: string };

export async function startPractice(
  deps: Deps,
  input: StartPracticeInput,
): Promise<Result<StartedPractice, StartPracticeError>> {
  const allowed = authorizePractice(deps.policy, input.leadId);
  if (!allowed.ok) return err(allowed.error);
  const scenario = scenarioFor(deps.policy, input.scenarioKey);
  if (!scenario) {
    return err({
      code: "unknown_scenario",
      message: "That scenario is no longer in the policy: choose another.",
    });
  }
  const reporterId = input.traineeIds[0];
  if (!reporterId) return err({ code: "no_trainee", message: "Choose at least one trainee." });
  const started = await deps.db.transaction(async (tx) => {
    const run = await insertPracticeRun(tx, {
      scenarioKey: scenario.key,
      // The scenario as it is now: later edits of the policy do not change this drill's marking.
      scenario: { ...scenario },
      speed: input.speed,
      leadId: input.leadId,
      traineeIds: input.traineeIds,
      submissionKey: input.submissionKey,
    });
    if (!run) return null;
    // The run and its incident commit together: a drill never exists without its incident.
    // commitLoggedIncident only reads and writes through `db`, which here is the transaction.
    const committed = await commitLoggedIncident(
      { ...deps, db: tx as unknown as Db },
      {
        title: scenario.report.title,
        description: scenario.report.description,
        type: scenario.report.type,
        reportChannel: scenario.report.channel,
        ...PRACTICE_LOGGED_AS,
        callerReference: scenario.report.callerReference ?? undefined,
        reportedAt: deps.clock.now(),
        reporterId,
        loggedBy: input.leadId,
        submissionKey: input.submissionKey,
        practice: { runId: run.id, speed: input.speed },
      },
    );
    return { committed, runId: run.id };
  });
  if (started) {
    await queueFollowUps(deps, started.committed);
    deps.logger.info(
      {
        incidentId: started.committed.incident.id,
        reference: started.committed.reference,
        runId: started.runId,
      },
      "practice drill started",
    );
    return ok({ ...started.committed, runId: started.runId, scenario, created: true });
  }
  return ok(await startedBefore(deps, input.submissionKey, scenario));
}

/** The drill an earlier delivery of this submission started. */
async function startedBefore(deps: Deps, submissionKey: string, scenario: PracticeScenario) {
  const run = await getPracticeRunBySubmissionKey(deps.db, submissionKey);
  const incident = run ? await getIncidentByPracticeRun(deps.db, run.id) : null;
  if (!run || !incident) throw new Error("practice submission seen before, but its drill is not there");
  return { incident, reference: formatReference(incident.number), runId: run.id, scenario, created: false };
}
