import { HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import type { Config } from "../../../src/config/env.js";
import { createLogger } from "../../../src/lib/logger.js";
import { createMetrics } from "../../../src/lib/metrics.js";
import type { Deps } from "../../../src/services/deps.js";
import { createSlackApp } from "../../../src/slack/app.js";

const base: Config = {
  slack: { botToken: "xoxb-1", signingSecret: "secret" },
  databaseUrl: "postgres://unused",
  redisUrl: "redis://unused",
  port: 0,
  logLevel: "silent",
  role: "web",
  migrateOnStart: false,
  queuePrefix: "unused",
  jobLockMs: 30_000,
};
// Constructing the app touches none of these; listeners would.
const deps = {
  logger: createLogger("silent"),
  metrics: createMetrics(),
  botUserId: "U0BOT",
  botId: "B0BOT",
} as unknown as Deps;

function receiverOf(app: unknown): unknown {
  return (app as { receiver: unknown }).receiver;
}

describe("receiver mode", () => {
  it("uses HTTP with the signing secret by default", () => {
    expect(receiverOf(createSlackApp(base, deps, []))).toBeInstanceOf(HTTPReceiver);
  });

  it("uses Socket Mode when SLACK_APP_TOKEN is set, without needing a signing secret", () => {
    const config = { ...base, slack: { botToken: "xoxb-1", appToken: "xapp-1" } };
    expect(receiverOf(createSlackApp(config, deps, []))).toBeInstanceOf(SocketModeReceiver);
  });
});
