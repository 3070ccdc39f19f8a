import type { ActionStep } from "../domain/action-reminders.js";
import type { LogKind } from "../domain/log.js";

/**
 * The purpose catalogue: every kind of post Switchboard sends durably through the outbox, what
 * its landing writes in the incident log, and how it shares its channel. Each post's dedupe
 * key (one post per key, ever) is built here too, so no other file writes a key by hand.
 */
interface PurposeSpec {
  /** Logged (with the post's permalink) when a post of this purpose lands. */
  readonly logKind?: LogKind;
  /** Posts waiting for one channel go out in the order written, one lane at a time. */
  readonly lane?: boolean;
  /** In a lane, several of one family waiting together go out as one roundup message. */
  readonly roundup?: "stakeholders" | "story";
}

export const PURPOSES = {
  summary_card: { logKind: "summary_posted" },
  announcement: { logKind: "announcement_posted", lane: true, roundup: "stakeholders" },
  reporter_notice: { logKind: "reporter_notified" },
  stakeholder_update: { logKind: "update_posted", lane: true },
  milestone: { logKind: "milestone_posted", lane: true, roundup: "stakeholders" },
  channel_line: { lane: true, roundup: "story" },
  reporter_update: { logKind: "reporter_notified" },
  floor_notice: {},
  note: {},
  handover: {},
  handover_dm: {},
  review_prompt: {},
  callback_list: {},
  /** An agent who took a call about the incident told, once, that its callbacks are to make. */
  callback_dm: {},
  review_summary: {},
  escalation_dm: {},
  sla_notice: {},
  clock_notice: {},
  playbook: {},
  promoted_link: {},
  briefing: {},
  help_request: {},
  action_assigned: {},
  action_remind: {},
  action_overdue: {},
  action_escalate: {},
  action_rescheduled: {},
  kpi_digest: {},
  failure_notice: {},
  /** The owner told that caller volume raised their incident. */
  volume_dm: {},
  /** Where a duplicate was worked: which incident it duplicated and where the work continues. */
  duplicate_notice: {},
  /** A practice drill's timed inject, in the drill's channel: in the order written. */
  practice_inject: { lane: true },
  /** A practice drill's debrief, in the drill's channel. */
  practice_debrief: {},
  /** A practice drill's opening message in its channel: what it is, its speed, how to end it. */
  practice_intro: {},
} as const satisfies Record<string, PurposeSpec>;

export type Purpose = keyof typeof PURPOSES;

const specOf = (purpose: string): PurposeSpec | undefined =>
  Object.hasOwn(PURPOSES, purpose) ? PURPOSES[purpose as Purpose] : undefined;

/** The log entry a landed post of this purpose writes, if any. */
export const logKindOf = (purpose: string): LogKind | undefined => specOf(purpose)?.logKind;

const entries = Object.entries(PURPOSES) as [Purpose, PurposeSpec][];

/** Purposes whose posts reach a channel in the order written (what stakeholders read as a story). */
export const LANE_PURPOSES: ReadonlySet<string> = new Set(entries.filter(([, s]) => s.lane).map(([p]) => p));

/** Purposes that round up, by family: new incidents and milestone notices share one roundup. */
export const ROUNDUP_FAMILIES: ReadonlyMap<string, string> = new Map(
  entries.flatMap(([p, s]) => (s.roundup ? [[p, s.roundup] as const] : [])),
);

/** The purpose of an improvement action's reminder, overdue and escalation DMs. */
export const actionStepPurpose = (step: ActionStep) => `action_${step}` as const satisfies Purpose;

type Clock = { id: string; generation: number };

