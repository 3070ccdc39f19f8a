import {
  change,
  type DescribeContext,
  type Details,
  field,
  humanise,
  listOf,
  party,
  person,
  place,
  plural,
  strings,
  suffix,
  text,
} from "./log-values.js";
import { readableDuration } from "./readable-time.js";

/**
 * Describers for the entries around the incident's own lifecycle: SLA clocks and escalations,
 * deliveries, the floor (briefings, playbooks, help), and the review with its improvement
 * actions. Same rules as log-describe.ts: names for ids, local times, no internal names.
 */

type Describe = (d: Details, ctx: DescribeContext) => string;

/** What each clock is the deadline for ("the response deadline"). */
const CLOCK_WORDS: Record<string, string> = {
  respond: "response",
  update_every: "stakeholder update",
  resolve: "resolution",
  manual: "manual",
};

const clockName = (d: Details) => {
  const clock = text(d, "clock");
  return clock ? (CLOCK_WORDS[clock] ?? humanise(clock)) : "SLA";
};

const late = (d: Details) => {
  const reason = text(d, "lateReason");
  const ms = typeof d.lateMs === "number" ? d.lateMs : null;
  if (reason === null && ms === null) return "";
  return ` (${ms === null ? "late" : `${readableDuration(ms)} late`}${reason ? `: ${reason}` : ""})`;
};

function escalationSent(d: Details, ctx: DescribeContext): string {
  const level = typeof d.level === "number" ? ` to level ${d.level}` : "";
  const role = text(d, "role");
  const to = strings(d.to).map((u) => person(ctx, u));
  const whom = `${role ? `, ${humanise(role)}` : ""} (${to.length > 0 ? listOf(to) : "nobody holds that role"})`;
  if (d.manual === true) {
    const reason = text(d, "reason");
    return `Escalated by hand${level}${whom}${reason ? `: ${reason}` : ""}`;
  }
  const overdue = typeof d.overdueMs === "number" ? readableDuration(d.overdueMs) : null;
  const missed = overdue ? `: ${clockName(d)} deadline missed by ${overdue}` : "";
  return `Escalated${level}${whom}${missed}${late(d)}`;
}

const PURPOSE_LABELS: Record<string, string> = {
  summary_card: "summary card",
  reporter_notice: "note to the reporter",
  escalation_dm: "escalation message",
  failure_notice: "failure notice",
  briefing: "agent briefing",
};

const purposeOf = (d: Details) => {
  const purpose = text(d, "purpose");
  return purpose ? ` (${PURPOSE_LABELS[purpose] ?? humanise(purpose)})` : "";
};

const SLA_DESCRIBE: Record<string, Describe> = {
  sla_warning: (d) => `SLA warning: the ${clockName(d)} deadline is near${late(d)}`,
  sla_breached: (d, ctx) => {
    const due = field(ctx, d, "dueAt");
    return `SLA breached: the ${clockName(d)} deadline ${due ? `was ${due}` : "passed"}${late(d)}`;
  },
  escalation_sent: escalationSent,
  escalation_acknowledged: (d) => `Escalation of the ${clockName(d)} deadline acknowledged`,
  clock_stopped: (d) => {
    const label = text(d, "label");
    return `${label ? `${label}: the` : "The"} ${clockName(d)} clock stopped`;
  },
  delivery_failed: (d, ctx) =>
    `Delivery to ${place(ctx, text(d, "channel") ?? "an unknown channel")} failed: ${humanise(text(d, "error") ?? "unknown error")}${purposeOf(d)}`,
  delivery_failure_reported: (d, ctx) =>
    `Told ${party(ctx, text(d, "to") ?? "nobody")} that delivery to ${place(ctx, text(d, "channel") ?? "an unknown channel")} failed${purposeOf(d)}`,
};

const MILESTONE_LABELS: Record<string, string> = {
  logged: "incident logged",
  owner_changed: "new owner",
  update: "stakeholder update",
  priority_changed: "priority changed",
  major_changed: "major incident changed",
  on_hold: "on hold",
};

