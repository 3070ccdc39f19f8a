import type { ChannelRateLimiter, Faults } from "./faults";
import { assertErrorAllowed, isKnownMethod, methodDoc, missingArgumentError } from "./method-docs";
import { HANDLERS } from "./methods";
import { ApiError, type Args, type Body } from "./protocol";
import { missingScope } from "./scopes";
import type { Workspace } from "./state";
import type { FailureSpec } from "./types";

/** What to send for one Web API call, and how to record it. */
export interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers: Record<string, string>;
  ok: boolean;
  error?: string;
  delayMs?: number;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
}

function json(status: number, body: Body, headers: Record<string, string> = {}): Reply {
  const error = typeof body.error === "string" ? body.error : undefined;
  return {
    status,
    body: JSON.stringify(body),
    contentType: "application/json; charset=utf-8",
    headers,
    ok: body.ok === true,
    ...(error ? { error } : {}),
  };
}

function text(status: number, message: string, error?: string): Reply {
  return { status, body: message, contentType: "text/plain; charset=utf-8", headers: {}, ok: false, error };
}

function platformError(method: string, code: string, extra: Body = {}): Reply {
  assertErrorAllowed(method, code);
  return json(200, { ok: false, error: code, ...extra });
}

function rateLimited(seconds: number): Reply {
  return json(429, { ok: false, error: "ratelimited" }, { "Retry-After": String(seconds) });
}

/** The answer an injected failure produces (without the delay). */
function injected(method: string, fault: FailureSpec): Reply {
  if (fault.reset) return { ...text(0, "", "connection_reset"), reset: true };
  const status = fault.status ?? (fault.error !== undefined ? 200 : 500);
  if (status === 429) return rateLimited(fault.retryAfter ?? 1);
  if (status === 200) return platformError(method, fault.error ?? "internal_error");
  return text(status, `fake-slack: injected HTTP ${status} for ${method}`);
}

/** Runs calls through Slack's checks in Slack's order, with fault injection on top. */
export class Dispatcher {
  constructor(
    private readonly ws: Workspace,
    private readonly faults: Faults,
    private readonly limiter: ChannelRateLimiter,
    private readonly baseUrl: () => string,
  ) {}

  /** `receivedAt`: when the request reached Slack (trigger ids are checked against it). */
  async handle(
    method: string,
    args: Args,
    token: string | undefined,
    receivedAt = Date.now(),
  ): Promise<Reply> {
    if (!isKnownMethod(method)) return json(200, { ok: false, error: "unknown_method", req_method: method });
    const fault = this.faults.take(method, args);
    const failsOnly =
      fault && !fault.afterEffect && (fault.error !== undefined || fault.status !== undefined || fault.reset);
    if (fault && failsOnly) return { ...injected(method, fault), delayMs: fault.delayMs };
    const reply = await this.normal(method, args, token, receivedAt);
    if (!fault) return reply;
    if (fault.afterEffect) return { ...injected(method, fault), delayMs: fault.delayMs };
    return { ...reply, delayMs: fault.delayMs };
  }

  private async normal(
    method: string,
    args: Args,
    token: string | undefined,
    receivedAt: number,
  ): Promise<Reply> {
    const handler = HANDLERS[method];
    if (!handler) {
      const message = `fake-slack: ${method} is a Slack method the fake does not implement`;
      console.error(message);
      return text(501, message, "not_implemented_in_fake");
    }
    if (!token) return platformError(method, "not_authed");
    // apps.connections.open takes the app-level token and nothing else does.
    const tokenPrefix = method === "apps.connections.open" ? "xapp-" : "xoxb-";
    if (!token.startsWith(tokenPrefix)) return platformError(method, "invalid_auth");
    if (method === "chat.postMessage") {
      const wait = this.limiter.take(String(args.channel ?? ""));
      if (wait > 0) return rateLimited(wait);
    }
    const missing = methodDoc(method).required.filter((k) => k !== "token" && (args[k] ?? null) === null);
    if (missing.length > 0) {
      const messages = missing.map((k) => `[ERROR] missing required field: ${k}`);
      return platformError(method, missingArgumentError(method), { response_metadata: { messages } });
    }
    if (this.ws.scopes) {
      const needed = missingScope(this.ws, method, args, this.ws.scopes);
      if (needed) {
        return platformError(method, "missing_scope", { needed, provided: [...this.ws.scopes].join(",") });
      }
    }
    try {
      const body = await handler(args, { ws: this.ws, method, baseUrl: this.baseUrl(), receivedAt });
      return json(200, { ok: true, ...body });
    } catch (error) {
      if (error instanceof ApiError) return platformError(method, error.code, error.extra);
      throw error;
    }
  }
}
