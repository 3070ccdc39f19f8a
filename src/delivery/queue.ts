import type { OutboxRow } from "../db/schema/index.js";
import { type JobPayload, jobIds } from "../jobs/catalog.js";
import type { DeliveryDeps } from "./deps.js";
import { LANE_PURPOSES } from "./purposes.js";

/**
 * queueDeliveries for rows at hand: a row that shares its channel's turn (an announcement)
 * names its channel and purpose in its job, which then needs no read of the row to join or
 * take the turn; the turn's post claims what is pending when it comes, as for any other job.
 */
export async function queueRowDeliveries(
  deps: DeliveryDeps,
  rows: Array<Pick<OutboxRow, "id" | "channel" | "purpose">>,
): Promise<void> {
  await enqueueDeliveries(
    deps,
    rows.map((r) => ({
      outboxId: r.id,
      ...(LANE_PURPOSES.has(r.purpose) ? { sharedIn: { channel: r.channel, purpose: r.purpose } } : {}),
    })),
  );
}

/** Queues the delivery of outbox rows (one job each, by id: queueing twice is one job), in one round trip. */
export async function queueDeliveries(deps: DeliveryDeps, outboxIds: string[]): Promise<void> {
  await enqueueDeliveries(
    deps,
    outboxIds.map((outboxId) => ({ outboxId })),
  );
}

function enqueueDeliveries(deps: DeliveryDeps, payloads: Array<JobPayload<"slack.deliver">>): Promise<void> {
  return deps.jobs.enqueueMany(
    "slack.deliver",
    payloads.map((payload) => ({ payload, jobId: jobIds.deliver(payload.outboxId) })),
  );
}
