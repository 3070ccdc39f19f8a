import { createServer, type Server } from "node:http";
import type { ListenOptions } from "node:net";
import type { App } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Redis } from "ioredis";
import {
  type Config,
  DEFAULT_METRICS_HOST,
  DEFAULT_METRICS_PORT,
  DEFAULT_POOL_SIZE,
  DEFAULT_SOCKET_RECONNECT_DEADLINE_MS,
} from "./config/env.js";
import type { Policy } from "./config/policy.js";
import { createDatabase } from "./db/client.js";
import { runMigrations } from "./db/migrate.js";
import { createMailer } from "./delivery/email.js";
import { type MetricsServer, startMetricsServer } from "./http/metrics-server.js";
import { operationalRoutes, type Route } from "./http/routes.js";
import { createProducerConnection, createWorkerConnection } from "./jobs/connection.js";
import { createJobs } from "./jobs/queues.js";
import { clockReconciler } from "./jobs/reconcile.js";
import { reconcileActions } from "./jobs/reconcile-actions.js";
import { watchRedis } from "./jobs/redis-watch.js";
import { ensureSchedules } from "./jobs/schedules.js";
import { sweep } from "./jobs/sweep.js";
import { startWorkers } from "./jobs/worker.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { describeError, type Logger } from "./lib/logger.js";
import { createMetrics } from "./lib/metrics.js";
import { slackLogger } from "./lib/slack-logger.js";
import type { Deps } from "./services/deps.js";
import { externalSenders } from "./services/external-senders.js";
import { SEND_TIME_RENDERERS } from "./services/send-time.js";
import { createSlackApp, slackClientOptions } from "./slack/app.js";
import { socketModeReceiver } from "./slack/socket-mode.js";
import { SocketSupervisor } from "./slack/socket-supervisor.js";
import { describeEndpoint, StartupError } from "./startup-errors.js";

export interface SystemOptions {
  config: Config;
  policy: Policy;
  logger: Logger;
  clock?: Clock;
  /** How often the worker re-queues work Redis may have lost. */
  sweepIntervalMs?: number;
  /** How often the worker checks that Redis still holds its data (see redis-watch.ts). */
  redisWatchMs?: number;
  /** When a click still being handled is told so (see unanswered-clicks.ts). */
  clickLateMs?: number;
  /**
   * Socket Mode: called when the connection to Slack stays lost past SOCKET_RECONNECT_DEADLINE_MS.
   * main.ts shuts down and exits non-zero; without it the process exits with status 1 at once.
   */
  onSocketLost?: (reason: string) => void;
  /** Socket Mode: the pause before the next connection attempt after `failures` failed ones. */
  socketBackoffMs?: (failures: number) => number;
  /** Socket Mode: how long /readyz stays "ok" into a disconnection (15 s). */
  socketReadyGraceMs?: number;
  /** Where webhook audiences' signing secrets are read (their `secret_env`); process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RunningSystem {
  deps: Deps;
  /** The HTTP port actually bound (useful with PORT=0). */
  port: number | null;
  /** The port /metrics is served on by itself (METRICS_PORT), or null when it is on PORT. */
  metricsPort: number | null;
  stop(): Promise<void>;
}

/**
 * Builds and starts the process: PostgreSQL, Redis, the Slack client, then the Bolt receiver
 * (role web/all) and the job workers (role worker/all). Used by main.ts and by the tests.
 */
