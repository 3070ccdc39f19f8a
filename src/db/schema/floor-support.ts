import { index, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";
import { incidents } from "./incidents.js";

/** A customer-facing script posted to the agents' channels during an incident. */
export const briefings = pgTable(
  "briefings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    author: text("author").notNull(),
    /** What is affected, in words a caller understands. */
    affected: text("affected").notNull(),
    /** What agents should say. */
    script: text("script").notNull(),
    workaround: text("workaround"),
    nextUpdateAt: tstz("next_update_at"),
    postedAt: tstz("posted_at").notNull().defaultNow(),
  },
  (t) => [index("briefings_incident_idx").on(t.incidentId, t.postedAt)],
);

export type BriefingRow = typeof briefings.$inferSelect;

/** A team lead's confirmation that their team has been briefed; one per lead and briefing. */
export const briefingConfirmations = pgTable(
  "briefing_confirmations",
  {
    briefingId: uuid("briefing_id")
      .notNull()
      .references(() => briefings.id),
    leadId: text("lead_id").notNull(),
    /** Key of the team in the policy that the lead confirmed for. */
    team: text("team").notNull(),
    confirmedAt: tstz("confirmed_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.briefingId, t.team] })],
);

/** Ticked steps of an incident's playbook checklist (each tick or untick is also logged). */
export const playbookTicks = pgTable(
  "playbook_ticks",
  {
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    /** Index of the step in the type's playbook when the checklist was posted. */
    step: integer("step").notNull(),
    tickedBy: text("ticked_by").notNull(),
    tickedAt: tstz("ticked_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.step] })],
);
