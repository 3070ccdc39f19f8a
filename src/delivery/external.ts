import {
  claimExternalDelivery,
  getExternalDelivery,
  markExternalFailed,
  markExternalRetry,
  markExternalSent,
} from "../db/queries/external-deliveries.js";
import { appendLog } from "../db/queries/incident-log.js";
import type { ExternalDeliveryRow } from "../db/schema/index.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { describeError } from "../lib/logger.js";
import { milestoneEmail } from "../messages/milestone-email.js";
import { externalFailureNotice } from "../messages/update.js";
import type { DeliveryDeps } from "./deps.js";
import type { SendOutcome } from "./external-outcome.js";
import { queueDeliveries } from "./queue.js";
import { RetryLater } from "./retry-later.js";
import { tellOfFailure } from "./settle.js";
import { postWebhook, webhookBody } from "./webhook.js";

/**
 * How long one attempt holds its row: longer than the slowest send (SMTP's connection, greeting
 * and socket timeouts, a webhook's timeout). After a crash, a retry waits this long.
 */
export const EXTERNAL_LEASE_MS = 60_000;
/** A delivery failing for now is tried again after 2 s, 4 s, 8 s … at most 5 minutes apart. */
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** About a day of tries: then it has failed for good, and the owner is told. */
export const EXTERNAL_MAX_ATTEMPTS = 300;

export const backoffMs = (attempts: number) =>
  Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(20, attempts - 1)));

/** `<id@domain>`: the same for every attempt of one delivery. */
export const messageIdOf = (row: Pick<ExternalDeliveryRow, "id">, domain: string) => `<${row.id}@${domain}>`;

/**
 * The `external.deliver` job: sends one email or webhook call, exactly once as far as the
 * receiver can tell. The row is claimed for the attempt; the outcome is written after the
 * remote answered. A crash between the two leaves the row pending, and the retry sends the
 * same Message-ID or delivery id, which the receiver uses to drop the copy.
 */
export async function deliverExternal(deps: DeliveryDeps, id: string): Promise<"sent" | "failed" | "done"> {
  const row = await claimExternalDelivery(deps.db, id, EXTERNAL_LEASE_MS);
  if (!row) {
    const current = await getExternalDelivery(deps.db, id);
    if (current?.status !== "pending") return "done";
    // Held by an attempt in flight, or waiting for its retry time: look again then.
    const now = Date.now();
    const until = Math.max(current.retryAt?.getTime() ?? 0, current.claimedUntil?.getTime() ?? 0);
    throw new RetryLater(Math.max(1_000, until - now + 250), "delivery held or waiting to retry");
  }
  const outcome = await send(deps, row).catch(
    (err: unknown): SendOutcome => ({ ok: false, permanent: false, error: describeError(err) }),
  );
  deps.metrics.externalDeliveries.inc({
    via: row.via,
    outcome: outcome.ok ? "sent" : outcome.permanent ? "failed" : "retry",
  });
  if (outcome.ok) {
    await deps.db.transaction(async (tx) => {
      if (!(await markExternalSent(tx, row.id, outcome.detail))) return;
      await appendLog(tx, {
        incidentId: row.incidentId,
        actor: SYSTEM_ACTOR,
        kind: "communication_sent",
        details: {
          via: row.via,
          audience: row.audienceLabel,
          milestone: row.milestone,
          delivery: row.id,
          ...("to" in row.target ? { recipients: row.target.to.length } : {}),
        },
      });
    });
    return "sent";
  }
  if (outcome.permanent || row.attempts >= EXTERNAL_MAX_ATTEMPTS) {
    await failForGood(deps, row, outcome.error);
    return "failed";
  }
  const delayMs = outcome.retryAfterMs ?? backoffMs(row.attempts);
  await markExternalRetry(deps.db, row.id, outcome.error, new Date(Date.now() + delayMs));
  deps.logger.warn(
    {
      delivery: row.id,
      via: row.via,
      audience: row.audienceLabel,
      attempt: row.attempts,
      error: outcome.error,
    },
    "external delivery failed for now; will retry",
  );
  throw new RetryLater(delayMs, outcome.error);
}

async function send(deps: DeliveryDeps, row: ExternalDeliveryRow): Promise<SendOutcome> {
  const ext = deps.external;
  if (!ext)
    return { ok: false, permanent: false, error: "sending beyond Slack is not set up in this process" };
  const { snapshot, event, occurredAt } = row.content;
  if ("to" in row.target) {
    if (!ext.mailer)
      return { ok: false, permanent: true, error: "email is not configured (SMTP_URL is not set)" };
    const ids = [snapshot.ownerId, "by" in event ? event.by : null, ...userIdsOf(event)].filter(
      (x): x is string => typeof x === "string",
    );
    const names = await ext.names(ids);
    const mail = milestoneEmail(snapshot, event, {
      names: (userId) => names.get(userId) ?? "a colleague",
      timezone: deps.policy.timezone,
      audienceLabel: row.audienceLabel,
      channelUrl: snapshot.channelId ? ext.channelUrl(snapshot.channelId) : null,
    });
    return ext.mailer.send({ messageId: messageIdOf(row, ext.messageIdDomain), to: row.target.to, ...mail });
  }
  const secret = ext.secret(row.target.secretEnv);
  if (!secret) return { ok: false, permanent: true, error: `${row.target.secretEnv} is not set` };
  return postWebhook({
    url: row.target.url,
    secret,
    body: webhookBody(snapshot, event, row.id, occurredAt),
    timeoutMs: ext.webhookTimeoutMs,
  });
}

/** The user ids an event names besides its actor (new owner, previous owner). */
function userIdsOf(event: ExternalDeliveryRow["content"]["event"]): string[] {
  const ids: string[] = [];
  if ("owner" in event && event.owner) ids.push(event.owner);
  if ("from" in event && typeof event.from === "string" && /^[UW]/.test(event.from)) ids.push(event.from);
  if ("to" in event && typeof event.to === "string" && /^[UW]/.test(event.to)) ids.push(event.to);
  return ids;
}

/** Records the failure in the incident log and tells the owner (or, unowned, the reporter). */
async function failForGood(deps: DeliveryDeps, row: ExternalDeliveryRow, error: string): Promise<void> {
  const noticeIds = await deps.db.transaction(async (tx) => {
    if (!(await markExternalFailed(tx, row.id, error))) return [];
    await appendLog(tx, {
      incidentId: row.incidentId,
      actor: SYSTEM_ACTOR,
      kind: "communication_failed",
      details: {
        via: row.via,
        audience: row.audienceLabel,
        milestone: row.milestone,
        delivery: row.id,
        error,
      },
    });
    return tellOfFailure(tx, {
      incidentId: row.incidentId,
      failedId: row.id,
      details: { audience: row.audienceLabel, via: row.via },
      message: (reference) =>
        externalFailureNotice({
          reference,
          via: row.via,
          audience: row.audienceLabel,
          milestone: row.milestone,
          error,
        }),
    });
  });
  deps.logger.error(
    { delivery: row.id, via: row.via, audience: row.audienceLabel, error },
    "external delivery failed for good",
  );
  await queueDeliveries(deps, noticeIds).catch((err: unknown) =>
    deps.logger.warn({ err: describeError(err) }, "failure notice not queued; the sweep will send it"),
  );
}
