import type { WebClient } from "@slack/web-api";

/** Message metadata tagging each post with its outbox id, so a retry can find what landed. */
export const OUTBOX_EVENT = "switchboard_outbox";

/** Where a post landed: its channel (a DM's own id for a user) and ts. */
export interface Landed {
  channel: string;
  ts: string;
}

/**
 * The thread a post goes into (`thread_ts` among its message's arguments), or null for a post
 * at the top of its channel. A routine incident is worked in a thread under its card.
 */
export function threadOf(row: { message: Record<string, unknown> }): string | null {
  const ts = row.message.thread_ts;
  return typeof ts === "string" && ts !== "" ? ts : null;
}

/** Posts a message tagged with the outbox rows it carries, so a later try can find it. */
export async function postTagged(
  slack: WebClient,
  channel: string,
  message: Record<string, unknown>,
  ids: string[],
): Promise<Landed> {
  const res = await slack.chat.postMessage({
    channel,
    ...message,
    metadata: { event_type: OUTBOX_EVENT, event_payload: outboxPayload(ids) },
  } as unknown as Parameters<WebClient["chat"]["postMessage"]>[0]);
  return { channel: res.channel as string, ts: res.ts as string };
}

/**
 * The metadata payload naming the rows a message carries: `outbox_id` for one row, and
 * `outbox_ids` (space-separated; Slack's payload values are scalars) when there are several.
 */
function outboxPayload(ids: string[]): Record<string, string> {
  return ids.length === 1 ? { outbox_id: ids[0]! } : { outbox_ids: ids.join(" ") };
}

/** The outbox rows a Slack message carries, read from its metadata (none for other messages). */
export function outboxIdsOf(metadata: unknown): string[] {
  if (typeof metadata !== "object" || metadata === null) return [];
  const { event_type, event_payload } = metadata as { event_type?: unknown; event_payload?: unknown };
  if (event_type !== OUTBOX_EVENT || typeof event_payload !== "object" || event_payload === null) return [];
  const { outbox_id, outbox_ids } = event_payload as { outbox_id?: unknown; outbox_ids?: unknown };
  if (typeof outbox_id === "string") return [outbox_id];
  return typeof outbox_ids === "string" ? outbox_ids.split(" ").filter(Boolean) : [];
}
