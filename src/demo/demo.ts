import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config/env.js";
import { startFakeSlack } from "../emulator/server.js";
import type { FakeSlack } from "../emulator/types.js";
import { chooseLogFormat, createLogger } from "../lib/logger.js";
import { type RunningSystem, startSystem } from "../system.js";
import { demoPolicy } from "./policy.js";
import { SandboxActions } from "./sandbox-actions.js";
import { type SandboxServer, startSandboxServer } from "./sandbox-server.js";
import { checkPortFree, type DemoService, DemoStartError, demoPostgres, demoRedis } from "./services.js";
import { loadWorkspace, PERSONAS, type Personas, persistWorkspace, seedWorkspace } from "./workspace.js";

/** `.demo/` at the top of the project: the embedded PostgreSQL's data and the saved workspace. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../.demo/", import.meta.url));

const SLACK_CREDENTIALS = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"];

/** The placeholders .env.example sets the Slack credentials to (a shell that loaded it may run the demo). */
function placeholders(): Map<string, string> {
  let example = "";
  try {
    example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
  } catch {
    // Without the file no value counts as a placeholder.
  }
  const found = new Map<string, string>();
  for (const match of example.matchAll(/^(SLACK_[A-Z_]+)=(.*)$/gm)) found.set(match[1]!, match[2]!);
  return found;
}

/** The name of a real-looking Slack credential in `env`, or null. */
export function realSlackCredential(env: NodeJS.ProcessEnv): string | null {
  const allowed = placeholders();
  for (const name of SLACK_CREDENTIALS) {
    const value = env[name];
    if (value !== undefined && value !== "" && value !== allowed.get(name)) return name;
  }
  return null;
}

/**
 * What the demo keeps apart per database, so that switching between the embedded PostgreSQL and
 * a DATABASE_URL (or between two databases) never shows one database's incidents next to
 * another's, and two demos on one Redis never take each other's jobs: the saved workspace, and
 * the queue prefix. The embedded PostgreSQL is known by its folder (its port changes at each
 * start) and keeps `slack.json`; a configured one by its URL without the password.
 */
export function keptApart(
  database: { embedded: boolean; url: string },
  dataDir: string,
): { workspaceFile: string; queuePrefix: string } {
  let identity = `embedded ${resolve(dataDir)}`;
  if (!database.embedded) {
    const url = new URL(database.url);
    identity = `${decodeURIComponent(url.username)}@${url.hostname}:${url.port || "5432"}${url.pathname}`;
  }
  const id = createHash("sha256").update(identity).digest("hex").slice(0, 10);
  return {
    workspaceFile: join(dataDir, database.embedded ? "slack.json" : `slack-${id}.json`),
    queuePrefix: `switchboard-demo-${id}`,
  };
}

export interface DemoOptions {
  /** Port of the page and API (0: any free port). Default DEMO_PORT or 3000. */
  port?: number;
  /** Where the embedded PostgreSQL and the workspace are kept. Default `.demo/`. */
  dataDir?: string;
  /** Used when it answers; otherwise the embedded PostgreSQL. */
  databaseUrl?: string;
  /** Used when it answers; otherwise a redis-server of the demo's own. */
  redisUrl?: string;
  /** Queue prefix in Redis. Default "switchboard-demo-<id>", one per database (see keptApart). */
  queuePrefix?: string;
  logLevel?: string;
  /** Checked for real Slack credentials; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RunningDemo {
  url: string;
  personas: Personas;
  /** The emulator behind the page (tests read it). */
  slack: FakeSlack;
  system: RunningSystem;
  /** One phrase each: what PostgreSQL and Redis the demo uses. */
  services: { postgres: string; redis: string };
  stop(): Promise<void>;
}

/**
 * Starts the demo: PostgreSQL and Redis (see services.ts), the Slack emulator with the demo
 * workspace, the real bot (startSystem, role all) against it, and the page with its API.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<RunningDemo> {
  const env = opts.env ?? process.env;
  const credential = realSlackCredential(env);
  if (credential) {
    throw new DemoStartError(
      `switchboard demo: ${credential} is set; the demo never talks to Slack: unset the SLACK_* variables to run it`,
    );
  }
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const logger = createLogger(
    opts.logLevel ?? "warn",
    undefined,
    chooseLogFormat(undefined, process.stdout.isTTY),
  );
  const cleanup: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  };
  const port = opts.port ?? Number(env.DEMO_PORT || 3000);
  await checkPortFree(port);
  try {
    // Redis first: without one the demo stops at once, before the embedded PostgreSQL's initdb.
    const redis: DemoService = await demoRedis(opts.redisUrl ?? env.REDIS_URL);
    cleanup.push(redis.stop);
    const pg: DemoService = await demoPostgres(opts.databaseUrl ?? env.DATABASE_URL, dataDir);
    cleanup.push(pg.stop);

    const apart = keptApart(pg, dataDir);

    const slack = await startFakeSlack();
    cleanup.push(() => slack.close());
    const file = apart.workspaceFile;
    loadWorkspace(slack, file);
    const channelIds = seedWorkspace(slack);
    const saving = persistWorkspace(slack, file);
    cleanup.push(async () => saving.stop());

    const signingSecret = randomBytes(24).toString("hex");
    const config: Config = {
      slack: { botToken: slack.botToken, signingSecret, apiUrl: slack.url },
      databaseUrl: pg.url,
      redisUrl: redis.url,
      port: 0,
      // The bot's receiver is for the sandbox server in this process only.
      host: "127.0.0.1",
      metrics: { host: "127.0.0.1", port: 0 },
      logLevel: (opts.logLevel ?? "warn") as Config["logLevel"],
      role: "all",
      migrateOnStart: true,
      queuePrefix: opts.queuePrefix ?? apart.queuePrefix,
      jobLockMs: 30_000,
      databasePoolSize: 5,
    };
    const system = await startSystem({ config, policy: demoPolicy(channelIds), logger });
    cleanup.push(() => system.stop());

    const actions = new SandboxActions(slack, `http://127.0.0.1:${system.port}/slack/events`, signingSecret);
    const sandbox: SandboxServer = await startSandboxServer({ port, slack, actions, logger });
    cleanup.push(() => sandbox.close());
    return {
      url: sandbox.url,
      personas: PERSONAS,
      slack,
      system,
      services: { postgres: pg.describe, redis: redis.describe },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
