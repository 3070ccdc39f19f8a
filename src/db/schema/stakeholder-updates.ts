import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";
import { incidents } from "./incidents.js";

/** What a "Post update" said; its posts to each channel are outbox rows. */
export const stakeholderUpdates = pgTable(
  "stakeholder_updates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    author: text("author").notNull(),
    happening: text("happening").notNull(),
    customerImpact: text("customer_impact").notNull(),
    nextUpdateAt: tstz("next_update_at").notNull(),
    postedAt: tstz("posted_at").notNull().defaultNow(),
  },
  (t) => [index("stakeholder_updates_incident_idx").on(t.incidentId, t.postedAt)],
);

export type StakeholderUpdateRow = typeof stakeholderUpdates.$inferSelect;
export type NewStakeholderUpdateRow = typeof stakeholderUpdates.$inferInsert;
