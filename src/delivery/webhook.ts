import { createHmac, timingSafeEqual } from "node:crypto";
import type { CommunicationEvent, IncidentSnapshot } from "../domain/communications.js";
import { assertNever } from "../domain/incident.js";
import type { SendOutcome } from "./external-outcome.js";

/**
 * Webhook audiences of a communication plan (DESIGN §5, docs/webhooks.md): the JSON body of one
 * delivery, its signature, and one POST with what its answer means for a retry. The durable
 * part (the row, its retries, failing for good) is delivery/external.ts.
 */

/** The body's `version`: bumped only for a change a receiver could trip on. */
export const WEBHOOK_VERSION = 1;
/** How far a timestamp may be from the receiver's clock before the request is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/**
 * The longest `Retry-After` honoured: a receiver asking for days would keep a delivery pending
 * with no attempt counted, so it is never failed for good nor sent.
 */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

export const WEBHOOK_HEADERS = {
  timestamp: "X-Switchboard-Timestamp",
  signature: "X-Switchboard-Signature",
  delivery: "X-Switchboard-Delivery",
} as const;

type Body = string | Uint8Array;

/** `v1=<hex HMAC-SHA256 of "v1:<timestamp>:<raw body>">`, keyed with the audience's secret. */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: Body): string {
  const hmac = createHmac("sha256", secret).update(`v1:${timestampSeconds}:`).update(rawBody).digest("hex");
  return `v1=${hmac}`;
}

/**
 * What a receiver does with a request: true when the signature is the audience's over this very
 * body and the timestamp is within `toleranceSeconds` of now (either way, so a request captured
 * and replayed later is refused).
 */
