import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../src/lib/free-port.js";

const run = promisify(execFile);

/**
 * PostgreSQL and Redis servers of a drill's own, on free ports, so a drill can stop and
 * restart them without touching the shared services the rest of the suite uses.
 */

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

function redisPing(port: number): boolean {
  try {
    const out = execFileSync("redis-cli", ["-p", String(port), "ping"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.trim() === "PONG";
  } catch {
    return false;
  }
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** Starts (or restarts) the server, empty: no RDB, no AOF, like a restart without persistence. */
  start(): Promise<void>;
  /** Stops it at once, discarding its data (SHUTDOWN NOSAVE). */
  stop(): Promise<void>;
  running(): boolean;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let dir: string | null = null;
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once("exit", () => resolve()));
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child) throw new Error("private redis already running");
      dir = mkdtempSync(join(tmpdir(), "switchboard-redis-"));
      child = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--daemonize",
          "no",
          "--dir",
          dir,
          "--maxmemory-policy",
          "noeviction",
        ],
        { stdio: "ignore" },
      );
      await waitUntil(`redis on ${port} to answer`, () => redisPing(port));
    },
    async stop() {
      const c = child;
      if (!c) return;
      try {
        execFileSync("redis-cli", ["-p", String(port), "shutdown", "nosave"], { stdio: "ignore" });
      } catch {
        // SHUTDOWN closes the connection without a reply; a non-zero exit here is normal.
      }
      const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
      await exited(c);
      clearTimeout(timer);
      child = null;
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
    running: () => child !== null,
  };
  await redis.start();
  return redis;
}

export interface PrivatePostgres {
  port: number;
  dir: string;
  /** URL of a database in this cluster (as user postgres, trust auth). */
  url(database: string): string;
  restart(mode?: "fast" | "immediate"): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's bin directory (Debian layout), or null. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

/**
 * A throw-away cluster: initdb into a temp dir owned by `postgres` (initdb refuses to run as
 * root), trust auth, its own port and socket dir. Needs root (to switch to `postgres`) or to
 * be run as `postgres` itself.
 */
export async function privatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "switchboard-pg-"));
  // Asynchronous on purpose: a restart must not block the event loop of the process under test.
  const asPostgres = async (command: string) => {
    if (process.getuid?.() === 0) await run("su", ["postgres", "-c", command]);
    else await run("sh", ["-c", command]);
  };
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  await asPostgres(`${bin}/initdb -D ${data} -A trust -U postgres --no-sync >/dev/null`);
  const pgCtl = (args: string) =>
    asPostgres(
      `${bin}/pg_ctl -D ${data} -l ${log} -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off" ${args}`,
    );
  await pgCtl("-w start");
  await asPostgres(`${bin}/createdb -h 127.0.0.1 -p ${port} -U postgres switchboard_drill`);
  const stop = async () => {
    try {
      await pgCtl("-w -m immediate stop");
    } catch {
      // already stopped
    }
  };
  return {
    port,
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart(mode = "fast") {
      await pgCtl(`-w -m ${mode} restart`);
    },
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
