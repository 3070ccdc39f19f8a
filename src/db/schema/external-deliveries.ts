import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { CommunicationEvent, IncidentSnapshot } from "../../domain/communications.js";
import { timestamps, tstz } from "./columns.js";
import { outboxStatusEnum } from "./enums.js";
import { incidents } from "./incidents.js";

export const externalViaEnum = pgEnum("external_via", ["email", "webhook"]);

/** Where one external delivery goes, as the plan said when it was written. */
export type ExternalTarget = { to: string[] } | { url: string; secretEnv: string };

/** What it says: the incident as it was and what happened, rendered when it is sent. */
export interface ExternalContent {
  snapshot: IncidentSnapshot;
  event: CommunicationEvent;
  /** ISO 8601: when the milestone happened. */
  occurredAt: string;
}

/**
 * Emails and webhook calls that must not be lost or doubled: the outbox of the audiences
 * outside Slack. A row is written with the change it reports (or, for a new incident, with its
 * set-up); the `external.deliver` job sends it and records the outcome. Its id is the delivery
 * id: the email's Message-ID and the webhook's `id`, the same on every retry, so a receiver
 * can drop a second copy sent after an outcome Switchboard could not know (a crash between
 * the remote accepting and this row being marked sent).
 */
export const externalDeliveries = pgTable(
  "external_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    seq: bigint("seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    /** One delivery per key, however often it is asked for (see delivery/purposes.ts). */
    dedupeKey: text("dedupe_key").notNull(),
    via: externalViaEnum("via").notNull(),
    /** The audience's key and label in the plan, as they were when written. */
    audienceKey: text("audience_key").notNull(),
    audienceLabel: text("audience_label").notNull(),
    /** A milestone name (DESIGN §5). */
    milestone: text("milestone").notNull(),
    target: jsonb("target").$type<ExternalTarget>().notNull(),
    content: jsonb("content").$type<ExternalContent>().notNull(),
    status: outboxStatusEnum("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** A send in progress holds the row until then; after a crash the row is free again. */
    claimedUntil: tstz("claimed_until"),
    /** A transient failure is not tried again before then. */
    retryAt: tstz("retry_at"),
    lastError: text("last_error"),
    /** What the remote said when it accepted (SMTP reply, HTTP status). */
    detail: text("detail"),
    sentAt: tstz("sent_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("external_deliveries_dedupe_key").on(t.dedupeKey),
    index("external_deliveries_pending_idx").on(t.createdAt).where(sql`status = 'pending'`),
    index("external_deliveries_incident_idx").on(t.incidentId),
  ],
);

export type ExternalDeliveryRow = typeof externalDeliveries.$inferSelect;
