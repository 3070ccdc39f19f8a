import type { WebClient } from "@slack/web-api";
import type { Tx } from "../db/client.js";
import { briefingOfPostKey } from "../db/queries/briefings.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import {
  claimOutboxAttempt,
  getOutbox,
  markOutboxFailed,
  markOutboxSent,
  markOutboxSentIn,
  releaseOutbox,
  upsertOutbox,
} from "../db/queries/outbox.js";
import type { IncidentRow, OutboxRow } from "../db/schema/index.js";
import type { LogKind } from "../domain/log.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { formatReference } from "../domain/reference.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { deliveryFailureNotice } from "../slack/blocks/update.js";
import { classifySlackError, type SlackFailure, slackErrorCode } from "../slack/errors.js";
import { renderBriefingPost } from "./briefing-refresh.js";
import type { Deps } from "./deps.js";
import { renderResponderCard } from "./render.js";

/** Message metadata tagging each post with its outbox id, so a retry can find what landed. */
export const OUTBOX_EVENT = "switchboard_outbox";
/** A retry reads at most this many pages of 200 messages looking for its earlier try. */
const MAX_PROBE_PAGES = 25;
/** Give up on a post after this many tries (rate-limit waits included). */
export const MAX_DELIVERY_ATTEMPTS = 10;

export class RetryLater extends Error {
  constructor(
    readonly delayMs: number | null,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "RetryLater";
  }
}

export type DeliveryOutcome =
  | { status: "sent"; channel: string; ts: string; alreadySent: boolean }
  | { status: "failed"; error: string };

const LOG_KIND: Record<string, LogKind> = {
  summary_card: "summary_posted",
  announcement: "announcement_posted",
  reporter_notice: "reporter_notified",
  stakeholder_update: "update_posted",
};

/** A failure notice that fails is not reported again: that way lies a loop. */
const FAILURE_NOTICE = "failure_notice";

/**
 * Posts one outbox row exactly once. Each try is counted in PostgreSQL before Slack is
 * called; a try after the first probes the channel history for a message carrying this
 * row's id first, because the previous try may have been accepted by Slack and then lost
 * (worker killed, response timed out) before the ts was recorded.
 * Throws RetryLater for failures worth retrying.
 */
export async function deliverOutbox(
  deps: Deps,
  outboxId: string,
  /** The row, when the caller has just read it (the attempt is claimed atomically anyway). */
  loaded?: OutboxRow,
): Promise<DeliveryOutcome> {
  const row = loaded ?? (await getOutbox(deps.db, outboxId));
  if (!row) return { status: "failed", error: "outbox row not found" };
  if (row.status === "sent")
    return { status: "sent", channel: row.postedChannel!, ts: row.ts!, alreadySent: true };
  if (row.status === "failed") return { status: "failed", error: row.lastError ?? "failed" };

  const attempt = await claimOutboxAttempt(deps.db, row.id, deps.outboxLeaseMs);
  if (attempt === null) {
    const now = await getOutbox(deps.db, outboxId);
    if (now?.status === "sent")
      return { status: "sent", channel: now.postedChannel!, ts: now.ts!, alreadySent: true };
    if (now?.status === "failed") return { status: "failed", error: now.lastError ?? "failed" };
    // Another delivery holds the row; come back when its lease may have run out.
    throw new RetryLater(deps.outboxLeaseMs, "outbox row is being delivered by another worker");
  }
  if (attempt > 1) {
    let landed: { channel: string; ts: string } | null = null;
    try {
      landed = await findPosted(deps.slack, row);
    } catch (err) {
      // Posting without knowing whether the last try landed could post it twice: unless the
      // history can never be read (then posting is the only way on), try again later.
      const failure = classifySlackError(err);
      if (failure.kind !== "permanent") return handleFailure(deps, row, attempt, failure);
    }
    if (landed) return recordSent(deps, row, landed.channel, landed.ts);
  }
  try {
    const message = await messageFor(deps, row);
    const res = await deps.slack.chat.postMessage({
      channel: row.channel,
      ...message,
      metadata: { event_type: OUTBOX_EVENT, event_payload: { outbox_id: row.id } },
    } as unknown as Parameters<WebClient["chat"]["postMessage"]>[0]);
    return recordSent(deps, row, res.channel as string, res.ts as string);
  } catch (err) {
    return handleFailure(deps, row, attempt, classifySlackError(err));
  }
}

