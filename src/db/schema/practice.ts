import { index, integer, jsonb, pgTable, real, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns.js";

/**
 * One practice drill: the scenario as it was when the drill started (so later policy edits do
 * not change a drill's marking), its speed, who runs it and who is trained, and its debrief.
 * Its incident carries `practice_run_id`; a real incident never does, and the column never
 * changes, so a drill can never become real nor a real incident a drill.
 */
export const practiceRuns = pgTable(
  "practice_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    scenarioKey: text("scenario_key").notNull(),
    scenario: jsonb("scenario").$type<Record<string, unknown>>().notNull(),
    /** Clock compression: 1, 5, 10 or 30 (SLA clocks and injects run this many times faster). */
    speed: integer("speed").notNull(),
    leadId: text("lead_id").notNull(),
    traineeIds: jsonb("trainee_ids").$type<string[]>().notNull(),
    /** Slack view id of the form that started it: a resubmitted view starts nothing more. */
    submissionKey: text("submission_key"),
    startedAt: tstz("started_at").notNull().defaultNow(),
    endedAt: tstz("ended_at"),
    endedBy: text("ended_by"),
    /** Overall score, 0–1, and the marking (points, scores, evidence) as posted. */
    score: real("score"),
    debrief: jsonb("debrief").$type<Record<string, unknown>>(),
    coachingNotes: text("coaching_notes"),
    coachingBy: text("coaching_by"),
    coachingAt: tstz("coaching_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("practice_runs_submission_key").on(t.submissionKey),
    index("practice_runs_started_idx").on(t.startedAt),
  ],
);

/**
 * A scenario's timed inject, durable like an SLA clock: PostgreSQL holds when it is due and
 * when it was posted; Redis only the delayed job. Posting sets `posted_at` once, so a retried
 * or duplicated job posts nothing twice, and a lost job is found again from here.
 */
export const practiceInjects = pgTable(
  "practice_injects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id")
      .notNull()
      .references(() => practiceRuns.id),
    /** Its place in the scenario's list (0-based): the order they are posted in. */
    position: integer("position").notNull(),
    dueAt: tstz("due_at").notNull(),
    postedAt: tstz("posted_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("practice_injects_run_position_key").on(t.runId, t.position),
    index("practice_injects_due_idx").on(t.dueAt),
  ],
);

export type PracticeRunRow = typeof practiceRuns.$inferSelect;
export type PracticeInjectRow = typeof practiceInjects.$inferSelect;
