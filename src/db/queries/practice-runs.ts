import { eq } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import { type IncidentRow, incidents, type PracticeRunRow, practiceRuns } from "../schema/index.js";

/** Starting a practice drill (issue 23): its run row, written once per form submission. */

export interface NewPracticeRun {
  scenarioKey: string;
  scenario: Record<string, unknown>;
  speed: number;
  leadId: string;
  traineeIds: string[];
  submissionKey: string;
}

/**
 * Writes the run; null when this submission wrote one before (a resubmitted form, or Slack's
 * retry). A twin delivery waits on the unique submission key until the first commits.
 */
export async function insertPracticeRun(db: DbOrTx, run: NewPracticeRun): Promise<PracticeRunRow | null> {
  const [row] = await db.insert(practiceRuns).values(run).onConflictDoNothing().returning();
  return row ?? null;
}

export async function getPracticeRunBySubmissionKey(
  db: DbOrTx,
  submissionKey: string,
): Promise<PracticeRunRow | null> {
  const [row] = await db.select().from(practiceRuns).where(eq(practiceRuns.submissionKey, submissionKey));
  return row ?? null;
}

/** The incident a drill logged (one per run). */
export async function getIncidentByPracticeRun(db: DbOrTx, runId: string): Promise<IncidentRow | null> {
  const [row] = await db.select().from(incidents).where(eq(incidents.practiceRunId, runId)).limit(1);
  return row ?? null;
}

/** Who takes part in a drill, its speed and scenario: what its channel and card say about it. */
export async function drillOfRun(db: DbOrTx, runId: string) {
  const [row] = await db
    .select({
      leadId: practiceRuns.leadId,
      traineeIds: practiceRuns.traineeIds,
      speed: practiceRuns.speed,
      scenario: practiceRuns.scenario,
    })
    .from(practiceRuns)
    .where(eq(practiceRuns.id, runId));
  return row ?? null;
}
export type DrillOfRun = NonNullable<Awaited<ReturnType<typeof drillOfRun>>>;
