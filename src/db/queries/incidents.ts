import { and, desc, eq, inArray, isNotNull, isNull, lt, or, type Placeholder, sql } from "drizzle-orm";
import type { PgInsertValue } from "drizzle-orm/pg-core";
import type { Priority, Status } from "../../domain/incident.js";
import type { DbOrTx } from "../client.js";
import { preparedPer, preparedPerShape } from "../prepared.js";
import {
  callerReferences,
  callerReportContacts,
  callerReports,
  type IncidentRow,
  incidents,
  type NewIncidentRow,
  type NewSlaClock,
  type SlaClockRow,
  slaClocks,
} from "../schema/index.js";
import { LOG_INSERT_PLACEHOLDERS, type LogEntry, logColumns, logEntryPer } from "./incident-log.js";

export const OPEN_STATUSES: Status[] = ["open", "acknowledged", "in_progress", "on_hold"];

/**
 * Before logging a submission: whether an incident already carries its key (a resubmission),
 * and if not, the new incident's number (INC-n), drawn now so that its log entries can name
 * it. A resubmission draws no number.
 */
export async function numberForSubmission(
  db: DbOrTx,
  submissionKey: string | null,
): Promise<{ existing: true } | { existing: false; number: number }> {
  const [row] = await db.execute<{ existing: boolean; n: string | null }>(sql`
    select seen.id is not null as existing,
           case when seen.id is null then nextval('incident_number_seq') end as n
    from (select 1) as one
    left join incidents as seen on seen.submission_key = ${submissionKey}`);
  if (!row) throw new Error("select returned no row");
  return row.existing ? { existing: true } : { existing: false, number: Number(row.n) };
}

/** What logging an incident writes: the row and what belongs to it from the start. */
export interface NewIncidentRecords {
  incident: NewIncidentRow & { id: string; number: number };
  callerReference: { value: string; setBy: string } | null;
  /** Its first caller report (every incident a caller reported; not internal monitoring). */
  firstCaller: {
    id: string;
    reportChannel: NewIncidentRow["reportChannel"];
    contactedAt: Date;
    reportedBy: string;
  } | null;
  log: LogEntry[];
  clocks: NewSlaClock[];
}

/**
 * Writes a new incident with its caller reference, first log entries and clocks as ONE
 * statement (data-modifying CTEs), so it is atomic without a transaction and costs a single
 * round trip; the foreign keys are checked at its end, when every row is in. Returns the rows
 * as written, defaults included. A second incident with the same submission key fails the
 * whole statement with a unique violation. Every incident has clocks (at least the built-in
 * three), so its row comes back once per clock.
 */
export async function insertIncidentRecords(
  db: DbOrTx,
  records: NewIncidentRecords,
): Promise<{ incident: IncidentRow; clocks: SlaClockRow[] }> {
  const { incident, callerReference, firstCaller, log, clocks } = records;
  const shape: RecordsShape = {
    incident: givenKeys(incident),
    clocks: clocks.map(givenKeys),
    callerReference: callerReference !== null,
    firstCaller: firstCaller !== null,
  };
  const params: Record<string, unknown> = {
    ...named("i_", incident),
    ...Object.assign({}, ...clocks.map((clock, n) => named(`c${n}_`, clock))),
    ...(callerReference ? named("cr_", callerReference) : {}),
    ...(firstCaller ? named("fc_", firstCaller) : {}),
    ...logColumns(log),
  };
  const rows = await incidentRecordsInsert(db, shape).execute(params);
  const first = rows[0];
  if (!first) throw new Error("insert returned no row");
  return {
    incident: first.new_incident,
    clocks: rows.flatMap((r) => (r.new_clocks ? [r.new_clocks] : [])),
  };
}

/** Which columns a new incident and each of its clocks give (the rest take their defaults). */
interface RecordsShape {
  incident: string[];
  clocks: string[][];
  callerReference: boolean;
  firstCaller: boolean;
}

function givenKeys(row: object): string[] {
  return Object.entries(row)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key)
    .sort();
}

function named(prefix: string, row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [`${prefix}${key}`, value]));
}

function placeholders(prefix: string, keys: string[]): Record<string, Placeholder> {
  return Object.fromEntries(keys.map((key) => [key, sql.placeholder(`${prefix}${key}`)]));
}

/**
 * The statement insertIncidentRecords runs, built once per shape of input and connection pool:
 * building this SQL (thirty-odd columns, three inserts) was most of what the receiver spent on
 * a submission.
 */
