import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Harness } from "./harness.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Writes the harness's policy where a child process can read it; returns the path. */
export function writePolicyFile(h: Harness, name: string): string {
  const file = join(tmpdir(), `switchboard-${name}-${h.config.queuePrefix}.yaml`);
  writeFileSync(file, h.policyYaml);
  return file;
}

/**
 * `npm start` as a worker-only process (`node --import tsx src/main.ts`, as `npm start` runs
 * it) against the harness's database, Redis and fake Slack. `env` adds to or overrides the
 * defaults (silent logs, no migrations, any free ports).
 */
export function spawnWorkerProcess(
  h: Harness,
  p: {
    policyFile: string;
    env?: Record<string, string>;
    stdio?: Array<"ignore" | "pipe" | "inherit">;
  },
): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      SWITCHBOARD_ROLE: "worker",
      SLACK_BOT_TOKEN: h.slack.botToken,
      SLACK_API_URL: h.slack.url,
      DATABASE_URL: h.config.databaseUrl,
      REDIS_URL: h.config.redisUrl,
      QUEUE_PREFIX: h.config.queuePrefix,
      POLICY_FILE: p.policyFile,
      MIGRATE_ON_START: "false",
      PORT: "0",
      METRICS_PORT: "0",
      LOG_LEVEL: "silent",
      ...p.env,
    },
    stdio: p.stdio ?? ["ignore", "ignore", "inherit"],
  });
}