export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  const { config, logger } = opts;
  await step("PostgreSQL", config.databaseUrl, async () => {
    if (config.migrateOnStart) await runMigrations(config.databaseUrl);
  });
  const database = createDatabase(config.databaseUrl, {
    max: config.databasePoolSize ?? DEFAULT_POOL_SIZE,
    name: `switchboard-${config.role}`,
  });
  await step("PostgreSQL", config.databaseUrl, () => database.sql`select 1`);
  const producer = createProducerConnection(config.redisUrl);
  await step("Redis", config.redisUrl, () => waitForRedis(producer));
  const jobs = createJobs(producer, config.queuePrefix);
  const metrics = createMetrics();
  const slack = new WebClient(config.slack.botToken, {
    ...slackClientOptions(config),
    logger: slackLogger(logger, "slack.web-api"),
  });
  const auth = await step("Slack", config.slack.apiUrl ?? "https://slack.com/api/", () => slack.auth.test());
  const deps: Deps = {
    db: database.db,
    slack,
    policy: opts.policy,
    jobs,
    clock: opts.clock ?? systemClock,
    logger,
    metrics,
    botUserId: String(auth.user_id),
    botId: String(auth.bot_id),
    // A Slack call is bounded by the client's 10 s timeout; the probe and permalink add a little.
    outboxLeaseMs: Math.max(config.jobLockMs, 12_000),
    renderers: SEND_TIME_RENDERERS,
  };
  const mailer = config.email
    ? createMailer({ smtpUrl: config.email.smtpUrl, from: config.email.from })
    : null;
  deps.external = externalSenders(deps, {
    mailer,
    from: config.email?.from ?? null,
    workspaceUrl: typeof auth.url === "string" ? auth.url : null,
    env: opts.env ?? process.env,
  });
  const metricsConfig = config.metrics ?? { host: DEFAULT_METRICS_HOST, port: DEFAULT_METRICS_PORT };
  const socketMode = Boolean(config.slack.appToken) && config.role !== "worker";
  let socket: SocketSupervisor | null = null;
  const routes = operationalRoutes(
    {
      sql: database.sql,
      redis: producer,
      metrics,
      logger,
      ...(socketMode ? { slackSocket: () => socket?.ready() ?? false } : {}),
    },
    { metricsToken: metricsConfig.token },
  );
  // Without a token /metrics is never on PORT; it gets a listener of its own, loopback by default.
  const metricsServer: MetricsServer | null = metricsConfig.token
    ? null
    : await step("Metrics", `tcp://${bracketed(metricsConfig.host)}:${metricsConfig.port}`, () =>
        startMetricsServer({ ...metricsConfig, metrics, logger }),
      );
  // In Socket Mode the probes answer while the connection is being opened (readiness says so).
  const probeServer =
    config.role === "worker" || socketMode ? await listen(routesServer(routes), listenOn(config)) : null;
  let web: Awaited<ReturnType<typeof startWeb>> | null = null;
  if (socketMode) {
    const receiver = socketModeReceiver(config, logger);
    socket = new SocketSupervisor({
      client: receiver.client,
      logger,
      metrics,
      deadlineMs: config.socketReconnectDeadlineMs ?? DEFAULT_SOCKET_RECONNECT_DEADLINE_MS,
      onLost: opts.onSocketLost ?? (() => process.exit(1)),
      backoffMs: opts.socketBackoffMs,
      readyGraceMs: opts.socketReadyGraceMs,
    });
    const app = createSlackApp(config, deps, routes, {
      clickLateMs: opts.clickLateMs,
      socketReceiver: receiver,
    });
    const supervisor = socket;
    web = { app, port: null };
    await step("Slack Socket Mode", config.slack.apiUrl ?? "https://slack.com/api/", () =>
      supervisor.start(),
    ).catch(async (err: unknown) => {
      // Start-up gives up: close what is open so the caller (or a test) is left with nothing running.
      await supervisor.stop();
      await app.stop().catch(() => {});
      await new Promise((resolve) => probeServer?.close(resolve));
      await metricsServer?.close();
      await jobs.close();
      producer.disconnect();
      await database.close();
      throw err;
    });
  } else if (config.role !== "worker") {
    web = await startWeb(config, deps, routes, { clickLateMs: opts.clickLateMs });
  }
  // With both halves in one process the jobs get a connection pool of their own, so a burst
  // of background work never makes a Slack request wait for a connection.
  const jobsDatabase =
    config.role === "all"
      ? createDatabase(config.databaseUrl, {
          max: config.databasePoolSize ?? DEFAULT_POOL_SIZE,
          name: "switchboard-jobs",
        })
      : null;
  const workerDeps = jobsDatabase ? { ...deps, db: jobsDatabase.db } : deps;
  const worker =
    config.role === "web"
      ? null
      : startWorker(config, workerDeps, {
          sweepIntervalMs: opts.sweepIntervalMs ?? 30_000,
          redisWatchMs: opts.redisWatchMs ?? 2_000,
        });
  logger.info(
    { role: config.role, port: web?.port ?? portOf(probeServer), metricsPort: metricsServer?.port ?? null },
    "switchboard started",
  );

  return {
    deps,
    port: web?.port ?? portOf(probeServer),
    metricsPort: metricsServer?.port ?? null,
    async stop() {
      await socket?.stop();
      await web?.app.stop();
      if (probeServer) await new Promise((resolve) => probeServer.close(resolve));
      await metricsServer?.close();
      await worker?.stop();
      await jobs.close();
      producer.disconnect();
      await Promise.all([database.close(), jobsDatabase?.close()]);
      mailer?.close();
    },
  };
}

