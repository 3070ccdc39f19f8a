import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import type postgres from "postgres";
import { describeError, type Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import { bearerMatches } from "./bearer.js";

export interface Probes {
  sql: postgres.Sql;
  redis: Redis;
  metrics: Metrics;
  logger: Logger;
  /** Socket Mode: whether the connection to Slack is open (or lost only moments ago). */
  slackSocket?: () => boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
export interface Route {
  path: string;
  method: string[];
  handler: Handler;
}

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = "application/json",
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(body);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

type Check = { ok: true } | { ok: false; error: string };

async function check(fn: () => Promise<unknown>): Promise<Check> {
  try {
    await withTimeout(fn(), 2_000);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

/**
 * /readyz: each component is "ok" or "fail" and nothing more. The reason (a driver message
 * naming hosts, users or databases) goes to the log, never to whoever asks.
 */
function readiness(p: Probes): Handler {
  const log = p.logger.child({ component: "http.readyz" });
  return (_req, res) => {
    void Promise.all([check(() => p.sql`select 1`), check(() => p.redis.ping())]).then(
      ([postgresql, redis]) => {
        // A web process in Socket Mode that has lost Slack receives nothing: not ready either.
        const socket = p.slackSocket ? p.slackSocket() : undefined;
        const ready = postgresql.ok && redis.ok && socket !== false;
        if (!ready) {
          log.warn(
            {
              postgresql: postgresql.ok ? "ok" : postgresql.error,
              redis: redis.ok ? "ok" : redis.error,
              ...(socket === undefined ? {} : { slackSocket: socket ? "ok" : "not connected" }),
            },
            "not ready",
          );
        }
        const word = (c: Check) => (c.ok ? "ok" : "fail");
        send(
          res,
          ready ? 200 : 503,
          JSON.stringify({
            status: ready ? "ok" : "unavailable",
            postgresql: word(postgresql),
            redis: word(redis),
            ...(socket === undefined ? {} : { slack_socket: socket ? "ok" : "fail" }),
          }),
        );
      },
    );
  };
}

/** Prometheus text for the process's registry. */
export function serveMetrics(metrics: Metrics, logger: Logger): Handler {
  return (_req, res) => {
    void metrics.registry.metrics().then(
      (text) => send(res, 200, text, metrics.registry.contentType),
      (err: unknown) => {
        logger.error({ err: describeError(err) }, "metrics could not be collected");
        send(res, 500, "metrics could not be collected\n", "text/plain");
      },
    );
  };
}

/**
 * /healthz: the process answers. /readyz: PostgreSQL and Redis answer too, and in Socket Mode
 * the connection to Slack is open. /metrics is here
 * only with a token (METRICS_TOKEN) and then only for a request bearing it; without one it is
 * served on its own listener (see metrics-server.ts), which is not reachable from outside.
 */
export function operationalRoutes(p: Probes, opts: { metricsToken?: string | undefined } = {}): Route[] {
  const routes: Route[] = [
    {
      path: "/healthz",
      method: ["GET"],
      handler: (_req, res) => send(res, 200, JSON.stringify({ status: "ok" })),
    },
    { path: "/readyz", method: ["GET"], handler: readiness(p) },
  ];
  const token = opts.metricsToken;
  if (token) {
    const metrics = serveMetrics(p.metrics, p.logger);
    routes.push({
      path: "/metrics",
      method: ["GET"],
      handler: (req, res) => {
        if (bearerMatches(req.headers.authorization, token)) return metrics(req, res);
        send(res, 401, "", "text/plain", { "www-authenticate": 'Bearer realm="metrics"' });
      },
    });
  }
  return routes;
}
