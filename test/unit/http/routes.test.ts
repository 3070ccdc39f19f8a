import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import type postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { bearerMatches } from "../../../src/http/bearer.js";
import { startMetricsServer } from "../../../src/http/metrics-server.js";
import { operationalRoutes, type Route } from "../../../src/http/routes.js";
import { createLogger } from "../../../src/lib/logger.js";
import { createMetrics } from "../../../src/lib/metrics.js";

const PG_ERROR = 'password authentication failed for user "switchboard" on db.internal:5432';
const REDIS_ERROR = "connect ECONNREFUSED 10.0.0.7:6379";

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger("info", sink), lines };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(routes: Route[]): Promise<string> {
  const server = createServer((req, res) => {
    const route = routes.find((r) => r.path === req.url && r.method.includes(req.method ?? "GET"));
    if (route) return route.handler(req, res);
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function probes(p: { pg: boolean; redis: boolean }) {
  const { logger, lines } = capturingLogger();
  const sql = (() =>
    p.pg
      ? Promise.resolve([{ "?column?": 1 }])
      : Promise.reject(new Error(PG_ERROR))) as unknown as postgres.Sql;
  const redis = {
    ping: () => (p.redis ? Promise.resolve("PONG") : Promise.reject(new Error(REDIS_ERROR))),
  } as unknown as Redis;
  return { probes: { sql, redis, metrics: createMetrics(), logger }, lines };
}

describe("/readyz", () => {
  it("/readyz says ok/fail per component and no error text", async () => {
    const { probes: p, lines } = probes({ pg: false, redis: false });
    const base = await serve(operationalRoutes(p));
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: "unavailable", postgresql: "fail", redis: "fail" });
    expect(text).not.toMatch(/password|ECONNREFUSED|db\.internal|10\.0\.0\.7/);
    // The operator still learns why, from the log.
    const logged = lines.join("");
    expect(logged).toContain("not ready");
    expect(logged).toContain("ECONNREFUSED");
    expect(logged).toContain("password authentication failed");
  });

  it("names the one component that fails", async () => {
    const { probes: p } = probes({ pg: true, redis: false });
    const res = await fetch(`${await serve(operationalRoutes(p))}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable", postgresql: "ok", redis: "fail" });
  });
});

describe("/metrics", () => {
  it("is not among the PORT routes without a token", () => {
    const { probes: p } = probes({ pg: true, redis: true });
    expect(operationalRoutes(p).map((r) => r.path)).toEqual(["/healthz", "/readyz"]);
  });

  it("is on PORT with a token, for its bearer only", async () => {
    const { probes: p } = probes({ pg: true, redis: true });
    const base = await serve(operationalRoutes(p, { metricsToken: "t0ken-t0ken-t0ken-1" }));
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer t0ken-t0ken-t0ken-1" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("switchboard_incidents_logged_total");
  });

  it("has a listener of its own that serves nothing else", async () => {
    const { logger } = capturingLogger();
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0, metrics: createMetrics(), logger });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

describe("bearerMatches", () => {
  const token = "s3cret-s3cret-s3cret";
  it.each([
    [`Bearer ${token}`, true],
    [`bearer ${token}`, true],
    [`Bearer  ${token} `, true],
    [undefined, false],
    ["", false],
    [token, false],
    [`Basic ${token}`, false],
    [`Bearer ${token.slice(0, -1)}`, false],
    [`Bearer ${token}x`, false],
    [`Bearer ${token} extra`, false],
  ])("%j → %s", (header, expected) => {
    expect(bearerMatches(header, token)).toBe(expected);
  });
});
