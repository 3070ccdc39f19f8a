import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns.js";
import { incidents } from "./incidents.js";

export const CLOCK_STATES = ["running", "paused", "stopped"] as const;
export type ClockState = (typeof CLOCK_STATES)[number];
export const clockStateEnum = pgEnum("clock_state", CLOCK_STATES);

/**
 * One SLA clock of one incident (respond, update_every, resolve, or a policy's extra clock).
 * PostgreSQL is the truth; Redis only holds the delayed job for `next_step`. Every re-plan
 * (priority change, pause, resume, restart) bumps `generation`, so a job planned for an
 * older generation finds it stale and does nothing.
 */
export const slaClocks = pgTable(
  "sla_clocks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    name: text("name").notNull(),
    state: clockStateEnum("state").notNull().default("running"),
    hours: text("hours").$type<"always" | "business">().notNull(),
    startedAt: tstz("started_at").notNull(),
    durationMs: bigint("duration_ms", { mode: "number" }).notNull(),
    /** Clock time (business or wall) spent paused so far; the deadline moves by it. */
    pausedMs: bigint("paused_ms", { mode: "number" }).notNull().default(0),
    pausedAt: tstz("paused_at"),
    /** Clock-time offsets from the start at which to warn, ascending. */
    warnOffsetsMs: jsonb("warn_offsets_ms").$type<number[]>().notNull().default([]),
    /** Roles told at warnings of a policy's extra clock (built-in clocks tell the owner). */
    notifyRoles: jsonb("notify_roles").$type<string[]>().notNull().default([]),
    dueAt: tstz("due_at").notNull(),
    generation: integer("generation").notNull().default(1),
    /** The next step to fire in this generation: warn-<i>, breach or escalate-<k>. */
    nextStep: text("next_step"),
    nextStepAt: tstz("next_step_at"),
    breachedAt: tstz("breached_at"),
    ladderAcknowledgedBy: text("ladder_acknowledged_by"),
    ladderAcknowledgedAt: tstz("ladder_acknowledged_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("sla_clocks_incident_name_key").on(t.incidentId, t.name),
    index("sla_clocks_running_idx").on(t.nextStepAt).where(sql`state = 'running' and next_step is not null`),
    // The running clocks changed since the reconciler's last pass (see reconcileClocks).
    index("sla_clocks_running_changed_idx")
      .on(t.updatedAt)
      .where(sql`state = 'running' and next_step is not null`),
  ],
);

export type SlaClockRow = typeof slaClocks.$inferSelect;
export type NewSlaClock = typeof slaClocks.$inferInsert;

/**
 * What each clock step did. The unique key makes a step fire at most once, whatever Redis,
 * retries or a second worker do: the second insert finds the row and the job does nothing.
 */
export const slaEvents = pgTable(
  "sla_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    clockId: uuid("clock_id")
      .notNull()
      .references(() => slaClocks.id),
    generation: integer("generation").notNull(),
    step: text("step").notNull(),
    plannedAt: tstz("planned_at").notNull(),
    firedAt: tstz("fired_at").notNull().defaultNow(),
    lateMs: integer("late_ms").notNull().default(0),
  },
  (t) => [uniqueIndex("sla_events_step_key").on(t.clockId, t.generation, t.step)],
);
