import type { Audience } from "./communications.js";
import type { Level, Priority, ReportChannel } from "./incident.js";
import type { Milestone } from "./milestones.js";
import type { PriorityMatrix } from "./priority-matrix.js";

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

/** Who can find an incident channel: everyone in the workspace, or only the people invited. */
export const INCIDENT_CHANNEL_KINDS = ["public", "private"] as const;
export type IncidentChannelKind = (typeof INCIDENT_CHANNEL_KINDS)[number];

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

/** One step of a type's playbook, posted in the incident channel as a checklist item. */
export interface PlaybookStep {
  /** What to do, in a few words ("Check the carrier status page"). */
  step: string;
  /** How to do it, or what to look out for. */
  guidance: string | null;
  /** Knowledge-base articles (http/https URLs). */
  links: string[];
}

/**
 * When this many callers report an incident within `withinMs`, it is re-categorised by the
 * system: impact and urgency raised to at least the given level, the major flag set if asked.
 */
export interface CallerVolumePolicy {
  threshold: number;
  withinMs: number;
  raise: { impact?: Level; urgency?: Level; major?: boolean };
}

/** Which incidents get a channel of their own; the rest are worked in a working channel's thread. */
export interface IncidentChannelPolicy {
  /** Priorities that get a channel. */
  for: Priority[];
  /** A major incident always gets one. */
  major: boolean;
}

/** How soon callers who asked for a callback must be called back once the incident is resolved. */
export interface CallbackPolicy {
  withinMs: number;
  /** Business or always hours; unset: the incident's priority's SLA hours. */
  hours?: SlaHours;
}

export interface IncidentTypePolicy {
  key: string;
  label: string;
  /** When to choose this type (shown by `/incident help <type>`). */
  guidance: string | null;
  stakeholderChannels: string[];
  /** Role names, lowest authority first. */
  escalation: string[];
  clocks: Record<string, CustomClockPolicy>;
  /** Ordered steps; empty when the type has no playbook. */
  playbook: PlaybookStep[];
  /** Where "Ask for help" goes for this type; overrides the team's and the policy's channel. */
  supportChannel: string | null;
  /** The milestones its stakeholder channels hear; unset: the policy's `notify` (notifyListOf). */
  notify?: Milestone[];
  /**
   * Its communication plan, in file order; unset: the policy's. Read it through planFor, which
   * adds the stakeholder channels.
   */
  communications?: Audience[];
  /** Its caller-volume trigger; unset: the policy's. */
  callerVolume?: CallerVolumePolicy;
  /** Where its routine incidents are worked in threads; unset: the policy's. */
  workingChannel?: string;
  /** Its callback clock; unset: the policy's. */
  callbackWithin?: CallbackPolicy;
}

/**
 * A team on the floor: its leads (who confirm briefings, take help requests and hear about
 * their members' overdue actions), its members and its support channel.
 */
export interface TeamPolicy {
  key: string;
  label: string;
  leads: string[];
  members: string[];
  supportChannel: string | null;
}

export interface ReviewPolicy {
  /** A major incident (P1, P2 or flagged major) may not be closed before its review is completed. */
  requiredForClose: boolean;
  /** Root-cause category key → label, in file order. */
  rootCauseCategories: Record<string, string>;
}

export interface ImprovementActionPolicy {
  /** The owner is reminded this long before an action is due. */
  remindBeforeMs: number;
  /** An action overdue by this long is escalated to its owner's team lead. */
  escalateAfterMs: number;
}

export interface RetentionPolicy {
  /** The caller reference is erased this long after an incident is closed. */
  callerReferenceMs: number;
}

/** When the weekly KPI digest goes out, in the policy's time zone. */
export interface DigestSchedule {
  day: Weekday;
  /** "HH:MM". */
  time: string;
}

