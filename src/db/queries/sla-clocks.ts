import { and, eq, gte, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../client.js";
import { type NewSlaClock, type SlaClockRow, slaClocks } from "../schema/index.js";

export async function insertClocks(tx: DbOrTx, rows: NewSlaClock[]): Promise<SlaClockRow[]> {
  if (rows.length === 0) return [];
  return tx.insert(slaClocks).values(rows).onConflictDoNothing().returning();
}

/** The incident's clocks, locked: a change and a firing step never interleave. */
export function lockClocksOf(tx: Tx, incidentId: string) {
  return tx.select().from(slaClocks).where(eq(slaClocks.incidentId, incidentId)).for("update");
}

export async function lockClock(tx: Tx, id: string): Promise<SlaClockRow | null> {
  const [row] = await tx.select().from(slaClocks).where(eq(slaClocks.id, id)).for("update");
  return row ?? null;
}

export async function getClock(db: DbOrTx, id: string): Promise<SlaClockRow | null> {
  const [row] = await db.select().from(slaClocks).where(eq(slaClocks.id, id));
  return row ?? null;
}

export function clocksOf(db: DbOrTx, incidentId: string) {
  return db.select().from(slaClocks).where(eq(slaClocks.incidentId, incidentId));
}

export async function updateClock(tx: DbOrTx, id: string, patch: Partial<SlaClockRow>): Promise<SlaClockRow> {
  const [row] = await tx
    .update(slaClocks)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(eq(slaClocks.id, id))
    .returning();
  if (!row) throw new Error(`clock ${id} vanished`);
  return row;
}

/**
 * Moves each of these (locked) clocks to its next step in one statement, and stamps the
 * breach where `breachedAt` is given (null leaves it as it was).
 */
export async function moveClocks(
  tx: Tx,
  moves: Array<{ id: string; nextStep: string | null; nextStepAt: Date | null; breachedAt: Date | null }>,
): Promise<void> {
  if (moves.length === 0) return;
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  await tx.execute(sql`
    update sla_clocks as c
    set next_step = v.next_step, next_step_at = v.next_step_at,
      breached_at = coalesce(v.breached_at, c.breached_at), updated_at = now()
    from unnest(${sql.param(moves.map((m) => m.id))}::uuid[], ${sql.param(moves.map((m) => m.nextStep))}::text[],
      ${sql.param(moves.map((m) => iso(m.nextStepAt)))}::text[]::timestamptz[],
      ${sql.param(moves.map((m) => iso(m.breachedAt)))}::text[]::timestamptz[])
      as v(id, next_step, next_step_at, breached_at)
    where c.id = v.id`);
}

/** Locks these clocks, in id order (so two callers locking overlapping sets never deadlock). */
export function lockClocks(tx: Tx, ids: string[]): Promise<SlaClockRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return tx
    .select()
    .from(slaClocks)
    .where(sql`${slaClocks.id} = any(${sql.param(ids)}::uuid[])`)
    .orderBy(slaClocks.id)
    .for("update");
}

/**
 * Records that these steps fired, in one statement; returns the ones recorded now (a step
 * already on record fired before, and the caller does nothing for it).
 */
export async function recordSteps(
  tx: Tx,
  steps: Array<{ clockId: string; generation: number; step: string; plannedAt: Date; lateMs: number }>,
): Promise<Set<string>> {
  if (steps.length === 0) return new Set();
  // Array parameters: the statement's text (and its prepared plan) does not depend on the count.
  const column = <K extends keyof (typeof steps)[number]>(key: K) => sql.param(steps.map((s) => s[key]));
  const plannedAt = sql.param(steps.map((s) => s.plannedAt.toISOString()));
  const rows = (await tx.execute(sql`
    insert into sla_events (clock_id, generation, step, planned_at, late_ms)
    select * from unnest(${column("clockId")}::uuid[], ${column("generation")}::int[], ${column("step")}::text[],
      ${plannedAt}::text[]::timestamptz[], ${column("lateMs")}::int[])
    on conflict do nothing
    returning clock_id, generation, step`)) as unknown as Array<{
    clock_id: string;
    generation: number;
    step: string;
  }>;
  return new Set(rows.map((r) => stepKey({ clockId: r.clock_id, generation: r.generation, step: r.step })));
}

