import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { REPORT_CHANNEL_LABELS, type ReportChannel, STATUS_LABELS, type Status } from "./incident.js";
import { HOLD_REASON_LABELS, type HoldReason } from "./lifecycle.js";

/**
 * One plain-English line per incident-log entry, for the timeline and the exports. No Slack
 * markup: callers escape and decorate. Details come from the database as untrusted JSON, so
 * every field is read through a typeof check and nothing here throws.
 */

type Details = Record<string, unknown>;
type Entry = Pick<IncidentLogRow, "kind" | "details" | "actor">;

const UNKNOWN_DETAILS_MAX = 300;

/** A scalar as text (line breaks folded to spaces); null for anything else or an empty string. */
function text(d: Details, key: string): string | null {
  const value = d[key];
  if (typeof value === "string") return value === "" ? null : oneLine(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return null;
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\u2028\u2029]+/g, " ");
}

/** `matrixPriority` → `matrix priority`, `not_an_incident` → `not an incident`. */
export function humanise(name: string): string {
  return oneLine(name)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_+/g, " ")
    .toLowerCase()
    .trim();
}

const capitalise = (s: string) => (s === "" ? s : s.charAt(0).toUpperCase() + s.slice(1));

function statusLabel(value: string | null): string {
  if (value === null) return "?";
  return Object.hasOwn(STATUS_LABELS, value) ? STATUS_LABELS[value as Status] : value;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "[unserialisable]";
  }
}

function clipChars(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join("")}…`;
}

const suffix = (label: string, value: string | null) => (value === null ? "" : ` (${label}: ${value})`);
const change = (d: Details) => `${text(d, "from") ?? "none"} → ${text(d, "to") ?? "none"}`;
const posted = (what: string, d: Details) => `${what} ${text(d, "channel") ?? "an unknown channel"}`;

function created(d: Details): string {
  const channel = text(d, "reportChannel");
  const via =
    channel && Object.hasOwn(REPORT_CHANNEL_LABELS, channel)
      ? REPORT_CHANNEL_LABELS[channel as ReportChannel]
      : channel;
  const type = text(d, "type");
  const service = text(d, "affectedService");
  const parts = [
    text(d, "priority"),
    d.major === true ? "major" : null,
    type && `type ${humanise(type)}`,
    via && `reported via ${via}`,
    service && `service ${service}`,
  ].filter((p): p is string => Boolean(p));
  const title = text(d, "title");
  const head = `Incident logged${text(d, "reference") ? ` as ${text(d, "reference")}` : ""}`;
  return `${head}${title ? `: ${title}` : ""}${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

function holdReason(value: string | null): string {
  if (value === null) return "no reason given";
  const label = Object.hasOwn(HOLD_REASON_LABELS, value) ? HOLD_REASON_LABELS[value as HoldReason] : value;
  return humanise(label);
}

function resolved(d: Details): string {
  const r = typeof d.resolution === "object" && d.resolution !== null ? (d.resolution as Details) : {};
  const code = text(r, "closeCode");
  const summary = text(r, "summary");
  const root = text(r, "rootCause");
  return `Resolved${code ? ` (${humanise(code)})` : ""}${summary ? `: ${summary}` : ""}${root ? `; root cause: ${root}` : ""}`;
}

function statusChanged(d: Details): string {
  const action = text(d, "action");
  const reason = text(d, "reason");
  if (action === "hold") {
    const note = text(d, "holdNote");
    return `Put on hold (${holdReason(text(d, "holdReason"))})${note ? `: ${note}` : ""}`;
  }
  if (action === "resolve") return resolved(d);
  if (action === "reopen") return `Reopened${reason ? `: ${reason}` : ""}`;
  const from = statusLabel(text(d, "from"));
  return `Status ${from} → ${statusLabel(text(d, "to"))}${suffix("reason", reason)}`;
}

function ownerChanged(d: Details): string {
  const from = text(d, "from");
  const to = text(d, "to");
  const via = text(d, "via");
  const how = via ? ` (via ${humanise(via)})` : "";
  if (to === null) return `Owner cleared${from ? ` (was ${from})` : ""}${how}`;
  return `${from ? `Owner changed ${from} → ${to}` : `Owner set to ${to}`}${how}`;
}

function updateWritten(d: Details): string {
  const n = Array.isArray(d.channels) ? d.channels.length : 0;
  const next = text(d, "nextUpdateAt");
  return `Stakeholder update written for ${n} channel${n === 1 ? "" : "s"}${next ? `; next update by ${next}` : ""}`;
}

function fieldChanged(d: Details): string {
  const field = text(d, "field");
  const name = field ? capitalise(humanise(field)) : "A field";
  return `${name} changed ${change(d)}${suffix("reason", text(d, "reason"))}`;
}

/** `{format}` or `{formats: [...], entries, channel}`. */
function exported(d: Details): string {
  const listed = Array.isArray(d.formats) ? d.formats.filter((f): f is string => typeof f === "string") : [];
  const formats = listed.length > 0 ? listed.map(oneLine).join(" and ") : text(d, "format");
  const n = d.entries;
  const count = typeof n === "number" ? ` (${n} entr${n === 1 ? "y" : "ies"})` : "";
  const channel = text(d, "channel");
  return `Log exported${formats ? ` as ${formats}` : ""}${count}${channel ? ` to ${channel}` : ""}`;
}

const purposeOf = (d: Details) => {
  const purpose = text(d, "purpose");
  return purpose ? ` (${humanise(purpose)})` : "";
};

function playbookPosted(d: Details): string {
  const n = Array.isArray(d.steps) ? d.steps.length : 0;
  const label = text(d, "typeLabel") ?? (text(d, "type") ? humanise(text(d, "type") ?? "") : null);
  const where = text(d, "channel");
  return `Playbook checklist${label ? ` for ${label}` : ""} posted (${n} step${n === 1 ? "" : "s"})${where ? ` to ${where}` : ""}`;
}

function playbookStepTicked(d: Details): string {
  const n = typeof d.step === "number" ? ` ${d.step + 1}` : "";
  const step = text(d, "text");
  return `Playbook step${n} ${d.done === false ? "unticked" : "ticked"}${step ? `: ${step}` : ""}`;
}

function handedOver(d: Details): string {
  const note = text(d, "note");
  return `Handed over ${change(d)}${note ? `. Note: ${note}` : ""}`;
}

/** Strings of a JSON array, one-lined; empty for anything else. */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").map(oneLine) : [];
}