const incidentRecordsInsert = preparedPerShape(
  (shape: RecordsShape) => JSON.stringify(shape),
  (db, shape) => {
    const parts = [
      db.$with("new_log", {}).as(LOG_INSERT_PLACEHOLDERS),
      ...(shape.callerReference
        ? [
            db.$with("new_caller_reference").as(
              db.insert(callerReferences).values({
                incidentId: sql.placeholder("i_id"),
                ...placeholders("cr_", ["value", "setBy"]),
              } as PgInsertValue<typeof callerReferences>),
            ),
          ]
        : []),
      ...(shape.firstCaller
        ? [
            db.$with("new_first_caller").as(
              db.insert(callerReports).values({
                incidentId: sql.placeholder("i_id"),
                ...placeholders("fc_", ["id", "reportChannel", "contactedAt", "reportedBy"]),
              } as PgInsertValue<typeof callerReports>),
            ),
            db.$with("new_first_caller_contact").as(
              db.insert(callerReportContacts).values({
                reportId: sql.placeholder("fc_id"),
                callerReference: shape.callerReference ? sql.placeholder("cr_value") : null,
              } as PgInsertValue<typeof callerReportContacts>),
            ),
          ]
        : []),
    ];
    const newIncident = db.$with("new_incident").as(
      db
        .insert(incidents)
        .values(placeholders("i_", shape.incident) as PgInsertValue<typeof incidents>)
        .returning(),
    );
    const newClocks = db.$with("new_clocks").as(
      db
        .insert(slaClocks)
        .values(
          shape.clocks.map((keys, n) => placeholders(`c${n}_`, keys)) as PgInsertValue<typeof slaClocks>[],
        )
        .returning(),
    );
    return db
      .with(newIncident, newClocks, ...parts)
      .select()
      .from(newIncident)
      .leftJoin(newClocks, sql`true`)
      .prepare("insert_incident_records");
  },
);

const incidentById = preparedPer((db) =>
  db
    .select()
    .from(incidents)
    .where(eq(incidents.id, sql.placeholder("id")))
    .prepare("incident_by_id"),
);

export async function getIncidentById(db: DbOrTx, id: string): Promise<IncidentRow | null> {
  const [row] = await incidentById(db).execute({ id });
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

/** A practice drill (issue 23) is listed only to those who take part in it; real incidents to all. */
export function listedTo(userId: string) {
  return sql`(${incidents.practiceRunId} is null or exists (select 1 from practice_runs r
    where r.id = ${incidents.practiceRunId} and (r.lead_id = ${userId} or r.trainee_ids @> jsonb_build_array(${userId}::text))))`;
}

export function listIncidents(
  db: DbOrTx,
  p: { filter: "open" | "mine" | "recent"; userId: string; limit: number },
) {
  const open = inArray(incidents.status, OPEN_STATUSES);
  const mine = or(eq(incidents.ownerId, p.userId), eq(incidents.reporterId, p.userId));
  const real = listedTo(p.userId);
  const listed = p.filter === "open" ? open : p.filter === "mine" ? and(open, mine) : undefined;
  const where = listed ? and(listed, real) : real;
  return db
    .select()
    .from(incidents)
    .where(where)
    .orderBy(p.filter === "recent" ? desc(incidents.loggedAt) : incidents.priority, desc(incidents.loggedAt))
    .limit(p.limit);
}

/**
 * Records the channel the bot created, and logs it with `entry`, in one statement; guarded so
 * a second writer cannot replace it (then nothing is written and the result is false). An
 * incident worked in a thread until now is promoted: `promoted_at` is set and its card is the
 * one to be posted in the channel (`summary_ts` waits for it; the thread's card stays behind).
 */
export async function setIncidentChannel(
  db: DbOrTx,
  p: { id: string; channelId: string; channelName: string },
  entry: Omit<LogEntry, "incidentId">,
): Promise<boolean> {
  const promoted = sql`thread_ts is not null`;
  const rows = (await db.execute(sql`
    with recorded as (
      update incidents set channel_id = ${p.channelId}, channel_name = ${p.channelName}, updated_at = now(),
        promoted_at = case when ${promoted} then now() else promoted_at end,
        summary_ts = case when ${promoted} then null else summary_ts end,
        card_version = case when ${promoted} then null else card_version end
      where id = ${p.id} and channel_id is null
      returning id as incident_id
    ), logged as (${logEntryPer(sql`recorded`, entry)})
    select incident_id from recorded`)) as unknown as Array<{ incident_id: string }>;
  return rows.length > 0;
}

/**
 * Records the working channel a routine incident will be worked in (its thread there starts when
 * its card is recorded); an incident with a channel, or one already placed, keeps what it has.
 */
export async function setWorkingChannel(db: DbOrTx, p: { id: string; channelId: string }): Promise<void> {
  await db
    .update(incidents)
    .set({ workingChannelId: p.channelId, updatedAt: sql`now()` })
    .where(and(eq(incidents.id, p.id), isNull(incidents.channelId), isNull(incidents.workingChannelId)));
}

export async function bumpChannelNameAttempt(db: DbOrTx, id: string, attempt: number): Promise<void> {
  await db.update(incidents).set({ channelNameAttempt: attempt }).where(eq(incidents.id, id));
}

/**
 * Marks the incident's set-up complete and, when given, logs its last step in the same
 * statement: the entry is written once, by the run that completes the set-up.
 */
export async function markSetupCompleted(
  db: DbOrTx,
  id: string,
  lastStep?: Omit<LogEntry, "incidentId">,
): Promise<void> {
  const completed = sql`
    update incidents set setup_completed_at = now()
    where id = ${id} and setup_completed_at is null
    returning id as incident_id`;
  await db.execute(
    lastStep
      ? sql`with completed as (${completed}), logged as (${logEntryPer(sql`completed`, lastStep)}) select 1`
      : completed,
  );
}

/** Incidents whose intake steps have not all been queued: the sweep re-queues them. */
export function listIncidentsAwaitingSetup(db: DbOrTx, p: { loggedBefore: Date; limit: number }) {
  return db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(isNull(incidents.setupCompletedAt), lt(incidents.loggedAt, p.loggedBefore)))
    .limit(p.limit);
}

