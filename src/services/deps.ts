import type { DeliveryDeps } from "../delivery/deps.js";
import type { Clock } from "../lib/clock.js";

/**
 * Everything a use case may touch: what sending touches (the database, Slack, the policy, the
 * jobs, logs and metrics), and more. Slack listeners and job processors pass the same object.
 */
export interface Deps extends DeliveryDeps {
  clock: Clock;
  /** The bot's own user id (from auth.test at start-up). */
  botUserId: string;
  botId: string;
}