/** Queues the delivery of outbox rows (one job each, by id: queueing twice is one job). */
export async function queueDeliveries(deps: Deps, outboxIds: string[]): Promise<void> {
  for (const outboxId of outboxIds) {
    await deps.jobs.enqueue("slack.deliver", { outboxId }, { jobId: jobIds.deliver(outboxId) });
  }
}

async function messageFor(deps: Deps, row: OutboxRow): Promise<Record<string, unknown>> {
  // A briefing post waiting for its turn shows the confirmations made meanwhile.
  const briefingId = row.purpose === "briefing" ? briefingOfPostKey(row.dedupeKey) : null;
  if (briefingId)
    return ((await renderBriefingPost(deps, briefingId)) as Record<string, unknown>) ?? row.message;
  if (row.purpose !== "summary_card" || !row.incidentId) return row.message;
  const incident = await getIncidentById(deps.db, row.incidentId);
  if (!incident) return row.message;
  return renderResponderCard(deps.db, deps.policy, incident, await sourcePermalink(deps, incident));
}

/** Link to the message an incident was logged from; the card reads fine without it. */
function sourcePermalink(deps: Deps, incident: IncidentRow): Promise<string | null> {
  if (!incident.sourceChannelId || !incident.sourceMessageTs) return Promise.resolve(null);
  return deps.slack.chat
    .getPermalink({ channel: incident.sourceChannelId, message_ts: incident.sourceMessageTs })
    .then((r) => r.permalink ?? null)
    .catch(() => null);
}

async function findPosted(slack: WebClient, row: OutboxRow): Promise<{ channel: string; ts: string } | null> {
  const channel =
    row.channel.startsWith("U") || row.channel.startsWith("W")
      ? await openDm(slack, row.channel)
      : row.channel;
  const oldest = String(Math.floor(row.createdAt.getTime() / 1000) - 60);
  const read = (cursor?: string) =>
    slack.conversations.history({ channel, oldest, limit: 200, cursor, include_all_metadata: true });
  // The bot may post to a public channel it is not in (chat:write.public) but must join to read it.
  let history = await read().catch(async (err: unknown) => {
    if (slackErrorCode(err) !== "not_in_channel") throw err;
    await slack.conversations.join({ channel });
    return read();
  });
  // History comes newest first: in a busy channel the post can be pages back, so read on to
  // `oldest` (a first page alone would miss it there, and the retry would post it again).
  for (let page = 1; ; page++) {
    const hit = history.messages?.find((m) => {
      const meta = m.metadata as { event_type?: string; event_payload?: { outbox_id?: string } } | undefined;
      return meta?.event_type === OUTBOX_EVENT && meta.event_payload?.outbox_id === row.id;
    });
    if (hit?.ts) return { channel, ts: hit.ts };
    const cursor = history.response_metadata?.next_cursor;
    if (!history.has_more || !cursor) return null;
    if (page >= MAX_PROBE_PAGES)
      throw new Error(`history probe: more than ${MAX_PROBE_PAGES * 200} messages to read`);
    history = await read(cursor);
  }
}

async function openDm(slack: WebClient, user: string): Promise<string> {
  const res = await slack.conversations.open({ users: user });
  const id = res.channel?.id;
  if (!id) throw new Error("conversations.open returned no channel");
  return id;
}

