import { SocketModeReceiver } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import { type Config, DEFAULT_SLACK_TIMEOUT_MS } from "../config/env.js";
import type { Logger } from "../lib/logger.js";
import { slackLogger } from "../lib/slack-logger.js";
import { arrivalProperties } from "./deadline.js";

/**
 * Options for the Socket Mode client's own Web API client, which only calls
 * apps.connections.open. They are not the outbox's options: each call is bounded by the
 * timeout and tried once, and SocketSupervisor retries with backoff until its deadline.
 */
export function socketClientOptions(config: Config): WebClientOptions {
  return {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    timeout: config.slackTimeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS,
  };
}

/**
 * The Socket Mode receiver, built here rather than by Bolt so that the Web API client's
 * settings (no retries, for the outbox) do not reach the socket, and so that its logging
 * (which at debug level prints every envelope whole) goes through the redacting logger.
 * Reconnecting is SocketSupervisor's job; /healthz and /readyz are served by the process.
 */
export function socketModeReceiver(config: Config, logger: Logger): SocketModeReceiver {
  if (!config.slack.appToken) throw new Error("Socket Mode needs SLACK_APP_TOKEN");
  return new SocketModeReceiver({
    appToken: config.slack.appToken,
    logger: slackLogger(logger, "slack.socket-mode"),
    autoReconnectEnabled: false,
    installerOptions: { clientOptions: socketClientOptions(config) },
    // An envelope's deadline counts from when the socket handed it over.
    customPropertiesExtractor: () => arrivalProperties(),
  });
}
