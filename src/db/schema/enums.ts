import { pgEnum } from "drizzle-orm/pg-core";
import { CLOSE_CODES, LEVELS, PRIORITIES, REPORT_CHANNELS, STATUSES } from "../../domain/incident.js";

export const levelEnum = pgEnum("level", LEVELS);
export const priorityEnum = pgEnum("priority", PRIORITIES);
export const statusEnum = pgEnum("incident_status", STATUSES);
export const closeCodeEnum = pgEnum("close_code", CLOSE_CODES);
export const reportChannelEnum = pgEnum("report_channel", REPORT_CHANNELS);
export const outboxStatusEnum = pgEnum("outbox_status", ["pending", "sent", "failed"]);
