import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDemo, startDemo } from "../../../src/demo/demo.js";
import {
  DemoStartError,
  demoRedis,
  hiddenFromPostgresUser,
  NO_REDIS_SERVER,
} from "../../../src/demo/services.js";
import { freePort } from "../../../src/lib/free-port.js";
import { eventually } from "../../helpers/eventually.js";
import { sandbox } from "./sandbox-client.js";

/**
 * The demo on a machine without PostgreSQL or Redis configured: the embedded PostgreSQL (first
 * start runs initdb) and a redis-server of its own. Slow: initdb alone takes seconds.
 */

let dataDir: string;
let demo: RunningDemo | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "switchboard-demo-embedded-"));
  // As root, PostgreSQL runs as the "postgres" user, which must be able to reach the folder
  // (mkdtemp makes it 0700; the project's .demo/ is 0755).
  await chmod(dataDir, 0o755);
}, 10_000);
afterAll(async () => {
  await demo?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe("the demo with nothing configured", () => {
  it("runs an embedded PostgreSQL in its data folder and a redis-server of its own", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const hidden = await hiddenFromPostgresUser();
    if (hidden) {
      // Run as root from a checkout the "postgres" user cannot reach (e.g. under a 0700 folder):
      // the demo must stop at once and say why, not hang in initdb.
      console.warn(`embedded PostgreSQL not started here: the postgres user cannot reach ${hidden}`);
      const refused = startDemo({
        port: 0,
        dataDir,
        logLevel: "silent",
        env: { DATABASE_URL: `postgres://postgres@${closed}/switchboard`, REDIS_URL: `redis://${closed}` },
      });
      await expect(refused).rejects.toThrow(DemoStartError);
      await expect(refused).rejects.toThrow(/cannot reach .*chmod o\+x .*DATABASE_URL/);
      return;
    }
    demo = await startDemo({
      port: 0,
      dataDir,
      logLevel: "silent",
      // Configured but unreachable counts as not configured.
      env: { DATABASE_URL: `postgres://postgres@${closed}/switchboard`, REDIS_URL: `redis://${closed}` },
    });
    expect(demo.services.postgres).toContain(join(dataDir, "postgres"));
    expect(demo.services.redis).toMatch(/^a temporary redis-server on port \d+$/);
    const state = await sandbox(demo).state(demo.personas.agent.id);
    expect(state.channels.map((c) => c.name)).toContain("agent-floor");
    // The bot ran its migrations there and answers a command that reads the database.
    const floor = state.channels.find((c) => c.name === "agent-floor")!;
    const sent = await sandbox(demo).post("/api/message", {
      as: demo.personas.agent.id,
      channel: floor.id,
      text: "/incident list",
    });
    expect(sent.body).toEqual({ ok: true });
    const reply = await eventually(
      "the list's answer",
      async () => {
        const s = await sandbox(demo!).state(demo!.personas.agent.id);
        return s.ephemerals[0];
      },
      { timeoutMs: 30_000 },
    );
    expect(reply.channel).toBe(floor.id);
  }, 180_000);

  it("says how to get Redis when there is no redis-server on the PATH, before starting PostgreSQL", async () => {
    const path = process.env.PATH;
    const closed = `127.0.0.1:${await freePort()}`;
    const empty = await mkdtemp(join(tmpdir(), "switchboard-demo-no-redis-"));
    process.env.PATH = "/nonexistent";
    try {
      await expect(demoRedis(undefined)).rejects.toThrow(DemoStartError);
      await expect(demoRedis(undefined)).rejects.toThrow(NO_REDIS_SERVER);
      // The whole demo stops with that line, and has not run initdb first.
      await expect(
        startDemo({
          port: 0,
          dataDir: empty,
          logLevel: "silent",
          env: { DATABASE_URL: `postgres://postgres@${closed}/switchboard`, REDIS_URL: `redis://${closed}` },
        }),
      ).rejects.toThrow(NO_REDIS_SERVER);
      expect(existsSync(join(empty, "postgres"))).toBe(false);
    } finally {
      await rm(empty, { recursive: true, force: true });
      process.env.PATH = path;
    }
    expect(NO_REDIS_SERVER).toMatch(/apt install redis-server/);
    expect(NO_REDIS_SERVER).toMatch(/brew install redis/);
    expect(NO_REDIS_SERVER).toMatch(/docker compose up -d redis/);
  });
});
