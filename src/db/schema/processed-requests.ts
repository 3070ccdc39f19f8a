import { pgTable, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns.js";

/**
 * Slack may deliver a request twice (retries, x-slack-retry-num) and people double-click.
 * A change records its request key here in the same transaction, so the second copy finds
 * it and changes nothing.
 */
export const processedRequests = pgTable("processed_requests", {
  key: text("key").primaryKey(),
  processedAt: tstz("processed_at").notNull().defaultNow(),
});
