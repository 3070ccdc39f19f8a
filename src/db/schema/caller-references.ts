import { pgTable, text, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";
import { incidents } from "./incidents.js";

/**
 * Personal data lives here, apart from the incident and its append-only log, so it can be
 * erased (value set to null, erased_at stamped) without rewriting history.
 */
export const callerReferences = pgTable("caller_references", {
  incidentId: uuid("incident_id")
    .primaryKey()
    .references(() => incidents.id),
  value: text("value"),
  setBy: text("set_by").notNull(),
  setAt: tstz("set_at").notNull().defaultNow(),
  erasedAt: tstz("erased_at"),
});