export function verifyWebhook(p: {
  secret: string;
  /** The `X-Switchboard-Timestamp` header as received. */
  timestamp: string | number | null | undefined;
  /** The `X-Switchboard-Signature` header as received. */
  signature: string | null | undefined;
  /** The body exactly as received, before any JSON parsing. */
  rawBody: Body;
  nowSeconds: number;
  toleranceSeconds?: number;
}): boolean {
  const ts = String(p.timestamp ?? "");
  if (!/^\d{1,15}$/.test(ts)) return false;
  if (Math.abs(p.nowSeconds - Number(ts)) > (p.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhook(p.secret, Number(ts), p.rawBody));
  const given = Buffer.from(p.signature ?? "");
  // timingSafeEqual needs equal lengths; the length of a v1 signature is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The JSON body of one delivery. Built field by field (never by spreading the stored event), so
 * nothing is sent that this function does not name: no caller data can ride along. The same
 * arguments give the same string, so every retry sends identical bytes.
 */
export function webhookBody(
  s: IncidentSnapshot,
  e: CommunicationEvent,
  deliveryId: string,
  /** ISO 8601: when the milestone happened (the delivery row knows; a retry keeps it). */
  occurredAt?: string,
): string {
  return JSON.stringify({
    version: WEBHOOK_VERSION,
    id: deliveryId,
    event: e.milestone,
    ...(occurredAt ? { occurred_at: occurredAt } : {}),
    incident: {
      id: s.id,
      reference: s.reference,
      priority: s.priority,
      major: s.major,
      status: s.status,
      type: s.type,
      type_label: s.typeLabel,
      title: s.title,
      owner: s.ownerId ?? null,
      logged_at: s.loggedAt,
      acknowledged_at: s.acknowledgedAt ?? null,
      resolved_at: s.resolvedAt ?? null,
      closed_at: s.closedAt ?? null,
      next_update_by: s.nextUpdateBy ?? null,
      slack_channel: s.channelId ?? null,
      callers: s.callers ?? 0,
    },
    change: changeOf(e),
  });
}

/**
 * The event's own fields in snake_case. Events come back from a JSON column, where a null may
 * have become a missing key: `?? null` keeps the shape the docs promise.
 */
function changeOf(e: CommunicationEvent): Record<string, unknown> {
  switch (e.milestone) {
    case "logged":
    case "resumed":
    case "closed":
      return { by: e.by };
    case "acknowledged":
      return { by: e.by, owner: e.owner ?? null };
    case "owner_changed":
      return { by: e.by, from: e.from ?? null, to: e.to ?? null };
    case "update":
      return {
        by: e.by,
        happening: e.happening,
        customer_impact: e.customerImpact,
        next_update_at: e.nextUpdateAt,
      };
    case "priority_changed":
      return { by: e.by, from: e.from, to: e.to, reason: e.reason ?? null };
    case "major_changed":
      return { by: e.by, to: e.to, reason: e.reason ?? null };
    case "on_hold":
      return { by: e.by, hold_reason: e.reason };
    case "resolved":
      return {
        by: e.by,
        summary: e.summary ?? null,
        close_code: e.closeCode ?? null,
        took_ms: e.tookMs ?? null,
        target_ms: e.targetMs ?? null,
        met_sla: e.metSla ?? null,
      };
    case "reopened":
      return { by: e.by, reason: e.reason ?? null, was_closed: e.wasClosed };
    default:
      return assertNever(e);
  }
}

/**
 * One signed POST of a body built by webhookBody. 2xx: sent. 429, 5xx, no answer in time, no
 * connection: worth another try (after `Retry-After` when 429 or 503 gives one). Any other
 * answer, a redirect included, fails the same way next time: permanent. Redirects are not
 * followed: the signature is for the configured URL, and a receiver that moved should be
 * re-configured, not guessed at. Error texts name the answer, never the body, the secret or the
 * URL (which may carry a token).
 */
export async function postWebhook(p: {
  url: string;
  secret: string;
  body: string;
  timeoutMs?: number;
  /** Milliseconds since the epoch, for the timestamp and an HTTP-date `Retry-After`. */
  now?: () => number;
}): Promise<SendOutcome> {
  const { url, secret, body, timeoutMs = 10_000, now = Date.now } = p;
  const refused = badUrl(url);
  if (refused) return { ok: false, permanent: true, error: refused };
  const timestamp = Math.floor(now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Switchboard",
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
  };
  const id = deliveryIdOf(body);
  if (id) headers[WEBHOOK_HEADERS.delivery] = id;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { ok: false, permanent: false, error: fetchFailure(err, timeoutMs) };
  }
  // The answer's body is not needed: drop it so the connection is freed.
  await res.body?.cancel().catch(() => undefined);
  return outcomeOf(res.status, res.statusText, res.headers.get("retry-after"), now());
}

/** What an HTTP answer means for the delivery. Exported for its table of cases. */
export function outcomeOf(
  status: number,
  statusText: string,
  retryAfter: string | null,
  nowMs: number,
): SendOutcome {
  // The reason phrase is the receiver's to choose: keep it short and printable.
  const reason = statusText
    .replace(/[^\x20-\x7e]/g, "")
    .slice(0, 60)
    .trim();
  const answered = `the receiver answered ${status}${reason ? ` ${reason}` : ""}`;
  if (status >= 200 && status < 300) return { ok: true, detail: `HTTP ${status}` };
  if (status === 429 || status >= 500) {
    const wait = status === 429 || status === 503 ? retryAfterMs(retryAfter, nowMs) : null;
    return { ok: false, permanent: false, error: answered, ...(wait === null ? {} : { retryAfterMs: wait }) };
  }
  if (status >= 300 && status < 400) {
    return { ok: false, permanent: true, error: `${answered}, a redirect: redirects are not followed` };
  }
  return { ok: false, permanent: true, error: answered };
}

/** `Retry-After` as seconds or an HTTP date, in ms from now (capped); null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Math.min(MAX_RETRY_AFTER_MS, Number(value) * 1000);
  // HTTP dates start with the day's name; Date.parse alone would take "-5" as a year.
  const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - nowMs));
}

/** Why this URL cannot work, whatever the receiver does; null when it may. */
function badUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "the webhook URL is not a valid URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    return "the webhook URL must start with https://";
  // fetch refuses these outright; say why instead of "fetch failed".
  if (parsed.username || parsed.password) return "the webhook URL must not contain a user name or password";
  return null;
}

/** The body's `id`, for the delivery header; null for a body webhookBody did not build. */
function deliveryIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { id?: unknown } | null)?.id;
    return typeof id === "string" && /^[\w-]{1,200}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** "the receiver did not answer within 10 s", "could not connect to the receiver (ECONNREFUSED)". */
function fetchFailure(err: unknown, timeoutMs: number): string {
  // AbortSignal.timeout rejects with a DOMException named TimeoutError.
  const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
  if (name === "TimeoutError" || name === "AbortError") {
    return `the receiver did not answer within ${timeoutMs >= 1000 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}`;
  }
  const cause = err instanceof Error ? (err.cause as Record<string, unknown> | undefined) : undefined;
  // Several addresses tried (IPv4 and IPv6): the reason is on each attempt's error.
  const attempts = Array.isArray(cause?.errors)
    ? (cause?.errors as Array<{ code?: unknown } | undefined>)
    : [];
  const code = [cause?.code, attempts[0]?.code].find((c): c is string => typeof c === "string");
  if (code) return `could not connect to the receiver (${code})`;
  const message =
    typeof cause?.message === "string" ? cause.message : err instanceof Error ? err.message : "";
  return `could not reach the receiver${message ? ` (${message})` : ""}`;
}