/**
 * Promotions the sweep must (re)queue, changed before `changedBefore`: open incidents worked in a
 * thread whose priority (or major flag, when `major`) now calls for a channel, and promoted ones
 * whose thread never got its link (`linkKey` + id: the job stopped between channel and link).
 */
export function listPromotionsDue(
  db: DbOrTx,
  p: { priorities: readonly Priority[]; major: boolean; linkKey: string; changedBefore: Date; limit: number },
) {
  const rises = and(
    isNull(incidents.channelId),
    isNotNull(incidents.threadTs),
    inArray(incidents.status, OPEN_STATUSES),
    or(
      p.priorities.length ? inArray(incidents.priority, [...p.priorities]) : sql`false`,
      p.major ? eq(incidents.major, true) : sql`false`,
    ),
  );
  const unlinked = and(
    isNotNull(incidents.promotedAt),
    isNotNull(incidents.channelId),
    sql`not exists (select 1 from outbox o where o.dedupe_key = ${p.linkKey} || ${incidents.id}::text)`,
  );
  return db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(or(rises, unlinked), lt(incidents.updatedAt, p.changedBefore)))
    .limit(p.limit);
}

/** The predicate of incidents_card_behind_idx: a posted card older than the incident. */
const CARD_BEHIND = sql`${incidents.summaryTs} is not null and coalesce(${incidents.cardVersion}, 1) < ${incidents.version}`;

/** Incidents whose pinned card shows an older version than theirs, changed before `changedBefore`. */
export function listIncidentsWithCardBehind(db: DbOrTx, p: { changedBefore: Date; limit: number }) {
  return db
    .select({ id: incidents.id, version: incidents.version })
    .from(incidents)
    .where(and(CARD_BEHIND, lt(incidents.updatedAt, p.changedBefore)))
    .limit(p.limit);
}

/** Whether the incident's card still shows a version older than this one. */
export async function cardBehind(db: DbOrTx, id: string, version: number): Promise<boolean> {
  const [row] = await db
    .select({ id: incidents.id })
    .from(incidents)
    .where(and(eq(incidents.id, id), sql`coalesce(${incidents.cardVersion}, 1) < ${version}`));
  return row !== undefined;
}

/**
 * Records that the card shows this version of the incident (never going back to an older one).
 * Not a change to the incident: its version and updated_at stay as they are.
 */
export async function markCardDrawn(db: DbOrTx, id: string, version: number): Promise<void> {
  await db
    .update(incidents)
    .set({ cardVersion: sql`greatest(coalesce(${incidents.cardVersion}, 0), ${version})` })
    .where(eq(incidents.id, id));
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
