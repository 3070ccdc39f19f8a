import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { CALLBACK_BY, CALLBACK_OUTCOME_LABELS, type CallbackOutcome } from "./callers.js";
import { formatLongDuration } from "./duration.js";
import { REPORT_CHANNEL_LABELS, type ReportChannel, STATUS_LABELS, type Status } from "./incident.js";
import { HOLD_REASON_LABELS, type HoldReason } from "./lifecycle.js";
import { WORK_DESCRIBE } from "./log-describe-work.js";
import {
  capitalise,
  change,
  clipChars,
  type DescribeContext,
  type Details,
  field,
  genericDetails,
  humanise,
  listOf,
  NO_NAMES,
  oneLine,
  party,
  person,
  place,
  plural,
  readable,
  strings,
  suffix,
  text,
} from "./log-values.js";
import { formatReference, parseReference } from "./reference.js";
import { sentence } from "./sentence.js";

/**
 * One plain-English line per incident-log entry, for the timeline and the exports: people and
 * channels by name (from `ctx.names`, which the caller fills), times in the policy's zone, no
 * internal field names. No Slack markup: callers escape and decorate. Nothing here throws.
 */

export { type DescribeContext, humanise, NO_NAMES } from "./log-values.js";

type Entry = Pick<IncidentLogRow, "kind" | "details" | "actor">;
type Describe = (d: Details, ctx: DescribeContext) => string;

const UNKNOWN_DETAILS_MAX = 300;

function statusLabel(ctx: DescribeContext, value: string | null): string {
  if (value === null) return "?";
  return Object.hasOwn(STATUS_LABELS, value) ? STATUS_LABELS[value as Status] : (readable(ctx, value) ?? "?");
}

export function typeLabel(ctx: DescribeContext, key: string): string {
  const labels = ctx.typeLabels ?? {};
  return Object.hasOwn(labels, key) ? oneLine(labels[key] ?? key) : humanise(key);
}

const posted = (what: string) => (d: Details, ctx: DescribeContext) =>
  `${what} ${place(ctx, text(d, "channel") ?? "an unknown channel")}`;

