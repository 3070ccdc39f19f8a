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
    });
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
  });
});
