import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { isChannelId, slackIdsOf } from "./log-values.js";

/**
 * Which log entries tell the incident's story and which only record how messages travelled,
 * and which Slack ids a log needs names for. Pure: the caller looks the names up.
 */

/**
 * Delivery plumbing: each post, pin, invite and failure notice that carried the story to
 * someone. `/incident timeline` leaves these out; `/incident timeline all` and the exports
 * keep them. Any other kind (one added later included) is part of the narrative.
 */
export const PLUMBING_KINDS: ReadonlySet<string> = new Set([
  "reporter_invited",
  "owner_invited",
  "summary_posted",
  "summary_pinned",
  "announcement_posted",
  "reporter_notified",
  "update_posted",
  "milestone_posted",
  "delivery_failed",
  "delivery_failure_reported",
  "exported",
]);

export const isPlumbing = (kind: unknown) => typeof kind === "string" && PLUMBING_KINDS.has(kind);

type Entry = Pick<IncidentLogRow, "actor" | "details">;

/** Every user and channel id the entries mention (actor and details), to be named. */
export function slackIdsIn(entries: readonly Entry[], limit = 200): Set<string> {
  const ids = new Set<string>();
  for (const e of entries) {
    slackIdsOf(e.actor, ids, limit);
    slackIdsOf(e.details, ids, limit);
    if (ids.size >= limit) break;
  }
  return ids;
}

/**
 * Names the log itself holds: "#inc-000123-card" from the channel it created. They spare a
 * look-up, and still name the channel after it is archived or the bot can no longer see it.
 */
export function namesInLog(
  entries: readonly Pick<IncidentLogRow, "kind" | "details">[],
): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of entries) {
    if (e.kind !== "channel_created") continue;
    const d = e.details as Record<string, unknown> | null;
    const channel = d?.channel;
    const name = d?.name;
    if (typeof channel === "string" && isChannelId(channel) && typeof name === "string" && name !== "") {
      names.set(channel, `#${name.replace(/[\r\n\u2028\u2029]+/g, " ")}`);
    }
  }
  return names;
}
