import { and, asc, desc, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../client.js";
import {
  type IncidentRow,
  incidents,
  type PracticeInjectRow,
  type PracticeRunRow,
  practiceInjects,
  practiceRuns,
} from "../schema/index.js";

/** Practice drills (issue 23): their runs, timed injects and debriefs. */

export async function getPracticeRun(db: DbOrTx, id: string): Promise<PracticeRunRow | null> {
  const [row] = await db.select().from(practiceRuns).where(eq(practiceRuns.id, id));
  return row ?? null;
}

/** The run, locked: ending a drill and adding coaching notes never interleave. */
export async function lockPracticeRun(tx: Tx, id: string): Promise<PracticeRunRow | null> {
  const [row] = await tx.select().from(practiceRuns).where(eq(practiceRuns.id, id)).for("update");
  return row ?? null;
}

/** Whether the drill has ended, read under a share lock: ending it waits, and it for this. */
export async function runEndedLocked(tx: Tx, id: string): Promise<boolean> {
  const [row] = await tx
    .select({ endedAt: practiceRuns.endedAt })
    .from(practiceRuns)
    .where(eq(practiceRuns.id, id))
    .for("share");
  return !row || row.endedAt !== null;
}

/** The drill's incident (one per run). */
export async function getPracticeIncident(db: DbOrTx, runId: string): Promise<IncidentRow | null> {
  const [row] = await db.select().from(incidents).where(eq(incidents.practiceRunId, runId)).limit(1);
  return row ?? null;
}

/** Writes the run's inject rows; rows written before are left as they are. */
export async function insertPracticeInjects(
  db: DbOrTx,
  rows: Array<{ runId: string; position: number; dueAt: Date }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(practiceInjects).values(rows).onConflictDoNothing();
}

export function injectsOfRun(db: DbOrTx, runId: string): Promise<PracticeInjectRow[]> {
  return db
    .select()
    .from(practiceInjects)
    .where(eq(practiceInjects.runId, runId))
    .orderBy(asc(practiceInjects.position));
}

/** One inject, locked (posting it and its twin job never interleave). */
export async function lockPracticeInject(
  tx: Tx,
  runId: string,
  position: number,
): Promise<PracticeInjectRow | null> {
  const [row] = await tx
    .select()
    .from(practiceInjects)
    .where(and(eq(practiceInjects.runId, runId), eq(practiceInjects.position, position)))
    .for("update");
  return row ?? null;
}

export async function getPracticeInject(
  db: DbOrTx,
  runId: string,
  position: number,
): Promise<PracticeInjectRow | null> {
  const [row] = await db
    .select()
    .from(practiceInjects)
    .where(and(eq(practiceInjects.runId, runId), eq(practiceInjects.position, position)));
  return row ?? null;
}

export async function markInjectPosted(tx: DbOrTx, id: string, at: Date): Promise<void> {
  await tx
    .update(practiceInjects)
    .set({ postedAt: at, updatedAt: sql`now()` })
    .where(and(eq(practiceInjects.id, id), isNull(practiceInjects.postedAt)));
}

/** Injects written before `createdBefore`, not posted, of drills still running: for the sweep. */
export function listUnpostedInjects(db: DbOrTx, p: { createdBefore: Date; limit: number }) {
  return db
    .select({
      runId: practiceInjects.runId,
      position: practiceInjects.position,
      dueAt: practiceInjects.dueAt,
    })
    .from(practiceInjects)
    .innerJoin(practiceRuns, eq(practiceRuns.id, practiceInjects.runId))
    .where(
      and(
        isNull(practiceInjects.postedAt),
        isNull(practiceRuns.endedAt),
        lt(practiceInjects.createdAt, p.createdBefore),
      ),
    )
    .orderBy(asc(practiceInjects.dueAt))
    .limit(p.limit);
}

/** Drills whose incident was closed before `closedBefore` but that have no debrief yet. */
export function listClosedUndebriefedRuns(db: DbOrTx, p: { closedBefore: Date; limit: number }) {
  return db
    .select({ runId: practiceRuns.id })
    .from(practiceRuns)
    .innerJoin(incidents, eq(incidents.practiceRunId, practiceRuns.id))
    .where(
      and(
        isNull(practiceRuns.debrief),
        isNotNull(incidents.closedAt),
        lt(incidents.closedAt, p.closedBefore),
      ),
    )
    .limit(p.limit);
}

/** Ends a drill with its marking (only once: a run ended before keeps what it has). */
export async function finishPracticeRun(
  tx: DbOrTx,
  p: { id: string; endedAt: Date; endedBy: string; score: number; debrief: Record<string, unknown> },
): Promise<boolean> {
  const rows = await tx
    .update(practiceRuns)
    .set({
      endedAt: sql`coalesce(${practiceRuns.endedAt}, ${p.endedAt.toISOString()}::timestamptz)`,
      endedBy: sql`coalesce(${practiceRuns.endedBy}, ${p.endedBy})`,
      score: p.score,
      debrief: p.debrief,
      updatedAt: sql`now()`,
    })
    .where(and(eq(practiceRuns.id, p.id), isNull(practiceRuns.debrief)))
    .returning({ id: practiceRuns.id });
  return rows.length > 0;
}

export async function setCoachingNotes(
  tx: DbOrTx,
  p: { id: string; notes: string; by: string; at: Date },
): Promise<void> {
  await tx
    .update(practiceRuns)
    .set({ coachingNotes: p.notes, coachingBy: p.by, coachingAt: p.at, updatedAt: sql`now()` })
    .where(eq(practiceRuns.id, p.id));
}

/**
 * Debriefed drills a trainee took part in, newest first, with their incident's number.
 * `trainees`: any one of them (a lead's team); `leadId`: also the drills this lead ran.
 */
export function listDebriefedRunsOf(db: DbOrTx, p: { trainees: string[]; leadId?: string; limit: number }) {
  if (p.trainees.length === 0 && !p.leadId) return Promise.resolve([]);
  const trained =
    p.trainees.length > 0 ? sql`${practiceRuns.traineeIds} ?| ${sql.param(p.trainees)}::text[]` : sql`false`;
  return db
    .select({ run: practiceRuns, number: incidents.number })
    .from(practiceRuns)
    .innerJoin(incidents, eq(incidents.practiceRunId, practiceRuns.id))
    .where(
      and(
        isNotNull(practiceRuns.debrief),
        p.leadId ? or(trained, eq(practiceRuns.leadId, p.leadId)) : trained,
      ),
    )
    .orderBy(desc(practiceRuns.startedAt))
    .limit(p.limit);
}