/** Role names allowed to perform each guarded action. */
export interface Permissions {
  resolve: string[];
  close: string[];
  reopenClosed: string[];
  downgradeMajor: string[];
  /** Besides the incident's owner and reporter: who may write its post-incident review. */
  review: string[];
  /** Besides the leads named in `teams`: who may run KPI reports. */
  report: string[];
  /** Besides an action's owner and their team leads: who may mark it done or move its date. */
  manageActions: string[];
  /** Besides the incident's owner and reporter: who may escalate it by hand. */
  escalate: string[];
  /** Besides the incident's owner and reporter: who may see its caller details. */
  viewPersonalData: string[];
  /** Who may start practice drills for trainees (`/incident practice`). */
  practice: string[];
}

/** What a timed inject of a practice drill stands for, posted by the bot in the practice channel. */
export const PRACTICE_INJECT_KINDS = [
  "callers",
  "stakeholder_asks",
  "manager_asks_owner",
  "third_party_reply",
  "system_back",
  "note",
] as const;
export type PracticeInjectKind = (typeof PRACTICE_INJECT_KINDS)[number];

export interface PracticeInject {
  /** Offset from the start of the drill at 1× speed (a faster drill divides it). */
  afterMs: number;
  kind: PracticeInjectKind;
  text: string;
  /** How many more callers report it (kind `callers` only). */
  callers?: number;
}

/**
 * A practice scenario (`practice_scenarios` in the policy, or built in): the report a trainee
 * starts from, the classification a well-run drill reaches, and the timed injects.
 */
export interface PracticeScenario {
  key: string;
  label: string;
  /** One line for the picker. */
  summary: string;
  report: {
    title: string;
    description: string;
    /** An incident type key of the policy. */
    type: string;
    channel: ReportChannel;
    /** What the caller says, in their words. */
    callerSays: string;
    /** A made-up caller reference the trainee is given; pasting it in a note is a data slip. */
    callerReference: string | null;
  };
  expected: { type: string; impact: Level; urgency: Level; major: boolean };
  /** What the marking expects beyond the basics; unset flags default to `expected.major`. */
  expects: { manualEscalation: boolean; briefing: boolean; review: boolean };
  /** Ascending by afterMs. */
  injects: PracticeInject[];
  /** Shipped with Switchboard rather than written in the policy. */
  builtIn: boolean;
}

export interface Policy {
  /** IANA zone in which business hours and holidays are read. */
  timezone: string;
  businessHours: BusinessHours;
  agentChannels: string[];
  digestChannel: string | null;
  digestSchedule: DigestSchedule;
  /** Where "Ask for help" goes when neither the type nor the team names a channel. */
  supportChannel: string | null;
  /**
   * Teams in file order. A policy without `teams` gets one team, `floor`, led by every
   * holder of the team_lead role.
   */
  teams: TeamPolicy[];
  review: ReviewPolicy;
  improvementActions: ImprovementActionPolicy;
  retention: RetentionPolicy;
  /** Role name → Slack user ids. */
  roles: Record<string, string[]>;
  /** Type key (snake_case) → type, in file order. */
  incidentTypes: Record<string, IncidentTypePolicy>;
  sla: Record<Priority, SlaPolicy>;
  /** Fraction of a clock after which it warns. */
  warnAt: number;
  priorityMatrix: PriorityMatrix;
  permissions: Permissions;
  /** Scenarios written in the policy, in file order (scenariosFor adds the built-in ones). */
  practiceScenarios: PracticeScenario[];
  /** The milestones stakeholder channels hear when their type says nothing; unset: all of them. */
  notify?: Milestone[];
  /** The communication plan of types that have none of their own; unset: none (planFor). */
  communications?: Audience[];
  /** A level escalated to by hand is not messaged by hand again for this long. */
  manualEscalationCooldownMs?: number;
  /** Whether incident channels are created public or private (unset: public). */
  incidentChannels?: IncidentChannelKind;
  /** The caller-volume trigger of types that have none; unset: none. */
  callerVolume?: CallerVolumePolicy;
  /** Which incidents get a channel; unset: all of them (channelPolicyOf). */
  incidentChannel?: IncidentChannelPolicy;
  /** Where routine incidents of types without their own are worked in threads; unset: none. */
  workingChannel?: string;
  /** The callback clock of types that have none; unset: no callback clock. */
  callbackWithin?: CallbackPolicy;
  /** Closing with callbacks outstanding is refused (true) or asks for confirmation (unset, false). */
  callbacksRequiredForClose?: boolean;
}

