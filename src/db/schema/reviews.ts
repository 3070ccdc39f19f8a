import { sql } from "drizzle-orm";
import {
  bigint,
  date,
  index,
  integer,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns.js";
import { incidents } from "./incidents.js";

export const REVIEW_STATUSES = ["requested", "completed"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * The post-incident review of one incident. Requested when a major incident is resolved (or
 * on `/incident review`), completed by its owner. The key times and SLA figures are not
 * copied here: they come from the incident and its log, so the review can never disagree.
 */
export const reviews = pgTable(
  "reviews",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    status: text("status").$type<ReviewStatus>().notNull().default("requested"),
    requestedBy: text("requested_by").notNull(),
    requestedAt: tstz("requested_at").notNull().defaultNow(),
    /** Key of a root-cause category in the policy. */
    rootCauseCategory: text("root_cause_category"),
    rootCause: text("root_cause"),
    contributingFactors: text("contributing_factors"),
    wentWell: text("went_well"),
    wentBadly: text("went_badly"),
    completedBy: text("completed_by"),
    completedAt: tstz("completed_at"),
    /**
     * The Markdown document's Slack file id: recorded before its upload is completed into the
     * incident channel, so a retry can find it there; the document is in place once
     * `published_at` is set.
     */
    fileId: text("file_id"),
    publishedAt: tstz("published_at"),
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("reviews_incident_key").on(t.incidentId),
    index("reviews_completed_idx").on(t.completedAt).where(sql`status = 'completed'`),
  ],
);

export type ReviewRow = typeof reviews.$inferSelect;

/** Source of ACT-42 numbers. */
export const actionNumberSeq = pgSequence("action_number_seq", { startWith: 1 });

export const ACTION_STATUSES = ["open", "done", "cancelled"] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/**
 * A preventive action from a review: owner, due date, and where its reminders stand.
 * Like an SLA clock, PostgreSQL is the truth and Redis holds only the next reminder job;
 * `generation` moves on whenever the due date changes or the action is done, so a job
 * planned for an older generation does nothing.
 */
export const improvementActions = pgTable(
  "improvement_actions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    number: bigint("number", { mode: "number" }).notNull().default(sql`nextval('action_number_seq')`),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    reviewId: uuid("review_id").references(() => reviews.id),
    description: text("description").notNull(),
    ownerId: text("owner_id").notNull(),
    /** The date the owner committed to, as picked (a calendar date in the policy's zone). */
    dueOn: date("due_on", { mode: "string" }).notNull(),
    /** When it becomes overdue: the end of `due_on` in the policy's zone. */
    dueAt: tstz("due_at").notNull(),
    status: text("status").$type<ActionStatus>().notNull().default("open"),
    createdBy: text("created_by").notNull(),
    doneBy: text("done_by"),
    doneAt: tstz("done_at"),
    generation: integer("generation").notNull().default(1),
    /** The next reminder to send in this generation (remind, overdue, escalate), and when. */
    nextStep: text("next_step"),
    nextStepAt: tstz("next_step_at"),
    remindedAt: tstz("reminded_at"),
    overdueAt: tstz("overdue_at"),
    escalatedAt: tstz("escalated_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("improvement_actions_number_key").on(t.number),
    index("improvement_actions_incident_idx").on(t.incidentId),
    index("improvement_actions_owner_idx").on(t.ownerId, t.status),
    index("improvement_actions_due_idx")
      .on(t.nextStepAt)
      .where(sql`status = 'open' and next_step is not null`),
    // The reconciler's look-up of actions never followed up (no assignment DM, no step planned).
    index("improvement_actions_unplanned_idx")
      .on(t.createdAt)
      .where(sql`status = 'open' and next_step is null and escalated_at is null`),
  ],
);

export type ImprovementActionRow = typeof improvementActions.$inferSelect;
export type NewImprovementAction = typeof improvementActions.$inferInsert;

/** Which reminders of an action went out; the key makes each step happen at most once. */
export const actionEvents = pgTable(
  "action_events",
  {
    actionId: uuid("action_id")
      .notNull()
      .references(() => improvementActions.id),
    generation: integer("generation").notNull(),
    step: text("step").notNull(),
    plannedAt: tstz("planned_at").notNull(),
    firedAt: tstz("fired_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.actionId, t.generation, t.step] })],
);
