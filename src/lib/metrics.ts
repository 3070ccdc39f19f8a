import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per process (not the global one), so tests can run several apps side by side. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    incidentsLogged: new Counter({
      name: "switchboard_incidents_logged_total",
      help: "Incidents committed to PostgreSQL",
      labelNames: ["priority"] as const,
      registers: [registry],
    }),
    callerReportsAdded: new Counter({
      name: "switchboard_caller_reports_added_total",
      help: "Caller reports recorded against incidents, by how the caller got in touch",
      labelNames: ["channel"] as const,
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: "switchboard_slack_deliveries_total",
      help: "Outbox deliveries to Slack by outcome",
      labelNames: ["purpose", "outcome"] as const,
      registers: [registry],
    }),
    externalDeliveries: new Counter({
      name: "switchboard_external_deliveries_total",
      help: "Email and webhook deliveries by channel and outcome (sent, retry, failed)",
      labelNames: ["via", "outcome"] as const,
      registers: [registry],
    }),
    jobs: new Counter({
      name: "switchboard_jobs_total",
      help: "Jobs processed by name and outcome",
      labelNames: ["name", "outcome"] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "switchboard_slack_handler_seconds",
      help: "Time from a Slack request arriving to its handler finishing",
      labelNames: ["kind"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    clockReconcile: new Histogram({
      name: "switchboard_clock_reconcile_seconds",
      help: "Duration of the clock reconciler's passes: the whole comparison, or the changes since the last",
      labelNames: ["pass"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    socketConnected: new Gauge({
      name: "switchboard_socket_mode_connected",
      help: "1 while this process's Socket Mode connection to Slack is open, else 0",
      registers: [registry],
    }),
    socketDisconnects: new Counter({
      name: "switchboard_socket_mode_disconnects_total",
      help: "Socket Mode connections lost, by reason (Slack's disconnect reason, or connection_lost)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    socketReconnects: new Counter({
      name: "switchboard_socket_mode_reconnects_total",
      help: "Socket Mode connections re-opened after one was lost",
      registers: [registry],
    }),
    socketConnectFailures: new Counter({
      name: "switchboard_socket_mode_connect_failures_total",
      help: "Failed attempts to re-open a Socket Mode connection, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
  };
}
