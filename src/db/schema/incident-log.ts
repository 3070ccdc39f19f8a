import { sql } from "drizzle-orm";
import { bigserial, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";
import { incidents } from "./incidents.js";

/**
 * The audit trail. Append-only: a trigger (see the migration) refuses UPDATE, DELETE and
 * TRUNCATE. `at` is the database clock, in UTC. Never store the caller reference's value here.
 */
export const incidentLog = pgTable(
  "incident_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    at: tstz("at").notNull().defaultNow(),
    /** A Slack user id, or `system`. */
    actor: text("actor").notNull(),
    kind: text("kind").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index("incident_log_incident_idx").on(t.incidentId, t.id),
    // A flood's every caller asks whether its incident crossed its volume threshold lately.
    index("incident_log_volume_idx").on(t.incidentId, t.at).where(sql`kind = 'caller_volume_reached'`),
  ],
);

export type IncidentLogRow = typeof incidentLog.$inferSelect;
