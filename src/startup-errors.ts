import { describeFailure } from "./slack/socket-failures.js";

/** A start-up step failed: names the service and where it was looked for (no credentials). */
export class StartupError extends Error {
  constructor(
    readonly service: string,
    readonly where: string,
    override readonly cause: unknown,
  ) {
    super(`${service} at ${where}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "StartupError";
  }
}

const DEFAULT_PORTS: Record<string, string> = {
  "postgres:": "5432",
  "postgresql:": "5432",
  "redis:": "6379",
  "rediss:": "6379",
};

/**
 * Where a service was looked for, as a person would type it, without credentials or query:
 * `https://slack.com/api/` for HTTP(S) (the scheme decides the port), `host:port` otherwise
 * (with the driver's default port filled in).
 */
export function describeEndpoint(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "(unparsable URL)";
  }
  if (u.protocol === "http:" || u.protocol === "https:") return `${u.protocol}//${u.host}${u.pathname}`;
  const port = u.port || DEFAULT_PORTS[u.protocol];
  return port ? `${u.hostname}:${port}` : u.hostname;
}

/**
 * The innermost reason of a failed Slack call: the Web API wraps fetch's "fetch failed", whose
 * cause says what went wrong (`getaddrinfo ENOTFOUND slack.com`, `connect ECONNREFUSED …`).
 */
function slackReason(cause: unknown): string {
  let err = (cause as { original?: unknown } | undefined)?.original ?? cause;
  for (let depth = 0; depth < 5; depth++) {
    const next = (err as { cause?: unknown } | undefined)?.cause;
    if (!(next instanceof Error)) break;
    err = next;
  }
  if (err instanceof Error) return err.message;
  return cause instanceof Error ? cause.message : "no answer";
}

/** Turns a start-up failure into one line that says what to do. */
export function explainStartupError(err: unknown): string {
  if (!(err instanceof StartupError)) return `switchboard: start-up failed: ${String(err)}`;
  const cause = err.cause as { code?: string; message?: string; data?: { error?: string } } | undefined;
  const reason = cause?.code ?? cause?.message ?? "no answer";
  switch (err.service) {
    case "PostgreSQL":
      return `switchboard: cannot reach PostgreSQL at ${err.where} (${reason}): start it (docker compose up -d postgres redis) or fix DATABASE_URL.`;
    case "Redis":
      return `switchboard: cannot reach Redis at ${err.where} (${reason}): start it (docker compose up -d postgres redis) or fix REDIS_URL.`;
    case "Slack":
      return cause?.code === "slack_webapi_platform_error"
        ? `switchboard: Slack refused the bot token (${cause.data?.error}): set SLACK_BOT_TOKEN to your app's Bot User OAuth Token (OAuth & Permissions).`
        : `switchboard: cannot reach the Slack API at ${err.where} (${slackReason(cause)}): check the network or SLACK_API_URL.`;
    case "Slack Socket Mode":
      return cause?.code === "slack_webapi_platform_error"
        ? `switchboard: Slack refused the app-level token (${cause.data?.error}): check SLACK_APP_TOKEN.`
        : `switchboard: cannot open a Socket Mode connection to Slack at ${err.where} within SOCKET_RECONNECT_DEADLINE_MS (${describeFailure(cause)}): check the network or SLACK_API_URL.`;
    case "Metrics":
      return `switchboard: cannot serve /metrics on ${err.where} (${reason}): set METRICS_PORT or METRICS_HOST, or METRICS_TOKEN to serve it on PORT.`;
    default:
      return `switchboard: start-up failed: ${err.message}`;
  }
}
