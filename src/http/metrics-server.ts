import { createServer, type Server } from "node:http";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import { send, serveMetrics } from "./routes.js";

export interface MetricsServer {
  /** The port actually bound (useful with METRICS_PORT=0). */
  port: number;
  host: string;
  close(): Promise<void>;
}

/**
 * GET /metrics on its own listener (METRICS_HOST:METRICS_PORT, loopback by default), so the
 * port Slack reaches never exposes it. Prometheus scrapes this one from the same host, or
 * through a port published only to it.
 */
export function startMetricsServer(p: {
  host: string;
  port: number;
  metrics: Metrics;
  logger: Logger;
}): Promise<MetricsServer> {
  const handler = serveMetrics(p.metrics, p.logger.child({ component: "http.metrics" }));
  const server = createServer((req, res) => {
    if ((req.url ?? "/").split("?")[0] !== "/metrics") return send(res, 404, "", "text/plain");
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(res, 405, "", "text/plain", { allow: "GET" });
    handler(req, res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(p.port, p.host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve({
        port: address && typeof address === "object" ? address.port : p.port,
        host: p.host,
        close: () => closeServer(server),
      });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // A scraper's idle keep-alive connection would otherwise hold shutdown open.
    server.closeIdleConnections();
  });
}
