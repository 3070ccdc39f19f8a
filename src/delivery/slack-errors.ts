import { ErrorCode } from "@slack/web-api";

export type SlackFailure =
  | { kind: "rate_limited"; retryAfterMs: number; detail: string }
  | { kind: "transient"; detail: string }
  | { kind: "permanent"; error: string; detail: string };

/** Platform errors that a retry cannot fix for this post: record, tell someone, stop. */
const PERMANENT = new Set([
  "channel_not_found",
  "is_archived",
  "not_in_channel",
  "account_inactive",
  "invalid_blocks",
  "msg_blocks_too_long",
  "msg_too_long",
  "no_text",
  "invalid_auth",
  "not_authed",
  "token_revoked",
  "missing_scope",
  "restricted_action",
  "user_not_found",
  "cannot_dm_bot",
  "invalid_arguments",
  "too_many_attachments",
  "team_access_not_granted",
]);

interface ErrorLike {
  code?: unknown;
  retryAfter?: unknown;
  statusCode?: unknown;
  data?: { error?: unknown };
  message?: unknown;
}

export function slackErrorCode(err: unknown): string | null {
  const e = err as ErrorLike | null;
  if (e?.code === ErrorCode.PlatformError && typeof e.data?.error === "string") return e.data.error;
  return null;
}

/**
 * Decides what a failed Slack call means for a durable job: wait `Retry-After`, back off and
 * retry (HTTP 5xx, network, timeout, Slack's own `internal_error`), or give up.
 */
export function classifySlackError(err: unknown): SlackFailure {
  const e = (err ?? {}) as ErrorLike;
  const detail = typeof e.message === "string" ? e.message : String(err);
  switch (e.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = typeof e.retryAfter === "number" && e.retryAfter > 0 ? e.retryAfter : 1;
      return { kind: "rate_limited", retryAfterMs: seconds * 1_000, detail };
    }
    case ErrorCode.HTTPError:
    case ErrorCode.RequestError:
      return { kind: "transient", detail };
    case ErrorCode.PlatformError: {
      const error = slackErrorCode(err) ?? "unknown_error";
      if (error === "ratelimited") return { kind: "rate_limited", retryAfterMs: 1_000, detail };
      if (PERMANENT.has(error)) return { kind: "permanent", error, detail };
      return { kind: "transient", detail };
    }
    default:
      return { kind: "transient", detail };
  }
}
