import type { WebClient } from "@slack/web-api";
import type { Db } from "../db/client.js";
import type { Policy } from "../domain/policy-types.js";
import type { Jobs } from "../jobs/queues.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";

/** Everything a use case may touch. Slack listeners and job processors pass the same object. */
export interface Deps {
  db: Db;
  slack: WebClient;
  policy: Policy;
  jobs: Jobs;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The bot's own user id (from auth.test at start-up). */
  botUserId: string;
  botId: string;
  /**
   * How long one delivery holds an outbox row. It must outlast a Slack call (10 s timeout),
   * and after a crash it is how long a retry waits before it may probe and re-send.
   */
  outboxLeaseMs: number;
}