function created(d: Details, ctx: DescribeContext): string {
  const channel = text(d, "reportChannel");
  const via =
    channel && Object.hasOwn(REPORT_CHANNEL_LABELS, channel)
      ? REPORT_CHANNEL_LABELS[channel as ReportChannel]
      : channel && humanise(channel);
  const type = text(d, "type");
  const service = text(d, "affectedService");
  const parts = [
    text(d, "priority"),
    d.major === true ? "major" : null,
    type && `type ${typeLabel(ctx, type)}`,
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
  const said = summary ? `: ${root ? sentence(summary) : summary}` : "";
  return `Resolved${code ? ` (${humanise(code)})` : ""}${said}${root ? `${summary ? " Root" : "; root"} cause: ${root}` : ""}`;
}

function statusChanged(d: Details, ctx: DescribeContext): string {
  const action = text(d, "action");
  const reason = text(d, "reason");
  if (action === "hold") {
    const note = text(d, "holdNote");
    return `Put on hold (${holdReason(text(d, "holdReason"))})${note ? `: ${note}` : ""}`;
  }
  if (action === "resolve") return resolved(d);
  if (action === "reopen") return `Reopened${reason ? `: ${reason}` : ""}`;
  const from = statusLabel(ctx, text(d, "from"));
  return `Status ${from} → ${statusLabel(ctx, text(d, "to"))}${suffix("reason", reason)}`;
}

const OWNER_VIA: Record<string, string> = {
  acknowledge: "on acknowledging",
  handover: "by handover",
};

function ownerChanged(d: Details, ctx: DescribeContext): string {
  const from = text(d, "from");
  const to = text(d, "to");
  const via = text(d, "via");
  const how = via ? ` (${OWNER_VIA[via] ?? `via ${humanise(via)}`})` : "";
  if (to === null) return `Owner cleared${from ? ` (was ${person(ctx, from)})` : ""}${how}`;
  return `${from ? `Owner changed ${person(ctx, from)} → ${person(ctx, to)}` : `Owner set to ${person(ctx, to)}`}${how}`;
}

function updateWritten(d: Details, ctx: DescribeContext): string {
  const channels = strings(d.channels).map((c) => place(ctx, c));
  const next = field(ctx, d, "nextUpdateAt");
  const where = channels.length > 0 ? `for ${listOf(channels)}` : "for no channels";
  return `Stakeholder update written ${where}${next ? `; next update by ${next}` : ""}`;
}

/** How the incident's fields are called in front of people. */
const FIELD_LABELS: Record<string, string> = {
  matrixPriority: "priority from the matrix",
  priority: "priority",
  impact: "impact",
  urgency: "urgency",
  type: "type",
  major: "major incident",
  affectedService: "affected service",
  reportChannel: "report channel",
  personalData: "personal data",
};

function fieldChanged(d: Details, ctx: DescribeContext): string {
  const key = text(d, "field");
  const reason = suffix("reason", text(d, "reason"));
  if (key === "major" && typeof d.to === "boolean") {
    return `${d.to ? "Made a major incident" : "No longer a major incident"}${reason}`;
  }
  if (key === "personalData") {
    const clocks = strings(d.clocksStarted).map(humanise);
    return `Flagged as involving personal data${clocks.length > 0 ? ` (clocks started: ${listOf(clocks)})` : ""}${reason}`;
  }
  const name = key ? capitalise(FIELD_LABELS[key] ?? humanise(key)) : "A field";
  if (key === "type") {
    const side = (v: string | null) => (v ? typeLabel(ctx, v) : "none");
    return `Type changed ${side(text(d, "from"))} → ${side(text(d, "to"))}${reason}`;
  }
  return `${name} changed ${change(ctx, d)}${reason}`;
}

/** `{format}` or `{formats: [...], entries, channel}`. */
function exported(d: Details, ctx: DescribeContext): string {
  const listed = strings(d.formats);
  const single = text(d, "format");
  const formats = listed.length > 0 ? listed.map(formatName).join(" and ") : single && formatName(single);
  const n = d.entries;
  const count = typeof n === "number" ? ` (${plural(n, "entry", "entries")})` : "";
  const channel = text(d, "channel");
  return `Log exported${formats ? ` as ${formats}` : ""}${count}${channel ? ` to ${place(ctx, channel)}` : ""}`;
}

const FORMAT_NAMES: Record<string, string> = { markdown: "Markdown", csv: "CSV" };
const formatName = (f: string) => FORMAT_NAMES[f.toLowerCase()] ?? f;

function handedOver(d: Details, ctx: DescribeContext): string {
  const note = text(d, "note");
  return `Handed over ${change(ctx, d)}${note ? `. Note: ${note}` : ""}`;
}

function agentsTold(what: string): Describe {
  return (d, ctx) => {
    const where = strings(d.channels).map((c) => place(ctx, c));
    return `Agents told the incident ${what}${where.length > 0 ? ` in ${listOf(where)}` : ""}`;
  };
}

/**
 * The vocabulary of a communication made outside Switchboard (the *Log a communication* form),
 * as `communication_logged` entries store it: by which channel, and which way.
 */
export const LOGGED_CHANNELS = ["phone", "email", "sms", "letter", "radio", "in_person", "other"] as const;
export type LoggedChannel = (typeof LOGGED_CHANNELS)[number];
export const LOGGED_DIRECTIONS = ["outbound", "inbound"] as const;
export type LoggedDirection = (typeof LOGGED_DIRECTIONS)[number];

/** What the form offers, and what one such communication is called in a sentence. */
export const LOGGED_CHANNEL_WORDS: Record<LoggedChannel, { label: string; noun: string }> = {
  phone: { label: "Phone", noun: "phone call" },
  email: { label: "Email", noun: "email" },
  sms: { label: "SMS", noun: "SMS" },
  letter: { label: "Letter", noun: "letter" },
  radio: { label: "Radio", noun: "radio call" },
  in_person: { label: "In person", noun: "conversation in person" },
  other: { label: "Other", noun: "communication" },
};

export const isLoggedChannel = (v: string | null): v is LoggedChannel =>
  v !== null && Object.hasOwn(LOGGED_CHANNEL_WORDS, v);

/**
 * "phone call to Regulator", "email from customers", "conversation in person with Dana's
 * manager": the communication without its time or summary. `whom` is as people should read it.
 */
export function loggedCommunicationWords(channel: string | null, direction: string | null, whom: string) {
  const noun = isLoggedChannel(channel) ? LOGGED_CHANNEL_WORDS[channel].noun : "communication";
  const towards =
    channel === "in_person"
      ? "with"
      : direction === "inbound"
        ? "from"
        : direction === "outbound"
          ? "to"
          : "with";
  return `${noun} ${towards} ${whom}`;
}

/** `{with, audience?, audienceLabel?, other?, channel, direction, summary, at}`. */
function communicationLogged(d: Details, ctx: DescribeContext): string {
  const party = text(d, "with");
  const named = (key: string) => field(ctx, d, key);
  const whom =
    party === "customers"
      ? "customers"
      : party === "other"
        ? (named("other") ?? "someone else")
        : (named("audienceLabel") ?? named("audience") ?? "an audience");
  const direction = text(d, "direction");
  const known = direction === "inbound" || direction === "outbound" ? direction : null;
  const when = named("at");
  const how = [known, when].filter((p): p is string => p !== null);
  const summary = text(d, "summary");
  return `${capitalise(loggedCommunicationWords(text(d, "channel"), known, whom))}${how.length > 0 ? ` (${how.join(", ")})` : ""}${summary ? `: ${summary}` : ""}`;
}

const DESCRIBE: Record<string, Describe> = {
  ...WORK_DESCRIBE,
  created,
  priority_overridden: (d, ctx) =>
    `Priority overridden ${change(ctx, d)}${suffix("reason", text(d, "reason"))}`,
  caller_reference_set: () => "Caller reference recorded",
  personal_data_viewed: (d) => `Personal data viewed: the ${text(d, "what") ?? "caller reference"}`,
  caller_reference_erased: (d) =>
    `${d.what === "callers' details" ? `Callers' details erased (${plural(count(d), "caller report")})` : "Caller reference erased"}: retention period (${text(d, "retention") ?? "policy"}) after closure ended`,
  channel_created: (d, ctx) => {
    const name = text(d, "name");
    const channel = text(d, "channel");
    return `Incident channel created${name ? `: #${name}` : channel ? `: ${place(ctx, channel)}` : ""}`;
  },
  reporter_invited: (d, ctx) =>
    `Reporter ${person(ctx, text(d, "user") ?? "?")} invited to ${place(ctx, text(d, "channel") ?? "the incident channel")}`,
  owner_invited: (d, ctx) =>
    `Owner ${person(ctx, text(d, "user") ?? "?")} invited to ${place(ctx, text(d, "channel") ?? "the incident channel")}`,
  channel_joined: (d, ctx) =>
    `${person(ctx, text(d, "user") ?? "?")} joined ${place(ctx, text(d, "channel") ?? "the incident channel")} from a request for help`,
  summary_posted: posted("Posted summary card to"),
  summary_pinned: posted("Pinned summary card in"),
  announcement_posted: posted("Posted announcement to"),
  reporter_notified: posted("Notified the reporter in"),
  status_changed: statusChanged,
  owner_changed: ownerChanged,
  note_added: (d) => `Note: ${text(d, "text") ?? ""}`.trimEnd(),
  update_written: updateWritten,
  update_posted: posted("Posted update to"),
  agents_told_resolved: agentsTold("is resolved"),
  agents_told_reopened: agentsTold("is back"),
  field_changed: fieldChanged,
  exported,
  handed_over: handedOver,
  communication_logged: communicationLogged,
  caller_report_added: callerReportAdded,
  caller_reports_moved: callerReportsMoved,
  caller_volume_reached: (d) => {
    const within = typeof d.withinMs === "number" && d.withinMs > 0 ? d.withinMs : null;
    return `Caller volume reached: ${plural(count({ count: d.callers }), "caller")}${within ? ` in ${formatLongDuration(within)}` : ""}`;
  },
  callbacks_listed: (d) => `Callback list posted: ${plural(count(d), "caller")} to call back`,
  callback_claimed: (d) => `Took ${plural(count(d), "callback")}`,
  callback_recorded: (d) => {
    const outcome = text(d, "outcome");
    const label =
      outcome && outcome in CALLBACK_OUTCOME_LABELS
        ? CALLBACK_OUTCOME_LABELS[outcome as CallbackOutcome]
        : outcome;
    return `Callback made: ${(label ?? "outcome recorded").toLowerCase()}`;
  },
  promoted_to_channel: (d, ctx) => {
    const name = text(d, "name");
    const channel = text(d, "channel");
    return `Given a channel of its own${name ? `: #${name}` : channel ? `: ${place(ctx, channel)}` : ""}`;
  },
};

/** The entry's `count`: a whole number, 0 when missing or not one. */
function count(d: Details): number {
  const n = d.count;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : 0;
}

/** "Caller report added (phone, callback wanted by SMS)": how, and whether to call back; never who. */
function callerReportAdded(d: Details): string {
  const channel = text(d, "reportChannel");
  const how =
    channel && channel in REPORT_CHANNEL_LABELS ? REPORT_CHANNEL_LABELS[channel as ReportChannel] : null;
  const callback = text(d, "callback");
  const back =
    callback && callback in CALLBACK_BY
      ? `callback wanted ${CALLBACK_BY[callback as keyof typeof CALLBACK_BY]}`
      : null;
  const parts = [how?.toLowerCase(), back].filter((p): p is string => !!p);
  return `Caller report added${parts.length > 0 ? ` (${parts.join(", ")})` : ""}`;
}

/** Out of a duplicate: "3 caller reports moved to INC-000123"; into its master: "… from INC-000124". */
function callerReportsMoved(d: Details): string {
  const reports = plural(count(d), "caller report");
  // Only an incident reference is shown: anything else in the field is not ours to print.
  const ref = (key: string) => {
    const n = parseReference(text(d, key) ?? "");
    return n === null ? null : formatReference(n);
  };
  const to = ref("to");
  const from = ref("from");
  if (to) return `${reports} moved to ${to}, of which this is a duplicate`;
  if (from) return `${reports} moved here from ${from}, a duplicate of this incident`;
  return `${reports} moved`;
}

function unknownKind(kind: string, details: unknown, ctx: DescribeContext): string {
  const name = capitalise(humanise(kind)) || "Unknown event";
  const shown = oneLine(genericDetails(ctx, details)).trim();
  return shown === "" ? name : `${name} (${clipChars(shown, UNKNOWN_DETAILS_MAX)})`;
}

/** One plain-English line for a log entry; never throws, whatever `details` holds. */
export function describeEntry(entry: Entry, ctx: DescribeContext = NO_NAMES): string {
  const kind = typeof entry.kind === "string" ? entry.kind : String(entry.kind);
  const raw: unknown = entry.details;
  const details = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Details) : {};
  const describe = Object.hasOwn(DESCRIBE, kind) ? DESCRIBE[kind] : undefined;
  try {
    const line = describe ? describe(details, ctx) : unknownKind(kind, raw, ctx);
    return oneLine(line) || capitalise(humanise(kind)) || "Unknown event";
  } catch {
    return capitalise(humanise(kind)) || "Unknown event";
  }
}

/** Who did it: a name, "Switchboard" for the system, "someone" for an id nobody could name. */
export function describeActor(actor: unknown, ctx: DescribeContext = NO_NAMES): string {
  if (typeof actor !== "string" || actor.trim() === "") return "someone";
  return party(ctx, actor);
}