function milestonePosted(d: Details, ctx: DescribeContext): string {
  const channels = [text(d, "channel"), ...strings(d.channels)].filter((c): c is string => c !== null);
  const where = channels.length > 0 ? listOf(channels.map((c) => place(ctx, c))) : "their channels";
  const milestone = text(d, "milestone") ?? text(d, "event");
  return `Told stakeholders in ${where}${milestone ? ` (${MILESTONE_LABELS[milestone] ?? humanise(milestone)})` : ""}`;
}

function playbookPosted(d: Details, ctx: DescribeContext): string {
  const n = Array.isArray(d.steps) ? d.steps.length : 0;
  const type = text(d, "type");
  const label = text(d, "typeLabel") ?? (type ? humanise(type) : null);
  const where = text(d, "channel");
  return `Playbook checklist${label ? ` for ${label}` : ""} posted (${plural(n, "step")})${where ? ` to ${place(ctx, where)}` : ""}`;
}

function playbookStepTicked(d: Details): string {
  const n = typeof d.step === "number" ? ` ${d.step + 1}` : "";
  const step = text(d, "text");
  return `Playbook step${n} ${d.done === false ? "unticked" : "ticked"}${step ? `: ${step}` : ""}`;
}

function briefingPosted(d: Details, ctx: DescribeContext): string {
  const channels = strings(d.channels).map((c) => place(ctx, c));
  const next = field(ctx, d, "nextUpdateAt");
  const where = channels.length > 0 ? ` in ${listOf(channels)}` : "";
  return `Agents briefed${where}${next ? `; next update to agents by ${next}` : ""}`;
}

function briefingConfirmed(d: Details, ctx: DescribeContext): string {
  const team = text(d, "teamLabel") ?? text(d, "team") ?? "a team";
  const lead = text(d, "lead");
  return `${team} confirmed briefed${lead ? ` by ${person(ctx, lead)}` : ""}`;
}

/** `{cleared: [{teamLabel, lead}]}`: the teams to brief again after a reopen, and who had confirmed. */
function briefingConfirmationsCleared(d: Details, ctx: DescribeContext): string {
  const cleared = Array.isArray(d.cleared) ? (d.cleared as unknown[]) : [];
  const teams = cleared.flatMap((c) => {
    if (typeof c !== "object" || c === null) return [];
    const entry = c as Details;
    const team = text(entry, "teamLabel") ?? text(entry, "team");
    const lead = text(entry, "lead");
    return team ? [`${team}${lead ? ` (was confirmed by ${person(ctx, lead)})` : ""}`] : [];
  });
  return `Briefing to be confirmed again after the reopen${teams.length > 0 ? `: ${listOf(teams)}` : ""}`;
}

const IMPACT_LABELS: Record<string, string> = {
  callsQueued: "calls queued",
  abandonmentRate: "abandonment %",
  affectedQueue: "affected queue",
};

/** `{changes: [{field, from, to}], ...}`: each change as "calls queued none → 42". */
function impactRecorded(d: Details, ctx: DescribeContext): string {
  const changes = Array.isArray(d.changes) ? d.changes : [];
  const lines = changes
    .filter((c): c is Details => typeof c === "object" && c !== null)
    .map((c) => {
      const key = text(c, "field");
      const label = key ? (IMPACT_LABELS[key] ?? humanise(key)) : "?";
      return `${label} ${change(ctx, c)}`;
    });
  return `Contact-centre impact recorded${lines.length > 0 ? `: ${lines.join(", ")}` : " (unchanged)"}`;
}

function helpRequested(d: Details, ctx: DescribeContext): string {
  const to = strings(d.to).map((t) => party(ctx, t));
  const how = text(d, "via") === "team_leads" ? " by direct message" : "";
  const request = text(d, "request");
  return `Help requested from ${to.length > 0 ? listOf(to) : "?"}${how}${request ? `: ${request}` : ""}`;
}

/** `ACT-7` from an improvement-action entry's number. */
const actionRef = (d: Details) => `ACT-${text(d, "number") ?? "?"}`;
const owner = (d: Details, ctx: DescribeContext) => {
  const id = text(d, "ownerId");
  return id ? person(ctx, id) : "its owner";
};
const due = (d: Details, ctx: DescribeContext) => field(ctx, d, "dueOn") ?? "?";

