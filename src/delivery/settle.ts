import type { Tx } from "../db/client.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import {
  markOutboxFailed,
  markOutboxSentLogged,
  markOutboxSentMany,
  releaseOutbox,
  upsertOutbox,
} from "../db/queries/outbox.js";
import type { OutboxRow } from "../db/schema/index.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { formatReference } from "../domain/reference.js";
import { describeError } from "../lib/logger.js";
import { deliveryFailureNotice } from "../messages/update.js";
import { markOutboxSent } from "./combined.js";
import type { DeliveryDeps } from "./deps.js";
import { logKindOf, outboxKey } from "./purposes.js";
import { queueDeliveries } from "./queue.js";
import { RetryLater } from "./retry-later.js";
import type { SlackFailure } from "./slack-errors.js";

/** Give up on a post after this many tries (rate-limit waits included). */
export const MAX_DELIVERY_ATTEMPTS = 10;
/** Backoff of a roundup's retry after a failure without Retry-After: doubling from this... */
const RETRY_BACKOFF_MS = 1_000;
/** ...up to this. */
const MAX_RETRY_BACKOFF_MS = 60_000;

export type DeliveryOutcome =
  | { status: "sent"; channel: string; ts: string; alreadySent: boolean }
  | { status: "failed"; error: string };

/** A row taken for a delivery attempt, and which attempt it is. */
export interface Claim {
  row: OutboxRow;
  attempt: number;
}

/** Marks rows sent as one message (`ts` in `channel`), with the log entry their purpose writes. */
export async function recordSent(
  deps: DeliveryDeps,
  rows: OutboxRow[],
  channel: string,
  ts: string,
): Promise<DeliveryOutcome> {
  // Only posts that the timeline lists get a link; an escalation DM or a clock notice is
  // recorded without the extra Slack call, keeping the window before it is recorded short.
  const permalink = rows.some((r) => logKindOf(r.purpose))
    ? await deps.slack.chat
        .getPermalink({ channel, message_ts: ts })
        .then((r) => r.permalink ?? null)
        .catch(() => null)
    : null;
  const marked = new Set<string>();
  // A roundup may carry several purposes (new incidents and milestone notices): each its entry.
  for (const purpose of new Set(rows.map((r) => r.purpose))) {
    const group = rows.filter((r) => r.purpose === purpose);
    const kind = logKindOf(purpose);
    const sent = group.map((r) => ({ id: r.id, postedChannel: channel, ts, permalink }));
    // A post the timeline lists is marked and logged by one statement; any other is marked alone.
    const done = kind
      ? await markOutboxSentLogged(deps.db, sent, {
          actor: SYSTEM_ACTOR,
          kind,
          details: { channel, ts, permalink },
        })
      : group.length === 1
        ? new Set((await markOutboxSent(deps.db, sent[0]!)) ? [group[0]!.id] : [])
        : await markOutboxSentMany(deps.db, sent);
    for (const id of done) marked.add(id);
    deps.metrics.slackCalls.inc({ purpose, outcome: "sent" });
  }
  return { status: "sent", channel, ts, alreadySent: !marked.has(rows[0]!.id) };
}

/**
 * After a failed try: retries later what is worth retrying (throws RetryLater), and records
 * for good, in the log and to each owner, what is not. Several claims are the rows of one
 * roundup post, sharing its fate.
 */
