import type { WebClient } from "@slack/web-api";
import { slackErrorCode } from "./slack-errors.js";

/** A scan reads at most this many pages of 200 messages looking for an earlier try. */
const MAX_PAGES = 25;

type HistoryPage = Awaited<ReturnType<WebClient["conversations"]["history"]>>;
export type HistoryMessage = NonNullable<HistoryPage["messages"]>[number];

/**
 * Reads a channel's history (with message metadata), newest first, back to a minute before
 * `since`, handing each message to `visit` until it answers true (found). Returns whether it
 * did. In a busy channel what a retry looks for can be pages back, so it reads on to the
 * start; more than `MAX_PAGES` pages throws rather than answer "not there" unsure. The bot
 * may post to a public channel it is not in (chat:write.public) but must join to read it.
 */
export async function scanHistory(
  slack: WebClient,
  channel: string,
  since: Date,
  visit: (message: HistoryMessage) => boolean,
): Promise<boolean> {
  const oldest = String(Math.floor(since.getTime() / 1000) - 60);
  const read = (cursor?: string) =>
    slack.conversations.history({ channel, oldest, limit: 200, cursor, include_all_metadata: true });
  let history = await read().catch(async (err: unknown) => {
    if (slackErrorCode(err) !== "not_in_channel") throw err;
    await slack.conversations.join({ channel });
    return read();
  });
  for (let page = 1; ; page++) {
    for (const message of history.messages ?? []) if (visit(message)) return true;
    const cursor = history.response_metadata?.next_cursor;
    if (!history.has_more || !cursor) return false;
    if (page >= MAX_PAGES) throw new Error(`history scan: more than ${MAX_PAGES * 200} messages to read`);
    history = await read(cursor);
  }
}

/**
 * Reads a thread's replies (with message metadata), oldest first, handing each to `visit` until
 * it answers true (found); returns whether it did. Like scanHistory, it reads at most
 * `MAX_PAGES` pages and throws rather than answer "not there" unsure.
 */
export async function scanThread(
  slack: WebClient,
  channel: string,
  threadTs: string,
  visit: (message: HistoryMessage) => boolean,
): Promise<boolean> {
  const read = (cursor?: string) =>
    slack.conversations.replies({ channel, ts: threadTs, limit: 200, cursor, include_all_metadata: true });
  let replies = await read().catch(async (err: unknown) => {
    if (slackErrorCode(err) !== "not_in_channel") throw err;
    await slack.conversations.join({ channel });
    return read();
  });
  for (let page = 1; ; page++) {
    for (const message of replies.messages ?? []) if (visit(message as HistoryMessage)) return true;
    const cursor = replies.response_metadata?.next_cursor;
    if (!replies.has_more || !cursor) return false;
    if (page >= MAX_PAGES) throw new Error(`thread scan: more than ${MAX_PAGES * 200} replies to read`);
    replies = await read(cursor);
  }
}