export function stepKey(p: { clockId: string; generation: number; step: string }): string {
  return `${p.clockId}:${p.generation}:${p.step}`;
}

/** When each step of these clocks' current generations fired, by `stepKey`. */
export async function firedSteps(
  tx: DbOrTx,
  clocks: ReadonlyArray<{ id: string; generation: number }>,
): Promise<Map<string, Date>> {
  if (clocks.length === 0) return new Map();
  const rows = (await tx.execute(sql`
    select e.clock_id, e.generation, e.step, e.fired_at
    from sla_events as e
    join unnest(${sql.param(clocks.map((c) => c.id))}::uuid[], ${sql.param(clocks.map((c) => c.generation))}::int[])
      as c(id, generation) on e.clock_id = c.id and e.generation = c.generation`)) as unknown as Array<{
    clock_id: string;
    generation: number;
    step: string;
    fired_at: string | Date;
  }>;
  return new Map(
    rows.map((r) => [
      stepKey({ clockId: r.clock_id, generation: r.generation, step: r.step }),
      new Date(r.fired_at),
    ]),
  );
}

/**
 * Running clocks with a step due before `before`: what Redis must hold a delayed job for. With
 * `changed`, only those that may have changed what it must hold since the reconciler's last
 * pass: changed (re-planned, stepped, started) at or after `since`, or whose next step came
 * within range since (due at or after `enteredAfter`). Each half reads a partial index of
 * running clocks.
 */
export function listScheduledClocks(
  db: DbOrTx,
  p: {
    before: Date;
    afterId: string | null;
    limit: number;
    changed?: { since: Date; enteredAfter: Date } | undefined;
  },
) {
  return db
    .select({
      id: slaClocks.id,
      generation: slaClocks.generation,
      nextStep: slaClocks.nextStep,
      nextStepAt: slaClocks.nextStepAt,
    })
    .from(slaClocks)
    .where(
      and(
        eq(slaClocks.state, "running"),
        isNotNull(slaClocks.nextStep),
        lt(slaClocks.nextStepAt, p.before),
        p.changed
          ? or(gte(slaClocks.updatedAt, p.changed.since), gte(slaClocks.nextStepAt, p.changed.enteredAfter))
          : undefined,
        p.afterId ? sql`${slaClocks.id} > ${p.afterId}` : undefined,
      ),
    )
    .orderBy(slaClocks.id)
    .limit(p.limit);
}

/** The time by PostgreSQL's clock, which stamps `updated_at`. */
export async function databaseNow(db: DbOrTx): Promise<Date> {
  const [row] = (await db.execute(sql`select statement_timestamp() as now`)) as unknown as Array<{
    now: string | Date;
  }>;
  return new Date(row!.now);
}

/** The current generation and next step of these clocks, for checking queued jobs in bulk. */
export function clockSteps(db: DbOrTx, ids: string[]) {
  return db
    .select({
      id: slaClocks.id,
      state: slaClocks.state,
      generation: slaClocks.generation,
      nextStep: slaClocks.nextStep,
      nextStepAt: slaClocks.nextStepAt,
    })
    .from(slaClocks)
    .where(inArray(slaClocks.id, ids));
}

/**
 * An incident acknowledged on its card after its respond clock breached: that ladder is
 * acknowledged by the same person (so its DMs can say so). Returns the clocks it marked.
 */
export async function acknowledgeBreachedLadders(
  tx: DbOrTx,
  p: { incidentId: string; actor: string; at: Date },
): Promise<Array<{ id: string; generation: number; dueAt: Date; durationMs: number }>> {
  const rows = await tx
    .update(slaClocks)
    .set({ ladderAcknowledgedBy: p.actor, ladderAcknowledgedAt: p.at, updatedAt: sql`now()` })
    .where(
      and(
        eq(slaClocks.incidentId, p.incidentId),
        eq(slaClocks.name, "respond"),
        isNotNull(slaClocks.breachedAt),
        isNull(slaClocks.ladderAcknowledgedBy),
      ),
    )
    .returning({
      id: slaClocks.id,
      generation: slaClocks.generation,
      dueAt: slaClocks.dueAt,
      durationMs: slaClocks.durationMs,
    });
  return rows;
}
