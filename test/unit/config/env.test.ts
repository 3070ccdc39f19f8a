import { describe, expect, it } from "vitest";
import { parseEnv } from "../../../src/config/env.js";

const base = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };

describe("parseEnv", () => {
  it("applies the documented defaults", () => {
    const result = parseEnv(base);
    expect(result.ok && result.config).toMatchObject({
      databaseUrl: "postgres://postgres@localhost:5432/switchboard",
      redisUrl: "redis://localhost:6379",
      port: 3000,
      logLevel: "info",
      role: "all",
      migrateOnStart: true,
      databasePoolSize: 20,
      socketReconnectDeadlineMs: 120_000,
      metrics: { host: "127.0.0.1", port: 9464, token: undefined },
    });
  });

  it("reads where /metrics is served", () => {
    const result = parseEnv({
      ...base,
      METRICS_HOST: "0.0.0.0",
      METRICS_PORT: "9100",
      METRICS_TOKEN: "0123456789abcdef-token",
    });
    expect(result.ok && result.config.metrics).toEqual({
      host: "0.0.0.0",
      port: 9100,
      token: "0123456789abcdef-token",
    });
    expect(parseEnv({ ...base, METRICS_HOST: "::1" }).ok).toBe(true);
    expect(parseEnv({ ...base, METRICS_HOST: "metrics.internal" }).ok).toBe(true);
  });

  it("lets /metrics share PORT only with a token", () => {
    expect(parseEnv({ ...base, PORT: "9464", METRICS_TOKEN: "0123456789abcdef" }).ok).toBe(true);
    expect(parseEnv({ ...base, PORT: "0", METRICS_PORT: "0" }).ok).toBe(true);
  });

  it.each([
    [{ SLACK_BOT_TOKEN: undefined }, "SLACK_BOT_TOKEN is required"],
    [{ SLACK_BOT_TOKEN: "xoxp-user" }, "SLACK_BOT_TOKEN must be a bot token"],
    [{ SLACK_SIGNING_SECRET: undefined }, "SLACK_SIGNING_SECRET is required in HTTP mode"],
    [{ PORT: "eighty" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL must be a postgres:// URL"],
    [{ REDIS_URL: "localhost:6379" }, "REDIS_URL must be a redis:// URL"],
    [{ SWITCHBOARD_ROLE: "both" }, "SWITCHBOARD_ROLE"],
    [{ LOG_LEVEL: "verbose" }, "LOG_LEVEL"],
    [{ MIGRATE_ON_START: "yes" }, "MIGRATE_ON_START"],
    [{ DATABASE_POOL_SIZE: "1" }, "DATABASE_POOL_SIZE must be at least 2"],
    [{ DATABASE_POOL_SIZE: "lots" }, "DATABASE_POOL_SIZE"],
    [{ SOCKET_RECONNECT_DEADLINE_MS: "2m" }, "SOCKET_RECONNECT_DEADLINE_MS must be a number of milliseconds"],
    [{ SOCKET_RECONNECT_DEADLINE_MS: "1000" }, "SOCKET_RECONNECT_DEADLINE_MS must be at least 5000"],
    [{ METRICS_PORT: "70000" }, "METRICS_PORT must be a port number"],
    [{ METRICS_PORT: "prometheus" }, "METRICS_PORT must be a port number"],
    [{ METRICS_PORT: "3000" }, "METRICS_PORT must differ from PORT"],
    [{ METRICS_HOST: "not a host" }, "METRICS_HOST must be an IP address or host name"],
    [{ METRICS_TOKEN: "short" }, "METRICS_TOKEN must be at least 16 characters"],
    [{ METRICS_TOKEN: "has a space in the middle" }, "METRICS_TOKEN must be printable ASCII"],
  ])("refuses %j with one line naming the variable", (change, expected) => {
    const result = parseEnv({ ...base, ...change });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toContain(expected);
    }
  });

  it("needs no signing secret in Socket Mode or for a worker", () => {
    expect(parseEnv({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1" }).ok).toBe(true);
    expect(parseEnv({ SLACK_BOT_TOKEN: "xoxb-1", SWITCHBOARD_ROLE: "worker" }).ok).toBe(true);
  });

  it("treats an empty variable as unset", () => {
    expect(parseEnv({ ...base, PORT: "" }).ok).toBe(true);
  });

  it("never echoes a secret value", () => {
    const result = parseEnv({ SLACK_BOT_TOKEN: "xoxp-secret-value-123" });
    expect(JSON.stringify(result)).not.toContain("secret-value-123");
    const token = parseEnv({ ...base, METRICS_TOKEN: "metrics secret value" });
    expect(JSON.stringify(token)).not.toContain("secret value");
  });
});
