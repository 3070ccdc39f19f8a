import type { WebClient } from "@slack/web-api";
import type { OutboxRow } from "../db/schema/index.js";
import type { DeliveryDeps } from "./deps.js";
import { type HistoryMessage, scanHistory, scanThread } from "./history.js";
import { type Landed, outboxIdsOf, threadOf } from "./post.js";
import { type Claim, type DeliveryOutcome, recordSent } from "./settle.js";
import { classifySlackError, type SlackFailure } from "./slack-errors.js";

export type Probed =
  /** The claims still to post, and the outcome of each message found and recorded. */
  | { left: Claim[]; recorded: DeliveryOutcome[] }
  /** The history could not be read: post nothing now, the last try may have landed. */
  | { unreadable: SlackFailure };

/**
 * The look before a retry, one row's or a roundup's: a claim after a first try may have been
 * accepted by Slack and then lost (worker killed, response timed out) before the ts was
 * recorded. Reads the channel's history for messages carrying these rows and records what an
 * earlier try posted with the ts it landed at. A history that can never be read counts as
 * nothing found: posting is then the only way on.
 */
export async function probeLanded(deps: DeliveryDeps, channel: string, claims: Claim[]): Promise<Probed> {
  const retried = claims.filter((c) => c.attempt > 1);
  if (retried.length === 0) return { left: claims, recorded: [] };
  let landed: Map<string, Landed>;
  try {
    const since = new Date(Math.min(...claims.map((c) => c.row.createdAt.getTime())));
    landed = await findLanded(
      deps.slack,
      { channel, thread: threadOf(claims[0]!.row) },
      since,
      retried.map((c) => c.row.id),
    );
  } catch (err) {
    const failure = classifySlackError(err);
    if (failure.kind !== "permanent") return { unreadable: failure };
    landed = new Map();
  }
  const byMessage = new Map<string, { at: Landed; rows: OutboxRow[] }>();
  for (const { row } of claims) {
    const at = landed.get(row.id);
    if (!at) continue;
    const key = `${at.channel}/${at.ts}`;
    byMessage.set(key, { at, rows: [...(byMessage.get(key)?.rows ?? []), row] });
  }
  const recorded: DeliveryOutcome[] = [];
  for (const { at, rows } of byMessage.values())
    recorded.push(await recordSent(deps, rows, at.channel, at.ts));
  return { left: claims.filter((c) => !landed.has(c.row.id)), recorded };
}

/**
 * Looks in a channel's history, back to a minute before `since`, for messages carrying these
 * outbox rows; returns where each found one landed. A reply in a thread is not in the channel's
 * history: posts into a thread (the claims of one probe share it) are looked for among its replies.
 */
async function findLanded(
  slack: WebClient,
  target: { channel: string; thread: string | null },
  since: Date,
  ids: string[],
): Promise<Map<string, Landed>> {
  const { thread } = target;
  const channel =
    target.channel.startsWith("U") || target.channel.startsWith("W")
      ? await openDm(slack, target.channel)
      : target.channel;
  const wanted = new Set(ids);
  const found = new Map<string, Landed>();
  const visit = (m: HistoryMessage) => {
    if (m.ts)
      for (const id of outboxIdsOf(m.metadata)) if (wanted.has(id)) found.set(id, { channel, ts: m.ts });
    return found.size === wanted.size;
  };
  await (thread ? scanThread(slack, channel, thread, visit) : scanHistory(slack, channel, since, visit));
  return found;
}

async function openDm(slack: WebClient, user: string): Promise<string> {
  const res = await slack.conversations.open({ users: user });
  const id = res.channel?.id;
  if (!id) throw new Error("conversations.open returned no channel");
  return id;
}
