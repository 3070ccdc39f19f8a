import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Status } from "../../domain/incident.js";
import type { DbOrTx } from "../client.js";
import { callerReferences, type IncidentRow, incidents, type NewIncidentRow } from "../schema/index.js";

export const OPEN_STATUSES: Status[] = ["open", "acknowledged", "in_progress", "on_hold"];

export async function insertIncident(db: DbOrTx, row: NewIncidentRow): Promise<IncidentRow> {
  const [inserted] = await db.insert(incidents).values(row).returning();
  if (!inserted) throw new Error("insert returned no row");
  return inserted;
}

export async function getIncidentById(db: DbOrTx, id: string): Promise<IncidentRow | null> {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  return row ?? null;
}

export async function getIncidentsByIds(db: DbOrTx, ids: string[]): Promise<IncidentRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(incidents).where(inArray(incidents.id, ids));
}

export async function getIncidentByNumber(db: DbOrTx, number: number): Promise<IncidentRow | null> {
  const [row] = await db.select().from(incidents).where(eq(incidents.number, number));
  return row ?? null;
}

export async function getIncidentBySubmissionKey(db: DbOrTx, key: string): Promise<IncidentRow | null> {
  const [row] = await db.select().from(incidents).where(eq(incidents.submissionKey, key));
  return row ?? null;
}

export async function getIncidentByChannel(db: DbOrTx, channelId: string): Promise<IncidentRow | null> {
  const [row] = await db.select().from(incidents).where(eq(incidents.channelId, channelId));
  return row ?? null;
}

export function listIncidents(
  db: DbOrTx,
  p: { filter: "open" | "mine" | "recent"; userId: string; limit: number },
) {
  const open = inArray(incidents.status, OPEN_STATUSES);
  const mine = or(eq(incidents.ownerId, p.userId), eq(incidents.reporterId, p.userId));
  const where = p.filter === "open" ? open : p.filter === "mine" ? and(open, mine) : undefined;
  return db
    .select()
    .from(incidents)
    .where(where)
    .orderBy(p.filter === "recent" ? desc(incidents.loggedAt) : incidents.priority, desc(incidents.loggedAt))
    .limit(p.limit);
}

/** Records the channel the bot created; guarded so a second writer cannot replace it. */
export async function setIncidentChannel(
  db: DbOrTx,
  p: { id: string; channelId: string; channelName: string },
) {
  const [row] = await db
    .update(incidents)
    .set({ channelId: p.channelId, channelName: p.channelName, updatedAt: sql`now()` })
    .where(and(eq(incidents.id, p.id), isNull(incidents.channelId)))
    .returning({ id: incidents.id });
  return row ?? null;
}

export async function bumpChannelNameAttempt(db: DbOrTx, id: string, attempt: number): Promise<void> {
  await db.update(incidents).set({ channelNameAttempt: attempt }).where(eq(incidents.id, id));
}

export async function setSummaryTs(db: DbOrTx, id: string, ts: string): Promise<void> {
  await db.update(incidents).set({ summaryTs: ts, updatedAt: sql`now()` }).where(eq(incidents.id, id));
}

export async function markSetupCompleted(db: DbOrTx, id: string): Promise<void> {
  await db
    .update(incidents)
    .set({ setupCompletedAt: sql`now()` })
    .where(and(eq(incidents.id, id), isNull(incidents.setupCompletedAt)));
}

/** Incidents whose intake steps have not all been queued: the sweep re-queues them. */
export function listIncidentsAwaitingSetup(db: DbOrTx, p: { loggedBefore: Date; limit: number }) {
  return db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(isNull(incidents.setupCompletedAt), lt(incidents.loggedAt, p.loggedBefore)))
    .limit(p.limit);
}

/** Stores the deadlines of the clocks that changed (undefined leaves a deadline as it is). */
export async function updateIncidentDeadlines(
  db: DbOrTx,
  id: string,
  p: { respondDueAt?: Date | null; resolveDueAt?: Date | null; nextUpdateDueAt?: Date | null },
): Promise<void> {
  const set = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return;
  await db.update(incidents).set(set).where(eq(incidents.id, id));
}

export async function insertCallerReference(
  db: DbOrTx,
  p: { incidentId: string; value: string; setBy: string },
) {
  await db.insert(callerReferences).values(p);
}

/** What is known of an incident's caller reference: its value, or that it was erased, or none. */
export type CallerReferenceState = { value: string; erased: false } | { value: null; erased: boolean };

export async function getCallerReferenceState(db: DbOrTx, incidentId: string): Promise<CallerReferenceState> {
  const [row] = await db
    .select({ value: callerReferences.value, erasedAt: callerReferences.erasedAt })
    .from(callerReferences)
    .where(eq(callerReferences.incidentId, incidentId));
  if (row?.value) return { value: row.value, erased: false };
  return { value: null, erased: !!row?.erasedAt };
}
