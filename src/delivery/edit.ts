import type { WebClient } from "@slack/web-api";
import { RetryLater } from "./retry-later.js";
import { classifySlackError } from "./slack-errors.js";

type Update = Parameters<WebClient["chat"]["update"]>[0];

/**
 * Edits a message the bot posted. A rate limit or a passing fault throws RetryLater for the
 * job to try again; an edit Slack will never take (message deleted, channel archived) comes
 * back as its error code for the caller to record.
 */
export async function editMessage(
  slack: WebClient,
  where: { channel: string; ts: string },
  message: { text?: string; blocks?: unknown[] },
): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    await slack.chat.update({ ...where, ...message } as unknown as Update);
    return { ok: true };
  } catch (err) {
    const failure = classifySlackError(err);
    if (failure.kind === "rate_limited") throw new RetryLater(failure.retryAfterMs, failure.detail);
    if (failure.kind === "transient") throw new RetryLater(null, failure.detail);
    return { ok: false, error: failure.error };
  }
}
