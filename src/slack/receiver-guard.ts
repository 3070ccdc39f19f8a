import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import {
  type BufferedIncomingMessage,
  defaultBodyLimit,
  HTTPModuleFunctions,
  HTTPReceiver,
  type HTTPReceiverOptions,
  isRawBodyError,
  verifySlackRequest,
} from "@slack/bolt";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import { markArrival } from "./deadline.js";

/** Slack's replay window, both ways: a request from more than 5 minutes ago or ahead is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const SlackObject = z.looseObject({});

/**
 * What Slack sends to the events URL, as far as routing depends on it. Anything else is not
 * a Slack request, however well signed, and Bolt would either crash on it (`null`) or wait
 * 3 s for an ack no listener gives.
 */
export const SlackEnvelope = z.union([
  z.looseObject({ command: z.string().min(1) }),
  z.looseObject({ type: z.literal("url_verification"), challenge: z.string() }),
  z.looseObject({ type: z.literal("event_callback"), event: z.looseObject({ type: z.string() }) }),
  z.looseObject({ type: z.literal("app_rate_limited") }),
  z.looseObject({
    type: z.enum(["block_actions", "interactive_message"]),
    actions: z.array(SlackObject).min(1),
  }),
  z.looseObject({ type: z.enum(["view_submission", "view_closed"]), view: SlackObject }),
  z.looseObject({
    type: z.enum([
      "shortcut",
      "message_action",
      "block_suggestion",
      "dialog_submission",
      "dialog_suggestion",
      "dialog_cancellation",
    ]),
  }),
]);

export type Verdict =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: 400 | 401 | 413; reason: string };

/**
 * Checks a buffered request the way Slack signs it, then its body. Pure apart from the HMAC:
 * `nowMs` is passed in.
 */
export function checkSlackRequest(
  req: { headers: IncomingMessage["headers"]; rawBody: Buffer },
  signingSecret: string,
  nowMs: number,
): Verdict {
  const timestamp = singleHeader(req.headers["x-slack-request-timestamp"]);
  const signature = singleHeader(req.headers["x-slack-signature"]);
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, status: 401, reason: "no usable timestamp" };
  }
  const skew = Number(timestamp) - Math.floor(nowMs / 1000);
  if (skew < -MAX_CLOCK_SKEW_SECONDS) return { ok: false, status: 401, reason: "stale timestamp" };
  if (skew > MAX_CLOCK_SKEW_SECONDS) return { ok: false, status: 401, reason: "timestamp in the future" };
  if (!signature) return { ok: false, status: 401, reason: "no signature" };
  const text = req.rawBody.toString();
  try {
    verifySlackRequest({
      signingSecret,
      body: text,
      headers: { "x-slack-signature": signature, "x-slack-request-timestamp": Number(timestamp) },
      nowMilliseconds: nowMs,
    });
  } catch {
    return { ok: false, status: 401, reason: "signature mismatch" };
  }
  let body: unknown;
  try {
    body = HTTPModuleFunctions.parseHTTPRequestBody(req as BufferedIncomingMessage);
  } catch {
    return { ok: false, status: 400, reason: "body is not JSON" };
  }
  const envelope = SlackEnvelope.safeParse(body);
  if (!envelope.success) return { ok: false, status: 400, reason: "not a Slack payload" };
  return { ok: true, body: envelope.data };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Slack's unsigned reachability probe, which Bolt answers itself (stripping anything else). */
function isSslCheck(req: IncomingMessage & { rawBody: Buffer }): boolean {
  return (
    req.headers["content-type"] === "application/x-www-form-urlencoded" &&
    parseQuery(req.rawBody.toString()).ssl_check === "1"
  );
}

function answer(res: ServerResponse, status: number): void {
  if (res.headersSent) return;
  res.writeHead(status, { "cache-control": "no-store" });
  res.end();
}

export type GuardedReceiverOptions = HTTPReceiverOptions & { signingSecret: string; log: Logger };

/**
 * Bolt's HTTPReceiver with a check in front of its event endpoint. Bolt reads `body.ssl_check`
 * before anything else, so a signed `null` body throws inside a promise nobody awaits: the
 * request hangs until the client gives up and the process logs an unhandled rejection. It also
 * only refuses timestamps from the past. Here every request to the endpoint is buffered,
 * verified (both clock bounds) and shape-checked first, and answered at once when it fails;
 * what passes goes on to Bolt, which verifies it again from the same buffered body.
 */
export class GuardedHTTPReceiver extends HTTPReceiver {
  constructor({ log, ...options }: GuardedReceiverOptions) {
    super(options);
    const bolt = this.requestListener;
    const endpoints = [options.endpoints ?? "/slack/events"].flat();
    const bodyLimit = options.bodyLimit ?? defaultBodyLimit;
    const guard = async (req: IncomingMessage, res: ServerResponse) => {
      let buffered: BufferedIncomingMessage;
      try {
        buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit);
      } catch (err) {
        const tooLarge = isRawBodyError(err) && (err.type === "entity.too.large" || err.statusCode === 413);
        log.warn({ reason: tooLarge ? "body too large" : "body unreadable" }, "slack request refused");
        return answer(res, tooLarge ? 413 : 400);
      }
      if (isSslCheck(buffered)) return bolt(buffered, res);
      const verdict = checkSlackRequest(buffered, options.signingSecret, Date.now());
      if (!verdict.ok) {
        log.warn({ status: verdict.status, reason: verdict.reason }, "slack request refused");
        return answer(res, verdict.status);
      }
      if (verdict.body.type === "app_rate_limited") {
        // Slack tells us it dropped events for a minute; there is nothing to route.
        log.warn({ minute: verdict.body.minute_rate_limited }, "slack is rate limiting our events");
        return answer(res, 200);
      }
      bolt(buffered, res);
    };
    this.requestListener = (req, res) => {
      // The deadline counts from here, before the body is read or its signature checked.
      markArrival(req);
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (req.method?.toUpperCase() !== "POST" || !endpoints.includes(path)) return bolt(req, res);
      guard(req, res).catch((err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, "slack request failed");
        answer(res, 500);
      });
    };
  }
}
