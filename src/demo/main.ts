import { explainStartupError } from "../startup-errors.js";
import { type RunningDemo, startDemo } from "./demo.js";
import { DemoStartError } from "./services.js";

/**
 * `npm run demo`: the bot against the Slack emulator, in the browser. Prints the URL and what
 * it runs on; logs only warnings. Never part of `npm start`.
 */

const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  let demo: RunningDemo | undefined;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    (demo?.stop() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGHUP", shutdown);
  // The net npm start has too: an unhandled rejection must not kill the demo before it stops
  // the embedded PostgreSQL and redis-server. Race: Ctrl+C at a terminal reaches those two as
  // well (one process group), so while stopping, calls to them fail by design: not reported.
  process.on("unhandledRejection", (reason) => {
    if (!stopping) console.error(`switchboard demo: unhandled rejection: ${String(reason)}`);
  });
  const port = process.env.DEMO_PORT ? Number(process.env.DEMO_PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("switchboard demo: DEMO_PORT must be a port number (0-65535)");
    process.exit(1);
  }
  try {
    demo = await startDemo({ port, logLevel: process.env.LOG_LEVEL || "warn" });
  } catch (err) {
    console.error(err instanceof DemoStartError ? err.message : explainStartupError(err));
    process.exit(1);
  }
  if (stopping) return;
  // One line: where to go, and what it runs on.
  console.log(
    `Switchboard demo: ${demo.url} (${demo.services.postgres}, ${demo.services.redis}; Ctrl+C stops)`,
  );
}

void main();
