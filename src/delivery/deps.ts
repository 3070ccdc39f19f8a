import type { WebClient } from "@slack/web-api";
import type { Db } from "../db/client.js";
import type { OutboxRow } from "../db/schema/index.js";
import type { Policy } from "../domain/policy-types.js";
import type { Jobs } from "../jobs/queues.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import type { Mailer } from "./email.js";
import type { Purpose } from "./purposes.js";

/**
 * Draws a post again when it is sent, from the current state of what it shows (a briefing's
 * confirmations so far, the incident on its summary card); null sends the message stored in
 * the row.
 */
export type SendTimeRenderer = (
  deps: DeliveryDeps,
  row: OutboxRow,
) => Promise<Record<string, unknown> | null>;
export type SendTimeRenderers = Readonly<Partial<Record<Purpose, SendTimeRenderer>>>;

/** What sending touches. The use cases' Deps extends it, so a service hands its own on. */
export interface DeliveryDeps {
  db: Db;
  slack: WebClient;
  policy: Policy;
  jobs: Jobs;
  logger: Logger;
  metrics: Metrics;
  /**
   * How long one delivery holds an outbox row. It must outlast a Slack call (10 s timeout),
   * and after a crash it is how long a retry waits before it may probe and re-send.
   */
  outboxLeaseMs: number;
  /**
   * The purposes drawn at send time. The renderers read use-case state (services/), so
   * start-up (system.ts) hands them in rather than delivery importing them.
   */
  renderers: SendTimeRenderers;
  /** Email and webhook senders; unset in a process that sends nothing beyond Slack. */
  external?: ExternalSenders;
}

/** What sending beyond Slack needs, built at start-up from the environment (system.ts). */
export interface ExternalSenders {
  /** Null when SMTP_URL is unset (start-up refuses a plan with email audiences then). */
  mailer: Pick<Mailer, "send"> | null;
  /** The right-hand side of every Message-ID: `<delivery id@domain>`. */
  messageIdDomain: string;
  /** A webhook audience's signing secret, by the name of its environment variable. */
  secret: (envName: string) => string | undefined;
  /** Names for the Slack user ids an email mentions ("Dana Scully"). */
  names: (ids: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /** A link that opens a Slack channel, for "Follow it in Slack". */
  channelUrl: (channelId: string) => string | null;
  webhookTimeoutMs: number;
}
