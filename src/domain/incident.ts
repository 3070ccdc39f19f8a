/**
 * The incident vocabulary. Each tuple is the single source for the TypeScript type, the zod
 * parsers, the PostgreSQL enums and the Block Kit options, so they cannot drift apart.
 */

export const LEVELS = ["high", "medium", "low"] as const;
export type Level = (typeof LEVELS)[number];
export type Impact = Level;
export type Urgency = Level;

export const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STATUSES = ["open", "acknowledged", "in_progress", "on_hold", "resolved", "closed"] as const;
export type Status = (typeof STATUSES)[number];

export const CLOSE_CODES = ["fixed", "workaround", "duplicate", "not_an_incident"] as const;
export type CloseCode = (typeof CLOSE_CODES)[number];

export const REPORT_CHANNELS = [
  "phone",
  "email",
  "chat",
  "social",
  "in_person",
  "internal_monitoring",
] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

export const REPORT_CHANNEL_LABELS: Record<ReportChannel, string> = {
  phone: "Phone",
  email: "Email",
  chat: "Chat",
  social: "Social media",
  in_person: "In person",
  internal_monitoring: "Internal monitoring",
};

export const LEVEL_LABELS: Record<Level, string> = { high: "High", medium: "Medium", low: "Low" };

export const STATUS_LABELS: Record<Status, string> = {
  open: "Open",
  acknowledged: "Acknowledged",
  in_progress: "In progress",
  on_hold: "On hold",
  resolved: "Resolved",
  closed: "Closed",
};

/** Shown wherever personal data used to be, once erased at the end of its retention period. */
export const ERASED_MARK = "[erased]";

/** Field limits shared by the modal (max_length) and the parser (zod). */
export const LIMITS = {
  title: 150,
  description: 3000,
  affectedService: 150,
  callerReference: 200,
  overrideReason: 500,
  note: 3000,
  reason: 500,
  resolution: 3000,
  update: 2500,
  callersNow: 1000,
} as const;

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
