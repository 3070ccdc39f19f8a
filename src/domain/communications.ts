import type { Priority, Status } from "./incident.js";
import { hears, type Milestone, type MilestoneEvent } from "./milestones.js";

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
  /**
   * Callers who reported it so far (a count, never who). Absent from deliveries written before
   * callers were counted: read it as 0.
   */
  callers?: number;
}

/**
 * An audience's key: its label in snake_case ("Status page" → `status_page`, "Client A/M's" →
 * `client_a_m_s`). Empty when the label has no letter or digit (the policy refuses such a label).
 */
export function audienceKey(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

// A bare address whose domain has a dot: "cfo@example" and "CFO <cfo@example.com>" are typos in
// a plan, and nodemailer would otherwise accept them and fail only when the email is sent.
const EMAIL_ADDRESS =
  /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Whether text is one email address, as a plan's `to` and EMAIL_FROM take it. */
export function isEmailAddress(text: string): boolean {
  return EMAIL_ADDRESS.test(text);
}

/** An incident type as far as its communication plan goes (IncidentTypePolicy fits it). */
export interface PlanTypeSource {
  stakeholderChannels: readonly string[];
  notify?: readonly Milestone[];
  communications?: readonly Audience[];
}

/**
 * The parts of the policy a plan is read from. Written out here rather than imported, because the
 * policy's types use Audience and the two modules would otherwise import each other; Policy fits it.
 */
export interface PlanSource {
  communications?: readonly Audience[];
  notify?: readonly Milestone[];
  incidentTypes: Readonly<Record<string, PlanTypeSource>>;
}

export const STAKEHOLDERS_KEY = "stakeholders";

function typeOf(policy: PlanSource, type: string): PlanTypeSource | undefined {
  return Object.hasOwn(policy.incidentTypes, type) ? policy.incidentTypes[type] : undefined;
}

/**
 * The communication plan of an incident type: the type's `communications`, else the policy's,
 * else none; with the type's `stakeholder_channels` in front as a Slack audience "Stakeholders"
 * that hears what the `notify` lists say (the type's, else the policy's, else everything), so
 * policies written before plans existed keep working.
 *
 * No channel is told twice: a stakeholder channel that a Slack audience of the plan already lists
 * is left to that audience (and its notify and priorities), and when the plan lists them all no
 * stakeholder audience is added. If the plan has its own audience keyed `stakeholders`, the added
 * one is keyed `stakeholder_channels` so keys stay unique.
 */
export function planFor(policy: PlanSource, type: string): Audience[] {
  const t = typeOf(policy, type);
  const plan = [...(t?.communications ?? policy.communications ?? [])];
  const told = new Set(plan.filter((a) => a.via === "slack").flatMap((a) => a.channels));
  const channels = [...new Set(t?.stakeholderChannels ?? [])].filter((id) => !told.has(id));
  if (channels.length === 0) return plan;
  // The same rule as notifyListOf in policy-types (not imported: see PlanSource).
  const notify = t?.notify ?? policy.notify ?? null;
  const taken = plan.some((a) => a.key === STAKEHOLDERS_KEY);
  const stakeholders: Audience = {
    key: taken ? "stakeholder_channels" : STAKEHOLDERS_KEY,
    label: taken ? "Stakeholder channels" : "Stakeholders",
    via: "slack",
    channels,
    to: [],
    url: null,
    secretEnv: null,
    notify: notify ? [...notify] : null,
    priorities: null,
    updateEveryMs: null,
  };
  return [stakeholders, ...plan];
}

/** The audiences of a plan that hear this milestone about an incident of this priority, in plan order. */
export function audiencesFor(
  plan: readonly Audience[],
  milestone: Milestone,
  priority: Priority,
): Audience[] {
  return plan.filter((a) => hears(a.notify, milestone) && (!a.priorities || a.priorities.includes(priority)));
}

/** Every plan of the policy with where it is in the file: the top-level one, then each type's. */
function plansOf(policy: PlanSource): Array<{ path: string; plan: readonly Audience[] }> {
  const plans: Array<{ path: string; plan: readonly Audience[] }> = policy.communications
    ? [{ path: "communications", plan: policy.communications }]
    : [];
  for (const [key, t] of Object.entries(policy.incidentTypes)) {
    if (t.communications)
      plans.push({ path: `incident_types.${key}.communications`, plan: t.communications });
  }
  return plans;
}

/**
 * One line per webhook audience whose signing secret is missing from the environment (unset or
 * empty), with its place in the policy, for start-up to refuse: a webhook that cannot be signed
 * would fail every delivery for good.
 */
export function missingSecrets(
  policy: PlanSource,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const lines: string[] = [];
  for (const { path, plan } of plansOf(policy)) {
    plan.forEach((a, index) => {
      if (a.via !== "webhook") return;
      const at = `${path}[${index}].secret_env`;
      if (!a.secretEnv) lines.push(`${at}: required`);
      else if (!env[a.secretEnv]) lines.push(`${at}: ${a.secretEnv} is not set in the environment`);
    });
  }
  return lines;
}

/** Whether any plan of the policy writes email, so SMTP_URL and EMAIL_FROM are needed. */
export function usesEmail(policy: PlanSource): boolean {
  return plansOf(policy).some(({ plan }) => plan.some((a) => a.via === "email"));
}