function briefingPosted(d: Details): string {
  const channels = strings(d.channels);
  const next = text(d, "nextUpdateAt");
  const where = channels.length > 0 ? ` to ${channels.join(", ")}` : "";
  return `Agents briefed${where}${next ? `; next update to agents by ${next}` : ""}`;
}

function briefingConfirmed(d: Details): string {
  const team = text(d, "teamLabel") ?? text(d, "team") ?? "a team";
  return `${team} confirmed briefed by ${text(d, "lead") ?? "?"}`;
}

const IMPACT_LABELS: Record<string, string> = {
  callsQueued: "calls queued",
  abandonmentRate: "abandonment %",
  affectedQueue: "affected queue",
};

/** `{changes: [{field, from, to}], ...}`: each change as "calls queued none → 42". */
function impactRecorded(d: Details): string {
  const changes = Array.isArray(d.changes) ? d.changes : [];
  const lines = changes
    .filter((c): c is Details => typeof c === "object" && c !== null)
    .map((c) => {
      const field = text(c, "field");
      const label = field ? (IMPACT_LABELS[field] ?? humanise(field)) : "?";
      return `${label} ${change(c)}`;
    });
  return `Contact-centre impact recorded${lines.length > 0 ? `: ${lines.join(", ")}` : " (unchanged)"}`;
}

function helpRequested(d: Details): string {
  const to = strings(d.to);
  const via = text(d, "via");
  const how = via === "team_leads" ? " by direct message" : "";
  const request = text(d, "request");
  return `Help requested from ${to.length > 0 ? to.join(", ") : "?"}${how}${request ? `: ${request}` : ""}`;
}

/** `ACT-7` from an improvement-action entry's number. */
const actionRef = (d: Details) => `ACT-${text(d, "number") ?? "?"}`;
const owner = (d: Details) => text(d, "ownerId") ?? "?";

function actionEscalated(d: Details): string {
  const to = Array.isArray(d.to) ? d.to.filter((u): u is string => typeof u === "string").map(oneLine) : [];
  const days = typeof d.daysOverdue === "number" ? d.daysOverdue : null;
  const late = days === null ? "overdue" : `${days} day${days === 1 ? "" : "s"} overdue`;
  const whom = to.length > 0 ? `escalated to ${to.join(", ")}` : "nobody to escalate to (no team lead)";
  return `Improvement action ${actionRef(d)} (owner ${owner(d)}) ${late}: ${whom}`;
}

