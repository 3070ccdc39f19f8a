import type { Priority } from "../domain/incident";
import type { PriorityMatrix } from "../domain/priority-matrix";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** mon = 1 … sun = 7, as luxon numbers weekdays. */
export function isoWeekday(day: Weekday): number {
  return WEEKDAYS.indexOf(day) + 1;
}

/** Whether an SLA clock runs around the clock or only inside business hours. */
export const SLA_HOURS = ["always", "business"] as const;
export type SlaHours = (typeof SLA_HOURS)[number];

/** Clock names every incident has; a type's extra clocks may not reuse them. */
export const BUILT_IN_CLOCKS = ["respond", "update_every", "resolve"] as const;
export type BuiltInClock = (typeof BUILT_IN_CLOCKS)[number];

export interface BusinessHours {
  /** In week order, no repeats. */
  days: Weekday[];
  /** "HH:MM", as written. */
  start: string;
  /** "HH:MM", as written; may be "24:00". */
  end: string;
  /** Minutes after midnight, local time. */
  startMinute: number;
  endMinute: number;
  /** ISO dates (YYYY-MM-DD), sorted, no repeats. */
  holidays: string[];
}

export interface SlaPolicy {
  respondMs: number;
  updateEveryMs: number;
  resolveMs: number;
  hours: SlaHours;
  /** Interval between escalation steps while a breach stays unacknowledged. */
  repeatMs: number;
}

/** An extra clock for one incident type, e.g. a regulator's 72-hour notification deadline. */
/** When an extra clock starts: with the incident, or when it is flagged as involving personal data. */
export const CLOCK_STARTS = ["logged", "personal_data"] as const;
export type ClockStart = (typeof CLOCK_STARTS)[number];

export interface CustomClockPolicy {
  name: string;
  dueMs: number;
  /** Ascending, each shorter than dueMs. */
  warnMs: number[];
  /** Role names. */
  notify: string[];
  starts: ClockStart;
  /** Label of the card button that stops it, e.g. "Regulator notified". */
  stopLabel: string;
}

export interface IncidentTypePolicy {
  key: string;
  label: string;
  stakeholderChannels: string[];
  /** Role names, lowest authority first. */
  escalation: string[];
  clocks: Record<string, CustomClockPolicy>;
}

/** Role names allowed to perform each guarded action. */
export interface Permissions {
  resolve: string[];
  close: string[];
  reopenClosed: string[];
  downgradeMajor: string[];
}

export interface Policy {
  /** IANA zone in which business hours and holidays are read. */
  timezone: string;
  businessHours: BusinessHours;
  agentChannels: string[];
  digestChannel: string | null;
  /** Role name → Slack user ids. */
  roles: Record<string, string[]>;
  /** Type key (snake_case) → type, in file order. */
  incidentTypes: Record<string, IncidentTypePolicy>;
  sla: Record<Priority, SlaPolicy>;
  /** Fraction of a clock after which it warns. */
  warnAt: number;
  priorityMatrix: PriorityMatrix;
  permissions: Permissions;
}

const MANAGERS = ["team_lead", "duty_manager", "head_of_operations"];

// Defaults may name roles the policy does not define; such a role simply has no holders.
export const DEFAULT_PERMISSIONS: Readonly<Permissions> = {
  resolve: MANAGERS,
  close: MANAGERS,
  reopenClosed: MANAGERS,
  downgradeMajor: ["duty_manager", "head_of_operations"],
};