async function recordSent(deps: Deps, row: OutboxRow, channel: string, ts: string): Promise<DeliveryOutcome> {
  // Only posts that the timeline lists get a link; an escalation DM or a clock notice is
  // recorded without the extra Slack call, keeping the window before it is recorded short.
  const permalink = LOG_KIND[row.purpose]
    ? await deps.slack.chat
        .getPermalink({ channel, message_ts: ts })
        .then((r) => r.permalink ?? null)
        .catch(() => null)
    : null;
  const kind = LOG_KIND[row.purpose];
  const sent = { id: row.id, postedChannel: channel, ts, permalink };
  // A post the timeline lists is marked and logged together; any other is one statement.
  const first =
    kind && row.incidentId
      ? await deps.db.transaction(async (tx) => {
          const updated = await markOutboxSentIn(tx, sent);
          if (updated) {
            await appendLog(tx, {
              incidentId: row.incidentId!,
              actor: SYSTEM_ACTOR,
              kind,
              details: { channel, ts, permalink },
            });
          }
          return updated;
        })
      : await markOutboxSent(deps.db, sent);
  deps.metrics.slackCalls.inc({ purpose: row.purpose, outcome: "sent" });
  return { status: "sent", channel, ts, alreadySent: !first };
}

async function handleFailure(
  deps: Deps,
  row: OutboxRow,
  attempt: number,
  failure: SlackFailure,
): Promise<DeliveryOutcome> {
  const log = deps.logger.child({
    component: "slack.deliver",
    outboxId: row.id,
    incidentId: row.incidentId,
    channel: row.channel,
    attempt,
  });
  if (
    failure.kind === "permanent" &&
    failure.error === "not_in_channel" &&
    row.channel.startsWith("C") &&
    attempt < 3
  ) {
    // A public stakeholder channel the bot was never added to: join it and try again.
    const joined = await deps.slack.conversations.join({ channel: row.channel }).then(
      () => true,
      () => false,
    );
    if (joined) {
      await releaseOutbox(deps.db, { id: row.id, error: "not_in_channel (joined)" });
      throw new RetryLater(0, "joined channel");
    }
  }
  if (failure.kind !== "permanent" && attempt < MAX_DELIVERY_ATTEMPTS) {
    await releaseOutbox(deps.db, { id: row.id, error: failure.detail });
    log.warn({ failure: failure.kind }, "slack post failed; will retry");
    throw new RetryLater(failure.kind === "rate_limited" ? failure.retryAfterMs : null, failure.detail);
  }
  const error =
    failure.kind === "permanent" ? failure.error : `gave up after ${attempt} attempts: ${failure.detail}`;
  const noticeIds = await deps.db.transaction(async (tx) => {
    const marked = await markOutboxFailed(tx, { id: row.id, error });
    if (!marked || !row.incidentId) return [];
    await appendLog(tx, {
      incidentId: row.incidentId,
      actor: SYSTEM_ACTOR,
      kind: "delivery_failed",
      details: { purpose: row.purpose, channel: row.channel, error },
    });
    return row.purpose === FAILURE_NOTICE ? [] : reportFailure(tx, row, error);
  });
  for (const outboxId of noticeIds) {
    await deps.jobs
      .enqueue("slack.deliver", { outboxId }, { jobId: jobIds.deliver(outboxId) })
      .catch((err: unknown) =>
        log.warn({ err: describeError(err) }, "failure notice not queued; the sweep will send it"),
      );
  }
  deps.metrics.slackCalls.inc({ purpose: row.purpose, outcome: "failed" });
  log.error({ error }, "slack post failed for good");
  return { status: "failed", error };
}

/** Tells the owner (or, while unowned, the reporter) that a post could not be delivered. */
async function reportFailure(tx: Tx, row: OutboxRow, error: string): Promise<string[]> {
  const incident = await getIncidentById(tx, row.incidentId!);
  if (!incident) return [];
  const recipient = incident.ownerId ?? incident.reporterId;
  const reference = formatReference(incident.number);
  await appendLog(tx, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "delivery_failure_reported",
    details: { to: recipient, channel: row.channel, purpose: row.purpose },
  });
  return upsertOutbox(tx, [
    {
      incidentId: incident.id,
      dedupeKey: `failure:${row.id}`,
      purpose: FAILURE_NOTICE,
      channel: recipient,
      message: deliveryFailureNotice({ reference, purpose: row.purpose, channel: row.channel, error }),
    },
  ]);
}