/** Every incident gets a channel of its own unless the policy says otherwise. */
export const ALL_GET_CHANNELS: Readonly<IncidentChannelPolicy> = {
  for: ["P1", "P2", "P3", "P4", "P5"],
  major: true,
};

/** The caller-volume trigger of a type: its own, else the policy's, else none. */
export function callerVolumeOf(policy: Pick<Policy, "callerVolume" | "incidentTypes">, type: string) {
  return policy.incidentTypes[type]?.callerVolume ?? policy.callerVolume ?? null;
}

/** The working channel of a type: its own, else the policy's, else none. */
export function workingChannelOf(
  policy: Pick<Policy, "workingChannel" | "incidentTypes">,
  type: string,
): string | null {
  return policy.incidentTypes[type]?.workingChannel ?? policy.workingChannel ?? null;
}

/** The callback clock of a type: its own, else the policy's, else none. */
export function callbackPolicyOf(
  policy: Pick<Policy, "callbackWithin" | "incidentTypes">,
  type: string,
): CallbackPolicy | null {
  return policy.incidentTypes[type]?.callbackWithin ?? policy.callbackWithin ?? null;
}

/** An incident type's label in this policy; the key itself for a type the policy no longer has. */
export function typeLabel(policy: Policy, type: string): string {
  return policy.incidentTypes[type]?.label ?? type;
}

export const DEFAULT_MANUAL_ESCALATION_COOLDOWN_MS = 10 * 60_000;

/** The milestones a type's stakeholder channels hear: the type's list, else the policy's, else all. */
export function notifyListOf(
  policy: Pick<Policy, "notify" | "incidentTypes">,
  type: string,
): readonly Milestone[] | null {
  return policy.incidentTypes[type]?.notify ?? policy.notify ?? null;
}

const MANAGERS = ["team_lead", "duty_manager", "head_of_operations"];

// Defaults may name roles the policy does not define; such a role simply has no holders.
export const DEFAULT_PERMISSIONS: Readonly<Permissions> = {
  resolve: MANAGERS,
  close: MANAGERS,
  reopenClosed: MANAGERS,
  downgradeMajor: ["duty_manager", "head_of_operations"],
  review: MANAGERS,
  report: MANAGERS,
  manageActions: ["duty_manager", "head_of_operations"],
  escalate: MANAGERS,
  viewPersonalData: [...MANAGERS, "dpo"],
  practice: MANAGERS,
};

/** Root-cause categories when the policy names none. */
export const DEFAULT_ROOT_CAUSE_CATEGORIES: Readonly<Record<string, string>> = {
  software_defect: "Software defect",
  hardware_failure: "Hardware or network failure",
  third_party: "Third-party supplier",
  change: "Change or release",
  capacity: "Capacity or demand",
  process: "Process or procedure gap",
  human_error: "Human error",
  unknown: "Not yet known",
};

const DAY_MS = 86_400_000;
export const DEFAULT_REMIND_BEFORE_MS = DAY_MS;
export const DEFAULT_ESCALATE_AFTER_MS = 2 * DAY_MS;
export const DEFAULT_CALLER_REFERENCE_RETENTION_MS = 90 * DAY_MS;
export const DEFAULT_DIGEST_SCHEDULE: Readonly<DigestSchedule> = { day: "mon", time: "08:00" };
