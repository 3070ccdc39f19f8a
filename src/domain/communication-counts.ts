import { isLoggedChannel, LOGGED_CHANNEL_WORDS } from "./log-describe.js";

/**
 * How many communications an incident's record holds, by channel: the Slack posts that told
 * stakeholders (announcements, milestone notices, updates: one per channel), the emails and
 * webhook calls sent to the plan's audiences, and the communications people logged by hand
 * (phone calls, letters…). Pure: read from the incident log.
 */

/**
 * A channel in a count's words: "Slack", "email", "webhook", and for a communication logged by
 * hand its label in lower case ("phone", "in person"), an initialism as it is ("SMS").
 */
export function channelWord(channel: string): string {
  if (channel === "slack") return "Slack";
  if (channel === "email" || channel === "webhook") return channel;
  if (!isLoggedChannel(channel)) return "other";
  const { label } = LOGGED_CHANNEL_WORDS[channel];
  return label === label.toUpperCase() ? label : label.toLowerCase();
}

const SLACK_KINDS: ReadonlySet<string> = new Set([
  "announcement_posted",
  "milestone_posted",
  "update_posted",
]);

export interface CommunicationCounts {
  total: number;
  /** Channel word → count, largest first (Slack, email, webhook, phone, …). */
  byChannel: Array<{ channel: string; count: number }>;
}

/** The channel one log entry counts under, or null when it is not a communication. */
export function communicationChannelOf(entry: { kind: string; details: unknown }): string | null {
  const d = (typeof entry.details === "object" && entry.details !== null ? entry.details : {}) as Record<
    string,
    unknown
  >;
  if (SLACK_KINDS.has(entry.kind)) return channelWord("slack");
  if (entry.kind === "communication_sent") return channelWord(d.via === "webhook" ? "webhook" : "email");
  if (entry.kind === "communication_logged")
    return channelWord(typeof d.channel === "string" ? d.channel : "other");
  return null;
}

export function communicationCounts(
  log: ReadonlyArray<{ kind: string; details: unknown }>,
): CommunicationCounts {
  const counts = new Map<string, number>();
  for (const entry of log) {
    const channel = communicationChannelOf(entry);
    if (channel) counts.set(channel, (counts.get(channel) ?? 0) + 1);
  }
  const byChannel = [...counts]
    .map(([channel, count]) => ({ channel, count }))
    .sort((a, b) => b.count - a.count || a.channel.localeCompare(b.channel));
  return { total: byChannel.reduce((n, c) => n + c.count, 0), byChannel };
}

/** "Communications: 9 — 5 Slack, 2 email, 1 phone, 1 webhook", or "Communications: none". */
export function communicationsLine(c: CommunicationCounts): string {
  if (c.total === 0) return "Communications: none";
  return `Communications: ${c.total} — ${c.byChannel.map((b) => `${b.count} ${b.channel}`).join(", ")}`;
}