async function startWeb(
  config: Config,
  deps: Deps,
  routes: Route[],
  slackOpts: { clickLateMs?: number | undefined },
): Promise<{ app: App; port: number | null }> {
  const app = createSlackApp(config, deps, routes, slackOpts);
  const started = (await app.start(listenOn(config))) as unknown;
  return { app, port: portOf(started as Server | null) };
}

function startWorker(config: Config, deps: Deps, every: { sweepIntervalMs: number; redisWatchMs: number }) {
  const connection = createWorkerConnection(config.redisUrl);
  const workers = startWorkers(deps, connection, config.queuePrefix, config.jobLockMs);
  const clocks = clockReconciler(deps);
  // Until the recurring jobs are registered (Redis may be down at start-up), each sweep tries.
  let scheduled = false;
  const schedule = () =>
    ensureSchedules(deps).then(() => {
      scheduled = true;
    });
  const runSweep = () =>
    Promise.all([sweep(deps), clocks.run(), reconcileActions(deps), scheduled ? null : schedule()]).catch(
      (err: unknown) => deps.logger.warn({ err: describeError(err) }, "sweep failed; will try again"),
    );
  // The periodic pass is idempotent, so one worker a round is enough: the others skip it
  // rather than double the load (a breach storm is when it costs most). The turn lapses
  // before the next round, so a worker that died holding it delays nothing. A worker always
  // sweeps once as it starts, and the Redis watch below recovers on every worker at once.
  const sweepTurn = async () => {
    // With Redis unreachable every worker sweeps, as it can do its PostgreSQL half.
    const taken =
      connection.status === "ready"
        ? await connection
            .set(`${config.queuePrefix}:sweep-turn`, "1", "PX", Math.floor(every.sweepIntervalMs * 0.9), "NX")
            .catch(() => "OK")
        : "OK";
    if (taken === "OK") await runSweep();
  };
  void runSweep();
  const timer = setInterval(sweepTurn, every.sweepIntervalMs);
  timer.unref();
  const watch = watchRedis({
    redis: connection,
    prefix: config.queuePrefix,
    intervalMs: every.redisWatchMs,
    logger: deps.logger,
    recover: () =>
      Promise.all([
        sweep(deps, { graceMs: 0 }),
        clocks.run({ full: true }),
        reconcileActions(deps),
        schedule(),
      ]),
  });
  return {
    async stop() {
      clearInterval(timer);
      watch.stop();
      // close() lets in-flight jobs finish; a job cut off by a hard kill is retried from its outbox state.
      await workers.close();
      connection.disconnect();
    },
  };
}

function routesServer(routes: Route[]): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const route = routes.find((r) => r.path === path && r.method.includes(req.method ?? "GET"));
    if (route) return route.handler(req, res);
    res.writeHead(404).end();
  });
}

/** PORT alone (every interface), or PORT on one address when the config names it. */
function listenOn(config: Config): number | ListenOptions {
  return config.host === undefined ? config.port : { port: config.port, host: config.host };
}

function listen(server: Server, at: number | ListenOptions): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(at, () => resolve(server));
  });
}

/** An IPv6 address as URLs write it. */
function bracketed(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function portOf(server: Server | null | undefined): number | null {
  const address = server && typeof server.address === "function" ? server.address() : null;
  return address && typeof address === "object" ? address.port : null;
}

async function step<T>(service: string, url: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new StartupError(service, describeEndpoint(url), err);
  }
}

/** The producer connection does not queue commands while offline, so wait for it to be ready. */
async function waitForRedis(redis: Redis, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let connectionError: Error | undefined;
  const onError = (err: Error) => {
    connectionError = err;
  };
  redis.on("error", onError);
  try {
    while (Date.now() < deadline) {
      if (
        await redis.ping().then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw connectionError ?? new Error(`no answer within ${timeoutMs} ms`);
  } finally {
    redis.off("error", onError);
  }
}
