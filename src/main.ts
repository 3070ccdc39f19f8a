import { parseEnv } from "./config/env.js";
import { BUILT_IN_POLICY_WARNING, loadPolicy } from "./config/policy.js";
import { communicationSetupProblems } from "./config/smtp.js";
import { chooseLogFormat, createLogger, describeError } from "./lib/logger.js";
import { explainStartupError } from "./startup-errors.js";
import { type RunningSystem, startSystem } from "./system.js";

const SHUTDOWN_TIMEOUT_MS = 15_000;

function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
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
  // A plan that names a webhook secret or email audiences the environment cannot serve would
  // fail at its first milestone: refuse it now, one line per problem.
  const reach = communicationSetupProblems(policy.value, process.env);
  if (reach.length > 0) {
    fail([
      `switchboard: the communication plans cannot be served (${config.policyFile ?? "built-in default"}):`,
      ...reach.map((l) => `  - ${l}`),
    ]);
  }
  const format = chooseLogFormat(config.logFormat, process.stdout.isTTY === true);
  const logger = createLogger(config.logLevel, undefined, format);
  if (!config.policyFile) logger.warn(BUILT_IN_POLICY_WARNING);
  let system: RunningSystem | undefined;
  let stopping = false;
  /**
   * Exits once the log lines written so far have reached stdout: pino writes asynchronously, and
   * on a busy host the last lines ("shutting down", why) could otherwise be cut off by the exit.
   */
  const exit = (code: number) => {
    setTimeout(() => process.exit(code), 1_000);
    logger.flush(() => process.exit(code));
  };
  /** Stops everything in order, then exits with `code` (1 when the stop itself fails or hangs). */
  const shutdown = (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown timed out; exiting");
      exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    (system?.stop() ?? Promise.resolve()).then(
      () => exit(code),
      (err: unknown) => {
        logger.error({ err: describeError(err) }, "error during shutdown");
        exit(1);
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