/** Every outbox dedupe key. Their formats are stored in rows already written: never change one. */
export const outboxKey = {
  summaryCard: (incidentId: string) => `summary:${incidentId}`,
  /** The card in the channel a routine incident was promoted to (its first card is in the thread). */
  channelCard: (incidentId: string) => `summary-channel:${incidentId}`,
  /** The link in a promoted incident's thread to its new channel. */
  promotedLink: (incidentId: string) => `promoted:${incidentId}`,
  announcement: (incidentId: string, channel: string) => `announce:${incidentId}:${channel}`,
  reporterNotice: (incidentId: string) => `notice:${incidentId}`,
  /** Posts about one change of an incident: the version makes each change's posts its own. */
  change: (purpose: Purpose, incident: { id: string; version: number }, suffix: string) =>
    `${purpose}:${incident.id}:${incident.version}:${suffix}`,
  handover: (incident: { id: string; version: number }) => `handover:${incident.id}:${incident.version}`,
  handoverDm: (incident: { id: string; version: number }) => `handover-dm:${incident.id}:${incident.version}`,
  note: (requestKey: string) => `note:${requestKey}`,
  stakeholderUpdate: (updateId: string, channel: string) => `update:${updateId}:${channel}`,
  reviewPrompt: (incidentId: string) => `review-prompt:${incidentId}`,
  /** One callback list per incident, however often it is resolved. */
  callbackList: (incidentId: string) => `callbacks:${incidentId}`,
  /** One DM per incident and agent who took a call about it, written with the list's first post. */
  callbackDm: (incidentId: string, agent: string) => `callbacks-dm:${incidentId}:${agent}`,
  reviewSummary: (reviewId: string) => `review-summary:${reviewId}`,
  escalationDm: (clock: Clock, step: string, user: string) =>
    `esc:${clock.id}:${clock.generation}:${step}:${user}`,
  /** A LIKE pattern matching every escalation DM of one clock, whatever its generation. */
  escalationDmsOfClock: (clockId: string) => `esc:${clockId}:%`,
  /** A LIKE pattern matching the escalation DMs of one breach: the clock's one generation. */
  escalationDmsOfBreach: (clockId: string, generation: number) => `esc:${clockId}:${generation}:%`,
  manualEscalation: (escalationId: string, user: string) => `manual-esc:${escalationId}:${user}`,
  slaNotice: (clock: Clock, step: string) => `sla:${clock.id}:${clock.generation}:${step}`,
  clockNotice: (clock: Clock, step: string, user: string) =>
    `notify:${clock.id}:${clock.generation}:${step}:${user}`,
  playbook: (incidentId: string) => `playbook:${incidentId}`,
  briefing: (briefingId: string, channel: string) => `briefing:${briefingId}:${channel}`,
  /** A LIKE pattern matching a briefing's posts to every channel. */
  briefingPosts: (briefingId: string) => `briefing:${briefingId}:%`,
  helpRequest: (requestKey: string, channel: string) => `help:${requestKey}:${channel}`,
  actionAssigned: (actionId: string) => `action-assigned:${actionId}`,
  actionStep: (action: Clock, step: ActionStep, to: string) =>
    `action:${action.id}:${action.generation}:${step}:${to}`,
  actionRescheduled: (action: Clock, to: string) => `action-moved:${action.id}:${action.generation}:${to}`,
  /** One digest per week and channel: a second run of the same week finds the same row. */
  digest: (channel: string, firstDay: string) => `digest:${channel}:${firstDay}`,
  failureNotice: (outboxId: string) => `failure:${outboxId}`,
  /** One post per inject of a practice drill, and one debrief per drill. */
  practiceInject: (runId: string, position: number) => `practice-inject:${runId}:${position}`,
  practiceDebrief: (runId: string) => `practice-debrief:${runId}`,
  practiceIntro: (runId: string) => `practice-intro:${runId}`,
  /**
   * One email or webhook call (external_deliveries): per incident, occasion (the incident's
   * version for a change, `logged`, or a stakeholder update's id), milestone and audience.
   */
  external: (incidentId: string, occasion: string | number, milestone: string, audienceKey: string) =>
    `ext:${incidentId}:${occasion}:${milestone}:${audienceKey}`,
};

/** The briefing a post's dedupe key names; null for any other key. */
export function briefingOfKey(key: string): string | null {
  return /^briefing:([0-9a-f-]{36}):/.exec(key)?.[1] ?? null;
}
