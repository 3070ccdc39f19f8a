import { readableDate, readableTime } from "./readable-time.js";

/**
 * Reading the values of incident-log details for people: Slack ids become names, ISO times
 * become local times, internal names become words. Details come from the database as untrusted
 * JSON, so every value is read through a typeof check and nothing here throws.
 */

export type Details = Record<string, unknown>;

/** What a description needs besides the entry: names for the ids it mentions, and the zone. */
export interface DescribeContext {
  /** Labels by Slack id: people as "Dana Scully", channels as "#incident-stakeholders". */
  names: ReadonlyMap<string, string>;
  /** The policy's time zone. */
  timezone: string;
  /** Incident-type labels from the policy, by key ("service_failure" → "Service failure"). */
  typeLabels?: Readonly<Record<string, string>>;
}

export const NO_NAMES: DescribeContext = { names: new Map(), timezone: "UTC" };

/** The name Switchboard's own entries are shown under. */
export const SYSTEM_NAME = "Switchboard";

// Slack ids: a type letter then upper-case letters and digits, with at least one digit (so
// words such as "CSV" or "DPO" are not read as ids).
const SLACK_ID = /^(?=[A-Z0-9]*[0-9])[A-Z][A-Z0-9]{2,30}$/;
const USER_ID = /^[UW]/;
const CHANNEL_ID = /^[CG]/;
const DM_ID = /^D/;

export const isUserId = (v: string) => SLACK_ID.test(v) && USER_ID.test(v);
export const isChannelId = (v: string) => SLACK_ID.test(v) && (CHANNEL_ID.test(v) || DM_ID.test(v));
/** A user or conversation id worth a look-up (direct-message ids are shown without one). */
export const isNameableId = (v: string) => isUserId(v) || (SLACK_ID.test(v) && CHANNEL_ID.test(v));

// An ISO 8601 date-time as JSON.stringify writes it (and close variants).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function oneLine(value: string): string {
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

export const capitalise = (s: string) => (s === "" ? s : s.charAt(0).toUpperCase() + s.slice(1));

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A scalar as text (line breaks folded to spaces); null for anything else or an empty string. */
export function text(d: Details, key: string): string | null {
  const value = d[key];
  if (typeof value === "string") return value === "" ? null : oneLine(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return null;
}

/** Strings of a JSON array, one-lined; empty for anything else. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string").map(oneLine) : [];
}

/** A person: their name, "Switchboard" for the system, "someone" for an id nobody could name. */
export function person(ctx: DescribeContext, id: string): string {
  if (id === "system") return SYSTEM_NAME;
  if (isUserId(id)) return ctx.names.get(id) ?? "someone";
  if (isChannelId(id)) return place(ctx, id);
  return oneLine(when(ctx, id));
}

/** A place: "#channel", "a direct message", or a person's name for a DM sent to a user id. */
export function place(ctx: DescribeContext, id: string): string {
  if (isUserId(id)) return `a direct message to ${person(ctx, id)}`;
  if (!isChannelId(id)) return oneLine(when(ctx, id));
  if (DM_ID.test(id)) return ctx.names.get(id) ?? "a direct message";
  return ctx.names.get(id) ?? "a channel";
}

/** A person or a place, by the shape of the id. */
export function party(ctx: DescribeContext, id: string): string {
  return isChannelId(id) ? place(ctx, id) : person(ctx, id);
}

/** A time from an ISO string, in the policy's zone; the text itself if it is not one. */
export function when(ctx: DescribeContext, value: string): string {
  if (ISO_DATE.test(value)) return readableDate(value) ?? value;
  if (!ISO_TIME.test(value)) return value;
  const at = new Date(value);
  return Number.isFinite(at.getTime()) ? readableTime(at, ctx.timezone) : value;
}

/** "a, b and c"; "nobody" for none. */
export function listOf(items: string[], max = 6): string {
  if (items.length === 0) return "nobody";
  const shown = items.length > max ? [...items.slice(0, max - 1), `${items.length - max + 1} more`] : items;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** Any scalar read for people: ids as names, ISO strings as local times, booleans as yes/no. */
export function readable(ctx: DescribeContext, value: unknown): string | null {
  if (typeof value === "string") {
    if (value === "") return null;
    if (SLACK_ID.test(value) && (isUserId(value) || isChannelId(value))) return party(ctx, value);
    return oneLine(when(ctx, value));
  }
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return null;
}

/** A detail field read for people (see `readable`). */
export const field = (ctx: DescribeContext, d: Details, key: string) => readable(ctx, d[key]);

/** `from → to` with each side read for people. */
export const change = (ctx: DescribeContext, d: Details) =>
  `${field(ctx, d, "from") ?? "none"} → ${field(ctx, d, "to") ?? "none"}`;

export const suffix = (label: string, value: string | null) =>
  value === null ? "" : ` (${label}: ${value})`;

export function clipChars(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join("")}…`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keys that only machines read: message timestamps, links, row ids. */
const MACHINE_KEYS = new Set(["ts", "permalink", "generation", "fileId", "dedupeKey"]);

/** Details of an entry no describer knows, as "key: value" pairs read for people. */
export function genericDetails(ctx: DescribeContext, details: unknown, depth = 0): string {
  if (typeof details === "string" && UUID.test(details)) return "";
  if (Array.isArray(details)) {
    const items = details.map((v) => genericDetails(ctx, v, depth + 1)).filter((s) => s !== "");
    return items.join(", ");
  }
  if (typeof details === "object" && details !== null) {
    if (depth > 2) return "…";
    return Object.entries(details as Details)
      .map(([key, v]) => {
        if (MACHINE_KEYS.has(key)) return "";
        const shown = genericDetails(ctx, v, depth + 1);
        const name = humanise(key);
        return shown === "" ? "" : name === "" ? shown : `${name}: ${shown}`;
      })
      .filter((s) => s !== "")
      .join(", ");
  }
  return readable(ctx, details) ?? "";
}

/** Every Slack id (user or channel) a value holds, however deep, up to `limit` of them. */
export function slackIdsOf(value: unknown, into: Set<string>, limit = 200, depth = 0): Set<string> {
  if (into.size >= limit || depth > 6) return into;
  if (typeof value === "string") {
    if (isNameableId(value)) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) slackIdsOf(v, into, limit, depth + 1);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) slackIdsOf(v, into, limit, depth + 1);
  }
  return into;
}
