import { parseEnv } from "./config/env.js";
import { loadPolicy } from "./config/policy.js";
import { createLogger, describeError } from "./lib/logger.js";
import { describeFailure } from "./slack/socket-failures.js";
import { type RunningSystem, StartupError, startSystem } from "./system.js";

const SHUTDOWN_TIMEOUT_MS = 15_000;

function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

/** Turns a start-up failure into one line that says what to do. */
function explainStartupError(err: unknown): string {
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
        ? `switchboard: Slack refused the bot token (${cause.data?.error}): check SLACK_BOT_TOKEN.`
        : `switchboard: cannot reach the Slack API at ${err.where} (${cause?.message ?? reason}): check the network or SLACK_API_URL.`;
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

async function main(): Promise<void> {
  const env = parseEnv(process.env);
  if (!env.ok) fail(env.errors.map((line) => `switchboard: config error: ${line}`));
  const { config } = env;
  const policy = loadPolicy(config.policyFile);
  if (!policy.ok) {
    fail([
      `switchboard: invalid policy (${config.policyFile ?? "built-in default"}):`,
      ...policy.error.map((l) => `  - ${l}`),
    ]);
  }
  const logger = createLogger(config.logLevel);
  let system: RunningSystem | undefined;
  let stopping = false;
  /** Stops everything in order, then exits with `code` (1 when the stop itself fails or hangs). */
  const shutdown = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown timed out; exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    (system?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      (err: unknown) => {
        logger.error({ err: describeError(err) }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  try {
    system = await startSystem({
      config,
      policy: policy.value,
      logger,
      // Exiting non-zero lets the supervisor (Docker, systemd, Kubernetes) start a fresh process.
      onSocketLost: () => shutdown("socket mode connection lost", 1),
    });
  } catch (err) {
    fail([explainStartupError(err)]);
  }

  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("unhandledRejection", (reason) => logger.error({ err: String(reason) }, "unhandled rejection"));
}

void main();