function actionEscalated(d: Details, ctx: DescribeContext): string {
  const to = strings(d.to).map((u) => person(ctx, u));
  const days = typeof d.daysOverdue === "number" ? d.daysOverdue : null;
  const overdue = days === null ? "overdue" : `${plural(days, "day")} overdue`;
  const whom = to.length > 0 ? `escalated to ${listOf(to)}` : "nobody to escalate to (no team lead)";
  return `Improvement action ${actionRef(d)} (owner ${owner(d, ctx)}) ${overdue}: ${whom}`;
}

const ACTION_DESCRIBE: Record<string, Describe> = {
  action_added: (d, ctx) =>
    `Improvement action ${actionRef(d)} added for ${owner(d, ctx)}, due ${due(d, ctx)}${text(d, "description") ? `: ${text(d, "description")}` : ""}`,
  action_reminded: (d, ctx) =>
    `Reminded ${owner(d, ctx)} that improvement action ${actionRef(d)} is due ${due(d, ctx)}`,
  action_overdue: (d, ctx) =>
    `Improvement action ${actionRef(d)} overdue (was due ${due(d, ctx)}); told ${owner(d, ctx)}`,
  action_escalated: actionEscalated,
  action_done: (d) => `Improvement action ${actionRef(d)} marked done`,
  action_rescheduled: (d, ctx) =>
    `Improvement action ${actionRef(d)} moved ${change(ctx, d)}${suffix("reason", text(d, "reason"))}`,
};

const REVIEW_DESCRIBE: Record<string, Describe> = {
  review_requested: (d) =>
    text(d, "trigger") === "resolved"
      ? "Post-incident review requested (major incident resolved)"
      : "Post-incident review requested",
  review_completed: (d) => {
    const category = text(d, "category");
    const n = typeof d.actions === "number" ? d.actions : null;
    const actions = n === null ? null : plural(n, "preventive action");
    const parts = [category && `root cause: ${humanise(category)}`, actions].filter(Boolean);
    return `Post-incident review completed${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
  },
  review_published: (d, ctx) =>
    `Post-incident review document uploaded to ${place(ctx, text(d, "channel") ?? "the incident channel")}`,
};

const VIA_LABELS: Record<string, string> = { email: "Emailed", webhook: "Sent a webhook to" };

/** `{via, audience, milestone, recipients?}`: "Emailed Executives (3 recipients): resolved". */
function communicationSent(d: Details): string {
  const via = text(d, "via");
  const audience = text(d, "audience") ?? "an audience";
  const n = d.recipients;
  const recipients = typeof n === "number" ? ` (${plural(n, "recipient")})` : "";
  const milestone = text(d, "milestone");
  const what = milestone ? `: ${MILESTONE_LABELS[milestone] ?? humanise(milestone)}` : "";
  return `${(via && VIA_LABELS[via]) ?? "Sent to"} ${audience}${recipients}${what}`;
}

function communicationFailed(d: Details): string {
  const via = text(d, "via");
  const audience = text(d, "audience") ?? "an audience";
  const milestone = text(d, "milestone");
  const what = milestone ? ` (${MILESTONE_LABELS[milestone] ?? humanise(milestone)})` : "";
  const error = text(d, "error");
  return `Could not ${via === "webhook" ? "send the webhook to" : "email"} ${audience}${what}${error ? `: ${error}` : ""}`;
}

export const WORK_DESCRIBE: Record<string, Describe> = {
  communication_sent: communicationSent,
  communication_failed: communicationFailed,
  ...SLA_DESCRIBE,
  ...ACTION_DESCRIBE,
  ...REVIEW_DESCRIBE,
  milestone_posted: milestonePosted,
  playbook_posted: playbookPosted,
  playbook_step_ticked: playbookStepTicked,
  briefing_posted: briefingPosted,
  briefing_confirmed: briefingConfirmed,
  briefing_confirmations_cleared: briefingConfirmationsCleared,
  impact_recorded: impactRecorded,
  help_requested: helpRequested,
};
