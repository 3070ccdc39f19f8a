import { parseEnv } from "./config/env.js";
import { loadPolicy } from "./config/policy.js";
import { createLogger, describeError } from "./lib/logger.js";
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
  let system: RunningSystem;
  try {
    system = await startSystem({ config, policy: policy.value, logger });
  } catch (err) {
    fail([explainStartupError(err)]);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown timed out; exiting");
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    system.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: describeError(err) }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("unhandledRejection", (reason) => logger.error({ err: String(reason) }, "unhandled rejection"));
}

void main();
