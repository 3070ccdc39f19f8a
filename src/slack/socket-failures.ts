import { ErrorCode } from "@slack/web-api";
import { describeError } from "../lib/logger.js";

/** Why a Socket Mode connection attempt failed, and how long to wait before the next. */

/** 0.5 s, 1 s, 2 s … up to 10 s, each shortened by up to a fifth so several receivers spread out. */
export function defaultBackoffMs(failures: number): number {
  const base = Math.min(500 * 2 ** Math.max(0, failures - 1), 10_000);
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

/** Platform answers that no retry can fix: start-up stops at once on them. */
export const HOPELESS = new Set([
  "not_authed",
  "invalid_auth",
  "account_inactive",
  "user_removed_from_team",
  "team_disabled",
  "forbidden_team",
]);

/** An attempt that neither connected nor failed in time. */
export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no connection within ${ms} ms`);
    this.name = "AttemptTimeout";
  }
}

/** A short, bounded label for why an attempt failed (a metric label and a log field). */
export function failureReason(err: unknown): string {
  if (err instanceof AttemptTimeout) return "timeout";
  const e = err as { code?: unknown; statusCode?: unknown; data?: { error?: unknown } } | undefined;
  if (e?.code === ErrorCode.PlatformError && typeof e.data?.error === "string") return e.data.error;
  if (e?.code === ErrorCode.HTTPError) return `http_${String(e.statusCode)}`;
  if (e?.code === ErrorCode.RequestError) return "request_failed";
  if (e?.code === ErrorCode.RateLimitedError) return "ratelimited";
  // The client rejects with nothing when the socket closes before Slack's hello.
  if (err === undefined) return "closed_before_hello";
  return "other";
}

/** One line for the log: the library's message, never a URL with its ticket. */
export function describeFailure(err: unknown): string {
  if (err === undefined) return "the connection closed before Slack said hello";
  // A request error wraps fetch's "fetch failed"; the socket's own code (ECONNRESET…) says more.
  const cause = (err as { original?: { cause?: { code?: unknown } } }).original?.cause;
  const code = typeof cause?.code === "string" ? ` (${cause.code})` : "";
  return `${describeError(err)}${code}`;
}