const ACTION_DESCRIBE: Record<string, (d: Details) => string> = {
  action_added: (d) =>
    `Improvement action ${actionRef(d)} added for ${owner(d)}, due ${text(d, "dueOn") ?? "?"}${text(d, "description") ? `: ${text(d, "description")}` : ""}`,
  action_reminded: (d) =>
    `Reminded ${owner(d)} that improvement action ${actionRef(d)} is due ${text(d, "dueOn") ?? "?"}`,
  action_overdue: (d) =>
    `Improvement action ${actionRef(d)} overdue (was due ${text(d, "dueOn") ?? "?"}); told ${owner(d)}`,
  action_escalated: actionEscalated,
  action_done: (d) => `Improvement action ${actionRef(d)} marked done`,
  action_rescheduled: (d) =>
    `Improvement action ${actionRef(d)} moved ${change(d)}${suffix("reason", text(d, "reason"))}`,
};

const DESCRIBE: Record<string, (d: Details) => string> = {
  ...ACTION_DESCRIBE,
  created,
  priority_overridden: (d) => `Priority overridden ${change(d)}${suffix("reason", text(d, "reason"))}`,
  caller_reference_set: () => "Caller reference recorded",
  caller_reference_erased: (d) =>
    `Caller reference erased: retention period (${text(d, "retention") ?? "policy"}) after closure ended`,
  channel_created: (d) =>
    `Incident channel created${text(d, "name") ? `: #${text(d, "name")}` : ""}${suffix("id", text(d, "channel"))}`,
  reporter_invited: (d) =>
    `Reporter ${text(d, "user") ?? "?"} invited to ${text(d, "channel") ?? "the incident channel"}`,
  summary_posted: (d) => posted("Posted summary card to", d),
  summary_pinned: (d) => posted("Pinned summary card in", d),
  announcement_posted: (d) => posted("Posted announcement to", d),
  reporter_notified: (d) => posted("Notified the reporter in", d),
  delivery_failed: (d) =>
    `Delivery to ${text(d, "channel") ?? "?"} failed: ${text(d, "error") ?? "unknown error"}${purposeOf(d)}`,
  delivery_failure_reported: (d) =>
    `Told ${text(d, "to") ?? "?"} that delivery to ${text(d, "channel") ?? "?"} failed${purposeOf(d)}`,
  status_changed: statusChanged,
  owner_changed: ownerChanged,
  note_added: (d) => `Note: ${text(d, "text") ?? ""}`.trimEnd(),
  update_written: updateWritten,
  update_posted: (d) => posted("Posted update to", d),
  milestone_posted: (d) => posted("Told stakeholders in", d),
  agents_told_resolved: (d) =>
    `Agents told the incident is resolved${strings(d.channels).length > 0 ? ` in ${strings(d.channels).join(", ")}` : ""}`,
  agents_told_reopened: (d) =>
    `Agents told the incident is back${strings(d.channels).length > 0 ? ` in ${strings(d.channels).join(", ")}` : ""}`,
  field_changed: fieldChanged,
  exported,
  playbook_posted: playbookPosted,
  playbook_step_ticked: playbookStepTicked,
  handed_over: handedOver,
  briefing_posted: briefingPosted,
  briefing_confirmed: briefingConfirmed,
  impact_recorded: impactRecorded,
  help_requested: helpRequested,
  review_requested: (d) =>
    text(d, "trigger") === "resolved"
      ? "Post-incident review requested (major incident resolved)"
      : "Post-incident review requested",
  review_completed: (d) => {
    const category = text(d, "category");
    const n = typeof d.actions === "number" ? d.actions : null;
    const actions = n === null ? "" : `, ${n} preventive action${n === 1 ? "" : "s"}`;
    return `Post-incident review completed${category ? ` (root cause: ${humanise(category)}${actions})` : actions ? ` (${actions.slice(2)})` : ""}`;
  },
  review_published: (d) =>
    `Post-incident review document uploaded to ${text(d, "channel") ?? "the incident channel"}${suffix("file", text(d, "fileId"))}`,
};

function unknownKind(kind: string, details: unknown): string {
  const name = capitalise(humanise(kind)) || "Unknown event";
  const isEmpty = typeof details === "object" && details !== null && Object.keys(details).length === 0;
  if (details === undefined || details === null || isEmpty) return name;
  return `${name} ${clipChars(oneLine(safeJson(details)), UNKNOWN_DETAILS_MAX)}`;
}

/** One plain-English line for a log entry; never throws, whatever `details` holds. */
export function describeEntry(entry: Entry): string {
  const kind = typeof entry.kind === "string" ? entry.kind : String(entry.kind);
  const raw: unknown = entry.details;
  const details = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Details) : {};
  const describe = Object.hasOwn(DESCRIBE, kind) ? DESCRIBE[kind] : undefined;
  if (!describe) return unknownKind(kind, raw);
  try {
    return describe(details);
  } catch {
    return unknownKind(kind, raw);
  }
}
