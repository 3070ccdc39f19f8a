import type { Priority, Status } from "./incident.js";
import type { Milestone, MilestoneEvent } from "./milestones.js";

/**
 * Communication plans (DESIGN §5, policy key `communications`): who outside the incident hears
 * about it, by which means, about which milestones. Pure: no Slack, database or network here.
 */

export const COMMUNICATION_VIAS = ["slack", "email", "webhook"] as const;
export type CommunicationVia = (typeof COMMUNICATION_VIAS)[number];

/** One audience of a plan, as the policy file describes it (validated, defaults applied). */
export interface Audience {
  /**
   * Stable identifier within the plan: the label in snake_case ("Status page" → `status_page`).
   * Used in dedupe keys, in the log and in the *Post update* form, so it must not change when
   * the plan's order does.
   */
  key: string;
  /** What people read: "Executives", "Status page", "#cc-stakeholders". */
  label: string;
  via: CommunicationVia;
  /** `via: slack`: channel ids. Empty otherwise. */
  channels: string[];
  /** `via: email`: addresses. Empty otherwise. */
  to: string[];
  /** `via: webhook`: the https (or, for local receivers, http) URL. Null otherwise. */
  url: string | null;
  /** `via: webhook`: the environment variable holding the signing secret. Null otherwise. */
  secretEnv: string | null;
  /** The milestones it hears; null: all of them. */
  notify: Milestone[] | null;
  /** The priorities it hears about; null: every priority. */
  priorities: Priority[] | null;
  /** Its own update cadence; null: none (the incident's update clock is not its concern). */
  updateEveryMs: number | null;
}

/**
 * What one communication says happened: a milestone of the communication-loop vocabulary.
 * `logged` and `update` have no change event of their own elsewhere, so they are described here.
 */
export type CommunicationEvent =
  | MilestoneEvent
  | { milestone: "logged"; by: string }
  | {
      milestone: "update";
      by: string;
      /** The stakeholder update as its author wrote it for stakeholders (never caller data). */
      happening: string;
      customerImpact: string;
      /** ISO 8601: when the next update is promised. */
      nextUpdateAt: string;
    };

/**
 * The incident as a communication shows it, taken when the communication is written, so that a
 * retry sends the same content. Never the caller reference or any caller detail.
 */
export interface IncidentSnapshot {
  id: string;
  /** "INC-000123". */
  reference: string;
  priority: Priority;
  major: boolean;
  status: Status;
  /** Type key, and its label in the policy. */
  type: string;
  typeLabel: string;
  title: string;
  /** Slack user id of the owner, if any. */
  ownerId: string | null;
  /** ISO 8601 times. */
  loggedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  /** When stakeholders hear next at the latest (the update clock's due time), if it runs. */
  nextUpdateBy: string | null;
  /** The incident channel, if it has one. */
  channelId: string | null;
}
