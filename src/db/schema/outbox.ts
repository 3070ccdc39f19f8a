import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, tstz } from "./columns.js";
import { outboxStatusEnum } from "./enums.js";
import { incidents } from "./incidents.js";

/**
 * Outbound Slack messages that must not be lost or doubled. A row is written in the same
 * transaction as the change it reports; the `slack.deliver` job posts it and records the ts.
 * `dedupe_key` makes "post X to channel Y for incident Z" a single row however often it is asked.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /**
     * Write order. A lane posts by it, not by created_at: created_at is when the transaction
     * began, and one that waited for the incident's lock may commit after a later one.
     */
    seq: bigint("seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    incidentId: uuid("incident_id").references(() => incidents.id),
    dedupeKey: text("dedupe_key").notNull(),
    /** What the post is for: summary_card, announcement, reporter_notice, ... */
    purpose: text("purpose").notNull(),
    /** Channel id, or a user id for a DM (Slack opens the DM). */
    channel: text("channel").notNull(),
    /** chat.postMessage arguments other than channel (text, blocks, ...). */
    message: jsonb("message").$type<Record<string, unknown>>().notNull(),
    status: outboxStatusEnum("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** A delivery in progress holds the row until then; a crashed one lets go when it passes. */
    claimedUntil: tstz("claimed_until"),
    /** A post in a channel's lane that Slack asked to wait is not tried again before then. */
    retryAt: tstz("retry_at"),
    lastError: text("last_error"),
    postedChannel: text("posted_channel"),
    ts: text("ts"),
    permalink: text("permalink"),
    sentAt: tstz("sent_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("outbox_dedupe_key").on(t.dedupeKey),
    index("outbox_pending_idx").on(t.createdAt).where(sql`status = 'pending'`),
    // The posts waiting for one channel, gathered into one post when they share its turn.
    index("outbox_pending_channel_idx").on(t.channel, t.purpose, t.seq).where(sql`status = 'pending'`),
    index("outbox_incident_idx").on(t.incidentId),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;
