import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { CALLBACK_OUTCOMES, CALLBACK_WANTED } from "../../domain/callers.js";
import { timestamps, tstz } from "./columns.js";
import { reportChannelEnum } from "./enums.js";
import { incidents } from "./incidents.js";

export const callbackWantedEnum = pgEnum("callback_wanted", CALLBACK_WANTED);
export const callbackOutcomeEnum = pgEnum("callback_outcome", CALLBACK_OUTCOMES);

/**
 * One caller's contact about an incident: who took it, when and how they got in touch, what
 * they said and whether they want a callback. The caller's details (reference, callback
 * contact) live apart in caller_report_contacts so they can be erased without touching this.
 */
export const callerReports = pgTable(
  "caller_reports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The incident it belongs to now (a duplicate's reports move to its master). */
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id),
    /** The incident it was first added to, when it has since moved to a master. */
    movedFromIncidentId: uuid("moved_from_incident_id").references(() => incidents.id),
    reportChannel: reportChannelEnum("report_channel").notNull(),
    contactedAt: tstz("contacted_at").notNull(),
    /** What the caller said, in the agent's words (optional). */
    said: text("said"),
    callback: callbackWantedEnum("callback").notNull().default("no"),
    reportedBy: text("reported_by").notNull(),
    /** Slack view id of the form that added it: a resubmitted view adds nothing. */
    submissionKey: text("submission_key"),
    callbackClaimedBy: text("callback_claimed_by"),
    callbackClaimedAt: tstz("callback_claimed_at"),
    callbackOutcome: callbackOutcomeEnum("callback_outcome"),
    callbackOutcomeBy: text("callback_outcome_by"),
    callbackOutcomeAt: tstz("callback_outcome_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("caller_reports_submission_key").on(t.submissionKey),
    index("caller_reports_incident_idx").on(t.incidentId, t.contactedAt),
    index("caller_reports_callback_open_idx")
      .on(t.incidentId)
      .where(sql`callback <> 'no' and callback_outcome is null`),
  ],
);

/** A caller report's personal data; erased (set to null, erased_at stamped) with retention. */
export const callerReportContacts = pgTable("caller_report_contacts", {
  reportId: uuid("report_id")
    .primaryKey()
    .references(() => callerReports.id),
  callerReference: text("caller_reference"),
  callbackContact: text("callback_contact"),
  erasedAt: tstz("erased_at"),
});

export type CallerReportRow = typeof callerReports.$inferSelect;
export type NewCallerReport = typeof callerReports.$inferInsert;