export async function handleFailure(
  deps: DeliveryDeps,
  claims: Claim[],
  failure: SlackFailure,
  /**
   * The rows are gathered by whichever post next takes the channel's turn (a roundup): they
   * are held until their retry is due, which is then always a set time (Retry-After, or a
   * doubling backoff), not BullMQ's backoff.
   */
  shared = false,
): Promise<DeliveryOutcome> {
  const first = claims[0]!.row;
  const log = deps.logger.child({
    component: "slack.deliver",
    outboxIds: claims.map((c) => c.row.id),
    incidentIds: claims.map((c) => c.row.incidentId),
    channel: first.channel,
    attempt: Math.max(...claims.map((c) => c.attempt)),
  });
  const ids = (list: Claim[]) => list.map((c) => c.row.id);
  if (
    failure.kind === "permanent" &&
    failure.error === "not_in_channel" &&
    first.channel.startsWith("C") &&
    claims.some((c) => c.attempt < 3)
  ) {
    // A public stakeholder channel the bot was never added to: join it and try again.
    const joined = await deps.slack.conversations.join({ channel: first.channel }).then(
      () => true,
      () => false,
    );
    if (joined) {
      await releaseOutbox(deps.db, { id: ids(claims), error: "not_in_channel (joined)" });
      throw new RetryLater(0, "joined channel");
    }
  }
  const retry = failure.kind === "permanent" ? [] : claims.filter((c) => c.attempt < MAX_DELIVERY_ATTEMPTS);
  const giveUp = claims.filter((c) => !retry.includes(c));
  const error =
    failure.kind === "permanent"
      ? failure.error
      : `gave up after ${Math.max(...giveUp.map((c) => c.attempt), 0)} attempts: ${failure.detail}`;
  if (giveUp.length > 0) await recordFailed(deps, giveUp, error);
  if (retry.length > 0) {
    const attempt = Math.max(...retry.map((c) => c.attempt));
    const delayMs =
      failure.kind === "rate_limited"
        ? failure.retryAfterMs
        : shared
          ? Math.min(RETRY_BACKOFF_MS * 2 ** (attempt - 1), MAX_RETRY_BACKOFF_MS)
          : null;
    // A lane's head waits out Slack's Retry-After (or the backoff): no post to the channel
    // passes it, and the job that comes back for it then finds it free.
    await releaseOutbox(deps.db, {
      id: ids(retry),
      error: failure.detail,
      holdMs: shared ? (delayMs ?? undefined) : undefined,
    });
    log.warn({ failure: failure.kind }, "slack post failed; will retry");
    throw new RetryLater(delayMs, failure.detail);
  }
  log.error({ error }, "slack post failed for good");
  return { status: "failed", error };
}

/** Marks rows failed for good, logs it on each incident and tells each incident's owner. */
async function recordFailed(deps: DeliveryDeps, claims: Claim[], error: string): Promise<void> {
  const noticeIds = await deps.db.transaction(async (tx) => {
    const notices: string[] = [];
    for (const { row } of claims) {
      const marked = await markOutboxFailed(tx, { id: row.id, error });
      if (!marked || !row.incidentId) continue;
      await appendLog(tx, {
        incidentId: row.incidentId,
        actor: SYSTEM_ACTOR,
        kind: "delivery_failed",
        details: { purpose: row.purpose, channel: row.channel, error },
      });
      // A failure notice that fails is not reported again: that way lies a loop.
      if (row.purpose !== "failure_notice") notices.push(...(await reportFailure(tx, row, error)));
    }
    return notices;
  });
  await queueDeliveries(deps, noticeIds).catch((err: unknown) =>
    deps.logger.warn(
      { outboxIds: noticeIds, err: describeError(err) },
      "failure notices not queued; the sweep will send them",
    ),
  );
  for (const { row } of claims) deps.metrics.slackCalls.inc({ purpose: row.purpose, outcome: "failed" });
}

/** Tells the owner (or, while unowned, the reporter) that a post could not be delivered. */
function reportFailure(tx: Tx, row: OutboxRow, error: string): Promise<string[]> {
  return tellOfFailure(tx, {
    incidentId: row.incidentId!,
    failedId: row.id,
    details: { channel: row.channel, purpose: row.purpose },
    message: (reference) =>
      deliveryFailureNotice({ reference, purpose: row.purpose, channel: row.channel, error }),
  });
}

/**
 * Logs that the owner (or, while nobody owns it, the reporter) is told a delivery failed for
 * good, and writes their DM (its outbox ids, to queue after commit). Shared by Slack posts and
 * emails or webhook calls.
 */
export async function tellOfFailure(
  tx: Tx,
  p: {
    incidentId: string;
    /** The outbox row or external delivery that failed: one notice per failure. */
    failedId: string;
    /** What failed, for the log (never an address). */
    details: Record<string, unknown>;
    message: (reference: string) => Record<string, unknown>;
  },
): Promise<string[]> {
  const incident = await getIncidentById(tx, p.incidentId);
  if (!incident) return [];
  const recipient = incident.ownerId ?? incident.reporterId;
  await appendLog(tx, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "delivery_failure_reported",
    details: { to: recipient, ...p.details },
  });
  return upsertOutbox(tx, [
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.failureNotice(p.failedId),
      purpose: "failure_notice",
      channel: recipient,
      message: p.message(formatReference(incident.number)),
    },
  ]);
}
