import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  pgSequence,
  pgTable,
  real,
  text,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns.js";
import { closeCodeEnum, levelEnum, priorityEnum, reportChannelEnum, statusEnum } from "./enums.js";

/** Source of INC-000123 numbers: monotonic, never reused, even when a transaction rolls back. */
export const incidentNumberSeq = pgSequence("incident_number_seq", { startWith: 1 });

export const incidents = pgTable(
  "incidents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    number: bigint("number", { mode: "number" }).notNull().default(sql`nextval('incident_number_seq')`),
    title: text("title").notNull(),
    description: text("description").notNull(),
    /** Key of an incident type in the policy; validated against the policy at the edge. */
    type: text("type").notNull(),
    affectedService: text("affected_service"),
    reportChannel: reportChannelEnum("report_channel").notNull(),
    impact: levelEnum("impact").notNull(),
    urgency: levelEnum("urgency").notNull(),
    /** What the matrix gives; `priority` differs only when overridden with a reason. */
    matrixPriority: priorityEnum("matrix_priority").notNull(),
    priority: priorityEnum("priority").notNull(),
    priorityOverrideReason: text("priority_override_reason"),
    major: boolean("major").notNull().default(false),
    status: statusEnum("status").notNull().default("open"),
    closeCode: closeCodeEnum("close_code"),
    /** Why it is on hold (awaiting_customer, awaiting_third_party, other), and the free text. */
    holdReason: text("hold_reason"),
    holdNote: text("hold_note"),
    resolutionSummary: text("resolution_summary"),
    rootCause: text("root_cause"),
    /** What agents tell callers once it is resolved (the resolve form's optional field). */
    callersNow: text("callers_now"),
    /** When the last stakeholder update went out (the update_every clock runs from it). */
    lastUpdateAt: tstz("last_update_at"),
    reporterId: text("reporter_id").notNull(),
    ownerId: text("owner_id"),
    /** Where the incident was logged from (a message shortcut's source message, if any). */
    sourceChannelId: text("source_channel_id"),
    sourceMessageTs: text("source_message_ts"),
    channelId: text("channel_id"),
    channelName: text("channel_name"),
    /** Names tried so far; a retry after `name_taken` moves on to the next suffix. */
    channelNameAttempt: integer("channel_name_attempt").notNull().default(0),
    summaryTs: text("summary_ts"),
    /**
     * A routine incident worked in a thread: the type's working channel and the ts of its card
     * there (the thread's parent). Both stay set after it is promoted to a channel of its own,
     * whose card then takes `summary_ts`; the thread gets a link.
     */
    workingChannelId: text("working_channel_id"),
    threadTs: text("thread_ts"),
    /** When it was given a channel of its own after starting in a thread (by button or rise). */
    promotedAt: tstz("promoted_at"),
    /** Resolved as a duplicate of this incident, to which its caller reports moved. */
    mergedIntoId: uuid("merged_into_id"),
    /**
     * Set on a practice incident (a drill) at logging and never changed: a drill never becomes
     * real, nor a real incident a drill. Its speed compresses its SLA clocks.
     */
    practiceRunId: uuid("practice_run_id"),
    practiceSpeed: integer("practice_speed"),
    /**
     * The incident version the pinned card last showed (refreshCard); null until its first
     * redraw, the card then showing the incident as logged. The sweep redraws a card left
     * behind a change whose redraw was lost (Redis down or flushed).
     */
    cardVersion: integer("card_version"),
    /** Set when every intake step (channel, invite, card, pin, announcements) has been queued. */
    setupCompletedAt: tstz("setup_completed_at"),
    /** Slack view id of the modal that created it: a resubmitted view finds the same incident. */
    submissionKey: text("submission_key"),
    reportedAt: tstz("reported_at").notNull(),
    loggedAt: tstz("logged_at").notNull().defaultNow(),
    acknowledgedAt: tstz("acknowledged_at"),
    resolvedAt: tstz("resolved_at"),
    closedAt: tstz("closed_at"),
    respondDueAt: tstz("respond_due_at"),
    resolveDueAt: tstz("resolve_due_at"),
    nextUpdateDueAt: tstz("next_update_due_at"),
    /** When someone flagged that personal data is involved (starts e.g. the regulator's clock). */
    personalDataAt: tstz("personal_data_at"),
    /** Contact-centre impact, as last recorded: calls waiting, % abandoned, which queue. */
    callsQueued: integer("calls_queued"),
    abandonmentRate: real("abandonment_rate"),
    affectedQueue: text("affected_queue"),
    impactRecordedAt: tstz("impact_recorded_at"),
    /** How often it was reopened after being resolved (the KPI report's reopen rate). */
    reopenCount: integer("reopen_count").notNull().default(0),
    /** Highest escalation level reached by hand (/incident escalate); 0 when never escalated. */
    escalationLevel: integer("escalation_level").notNull().default(0),
    /** Optimistic concurrency: every update bumps it; a stale writer changes nothing. */
    version: integer("version").notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("incidents_number_key").on(t.number),
    uniqueIndex("incidents_submission_key").on(t.submissionKey),
    uniqueIndex("incidents_channel_id_key").on(t.channelId),
    index("incidents_status_idx").on(t.status),
    index("incidents_practice_idx").on(t.practiceRunId).where(sql`practice_run_id is not null`),
    index("incidents_owner_idx").on(t.ownerId),
    index("incidents_reporter_idx").on(t.reporterId),
    index("incidents_logged_at_idx").on(t.loggedAt),
    index("incidents_closed_at_idx").on(t.closedAt).where(sql`closed_at is not null`),
    index("incidents_setup_pending_idx").on(t.loggedAt).where(sql`setup_completed_at is null`),
    index("incidents_card_behind_idx")
      .on(t.updatedAt)
      .where(sql`summary_ts is not null and coalesce(card_version, 1) < version`),
  ],
);

export type IncidentRow = typeof incidents.$inferSelect;
export type NewIncidentRow = typeof incidents.$inferInsert;
