import type { IncomingMessage, ServerResponse } from "node:http";
import type { Redis } from "ioredis";
import type postgres from "postgres";
import type { Metrics } from "../lib/metrics.js";

export interface Probes {
  sql: postgres.Sql;
  redis: Redis;
  metrics: Metrics;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
export interface Route {
  path: string;
  method: string[];
  handler: Handler;
}

function send(res: ServerResponse, status: number, body: string, type = "application/json") {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
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

async function check(fn: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(fn(), 2_000);
    return "ok";
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** /healthz: the process answers. /readyz: PostgreSQL and Redis answer too. /metrics: Prometheus. */
export function operationalRoutes(p: Probes): Route[] {
  return [
    {
      path: "/healthz",
      method: ["GET"],
      handler: (_req, res) => send(res, 200, JSON.stringify({ status: "ok" })),
    },
    {
      path: "/readyz",
      method: ["GET"],
      handler: (_req, res) => {
        void Promise.all([check(() => p.sql`select 1`), check(() => p.redis.ping())]).then(
          ([postgresql, redis]) => {
            const ready = postgresql === "ok" && redis === "ok";
            send(
              res,
              ready ? 200 : 503,
              JSON.stringify({ status: ready ? "ok" : "unavailable", postgresql, redis }),
            );
          },
        );
      },
    },
    {
      path: "/metrics",
      method: ["GET"],
      handler: (_req, res) => {
        void p.metrics.registry.metrics().then(
          (text) => send(res, 200, text, p.metrics.registry.contentType),
          (err: unknown) => send(res, 500, String(err), "text/plain"),
        );
      },
    },
  ];
}
