import type { WebClient } from "@slack/web-api";
import type { Tx } from "../db/client.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById, getIncidentsByIds } from "../db/queries/incidents.js";
import {
  claimLaneHead,
  claimOutboxAttempt,
  getOutbox,
  laneHasPending,
  markOutboxFailed,
  markOutboxSent,
  markOutboxSentLogged,
  markOutboxSentMany,
  releaseOutbox,
  upsertOutbox,
} from "../db/queries/outbox.js";
import type { IncidentRow, OutboxRow } from "../db/schema/index.js";
import { scanHistory } from "../delivery/history.js";
import {
  briefingOfKey,
  LANE_PURPOSES,
  logKindOf,
  outboxKey,
  ROUNDUP_FAMILIES,
} from "../delivery/purposes.js";
import { RetryLater } from "../delivery/retry-later.js";
import { classifySlackError, type SlackFailure } from "../delivery/slack-errors.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { formatReference } from "../domain/reference.js";
import { type JobPayload, jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { announcementLine, announcementRoundup, MAX_ROUNDUP } from "../messages/incident-card.js";
import { milestoneRoundup } from "../messages/milestone.js";
import { storyRoundup } from "../messages/narrative.js";
import { deliveryFailureNotice } from "../messages/update.js";
import { renderBriefingPost } from "./briefing-refresh.js";
import type { Deps } from "./deps.js";
import { renderResponderCard, typeLabel } from "./render.js";

/** Message metadata tagging each post with its outbox id, so a retry can find what landed. */
export const OUTBOX_EVENT = "switchboard_outbox";
/** Give up on a post after this many tries (rate-limit waits included). */
export const MAX_DELIVERY_ATTEMPTS = 10;
/** Backoff of a roundup's retry after a failure without Retry-After: doubling from this... */
const RETRY_BACKOFF_MS = 1_000;
/** ...up to this. */
const MAX_RETRY_BACKOFF_MS = 60_000;

export type DeliveryOutcome =
  | { status: "sent"; channel: string; ts: string; alreadySent: boolean }
  | { status: "failed"; error: string };

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
  /** The attempt the caller holds already: the row was written claimed (upsertClaimedOutboxRows). */
  claimed?: number,
): Promise<DeliveryOutcome> {
  const row = loaded ?? (await getOutbox(deps.db, outboxId));
  if (!row) return { status: "failed", error: "outbox row not found" };
  if (row.status === "sent")
    return { status: "sent", channel: row.postedChannel!, ts: row.ts!, alreadySent: true };
  if (row.status === "failed") return { status: "failed", error: row.lastError ?? "failed" };

  const attempt = claimed ?? (await claimOutboxAttempt(deps.db, row.id, deps.outboxLeaseMs));
  if (attempt === null) {
    const now = await getOutbox(deps.db, outboxId);
    if (now?.status === "sent")
      return { status: "sent", channel: now.postedChannel!, ts: now.ts!, alreadySent: true };
    if (now?.status === "failed") return { status: "failed", error: now.lastError ?? "failed" };
    // Another delivery holds the row; come back when its lease may have run out.
    throw new RetryLater(deps.outboxLeaseMs, "outbox row is being delivered by another worker");
  }
  const claims = [{ row, attempt }];
  if (attempt > 1) {
    let landed: Map<string, Landed>;
    try {
      landed = await findLanded(deps.slack, row.channel, row.createdAt, [row.id]);
    } catch (err) {
      // Posting without knowing whether the last try landed could post it twice: unless the
      // history can never be read (then posting is the only way on), try again later.
      const failure = classifySlackError(err);
      if (failure.kind !== "permanent") return handleFailure(deps, claims, failure);
      landed = new Map();
    }
    const hit = landed.get(row.id);
    if (hit) return recordSent(deps, [row], hit.channel, hit.ts);
  }
  try {
    const message = await messageFor(deps, row);
    const res = await postTagged(deps.slack, row.channel, message, [row.id]);
    return recordSent(deps, [row], res.channel, res.ts);
  } catch (err) {
    return handleFailure(deps, claims, classifySlackError(err));
  }
}

export interface RoundupOutcome {
  /** Rows settled by this turn (sent, or found to have been sent by an earlier try). */
  posted: number;
  /** Posts are left in the lane for the next turn. */
  more: boolean;
  /** The lane's head waits for a retry: the next turn is no sooner than this. */
  waitMs?: number;
  /** The lane's head is being posted by another delivery right now. */
  busy?: boolean;
}

/** Coming back for a head waiting for its retry this long after it is due (timers are not exact). */
const RETRY_MARGIN_MS = 20;

/**
 * Posts the head of a channel's lane when a turn in the channel comes: the oldest post waiting
 * there among the lane's purposes, as its own message, or, for a purpose that rounds up
 * (announcements, milestone notices, the incident channel's story lines), together with the
 * posts of that purpose right behind it, as one message listing them all. A channel takes about
 * one post a second, so incidents changing faster than that would otherwise queue for minutes;
 * and a lane is first in, first out, so stakeholders never read "reopened" before "resolved".
 * The message's metadata names every row it carries; a row claimed again after a try that may
 * have landed is looked for in the channel's history first, like any other post.
 */
export async function deliverRoundup(deps: Deps, channel: string): Promise<RoundupOutcome> {
  const claim = await claimLaneHead(deps.db, {
    channel,
    purposes: [...LANE_PURPOSES],
    roundup: ROUNDUP_FAMILIES,
    leaseMs: deps.outboxLeaseMs,
    limit: MAX_ROUNDUP,
  });
  const { rows } = claim;
  // A head waiting for its retry: a turn once it is due. A head held by a delivery in
  // progress: that delivery carries the lane on when it is done.
  if (claim.retryInMs !== null) return { posted: 0, more: true, waitMs: claim.retryInMs + RETRY_MARGIN_MS };
  if (rows.length === 0) return { posted: 0, more: false, busy: true };
  const posted = await postLaneHead(deps, channel, rows);
  // Read after the post is recorded: a post queued while this one was in flight, whose job
  // found the lane busy and left it to this one, is seen here.
  const more = await laneHasPending(deps.db, { channel, purposes: [...LANE_PURPOSES] });
  return { posted, more };
}

/**
 * Posts the rows claimed at a lane's head as one message; returns how many it posted (rows it
 * gave up on are settled too). A failure worth retrying throws RetryLater.
 */
async function postLaneHead(deps: Deps, channel: string, rows: OutboxRow[]): Promise<number> {
  let claims = rows.map((row) => ({ row, attempt: row.attempts }));
  if (claims.some((c) => c.attempt > 1)) {
    let landed: Map<string, Landed>;
    try {
      const since = new Date(Math.min(...rows.map((r) => r.createdAt.getTime())));
      landed = await findLanded(
        deps.slack,
        channel,
        since,
        claims.filter((c) => c.attempt > 1).map((c) => c.row.id),
      );
    } catch (err) {
      const failure = classifySlackError(err);
      if (failure.kind !== "permanent") {
        await handleFailure(deps, claims, failure, true);
        return 0;
      }
      landed = new Map();
    }
    // What an earlier try posted is recorded with the ts it landed at; the rest go now.
    const byMessage = new Map<string, { at: Landed; rows: OutboxRow[] }>();
    for (const row of rows) {
      const at = landed.get(row.id);
      if (!at) continue;
      const key = `${at.channel}/${at.ts}`;
      byMessage.set(key, { at, rows: [...(byMessage.get(key)?.rows ?? []), row] });
    }
    for (const { at, rows: group } of byMessage.values()) await recordSent(deps, group, at.channel, at.ts);
    claims = claims.filter((c) => !landed.has(c.row.id));
    if (claims.length === 0) return rows.length;
  }
  const pending = claims.map((c) => c.row);
  try {
    const message = pending.length === 1 ? pending[0]!.message : await roundupMessage(deps, pending);
    const res = await postTagged(
      deps.slack,
      channel,
      message,
      pending.map((r) => r.id),
    );
    await recordSent(deps, pending, res.channel, res.ts);
    return rows.length;
  } catch (err) {
    await handleFailure(deps, claims, classifySlackError(err), true);
    return rows.length - pending.length;
  }
}

async function roundupMessage(deps: Deps, rows: OutboxRow[]): Promise<Record<string, unknown>> {
  if (rows.every((r) => r.purpose === "channel_line")) return storyRoundup(rows.map((r) => r.message));
  const label = (type: string) => typeLabel(deps.policy, type);
  const ids = rows.filter((r) => r.purpose === "announcement").map((r) => r.incidentId!);
  const incidents = ids.length ? await getIncidentsByIds(deps.db, ids) : [];
  if (rows.every((r) => r.purpose === "announcement")) return announcementRoundup(incidents, label);
  // New incidents and milestone notices, in the order they were written: a notice's text is
  // the whole of it; a new incident is its announcement line.
  const byId = new Map(incidents.map((i) => [i.id, i]));
  return milestoneRoundup(
    rows.map((r) => {
      const incident = r.purpose === "announcement" && r.incidentId ? byId.get(r.incidentId) : undefined;
      return incident
        ? `:rotating_light: New incident: ${announcementLine(incident, label)}`
        : String(r.message.text ?? "");
    }),
  );
}

/** Posts a message tagged with the outbox rows it carries, so a later try can find it. */
async function postTagged(
  slack: WebClient,
  channel: string,
  message: Record<string, unknown>,
  ids: string[],
): Promise<Landed> {
  const res = await slack.chat.postMessage({
    channel,
    ...message,
    metadata: { event_type: OUTBOX_EVENT, event_payload: outboxPayload(ids) },
  } as unknown as Parameters<WebClient["chat"]["postMessage"]>[0]);
  return { channel: res.channel as string, ts: res.ts as string };
}

/**
 * The metadata payload naming the rows a message carries: `outbox_id` for one row, and
 * `outbox_ids` (space-separated; Slack's payload values are scalars) when there are several.
 */
function outboxPayload(ids: string[]): Record<string, string> {
  return ids.length === 1 ? { outbox_id: ids[0]! } : { outbox_ids: ids.join(" ") };
}

/** The outbox rows a Slack message carries, read from its metadata (none for other messages). */
export function outboxIdsOf(metadata: unknown): string[] {
  if (typeof metadata !== "object" || metadata === null) return [];
  const { event_type, event_payload } = metadata as { event_type?: unknown; event_payload?: unknown };
  if (event_type !== OUTBOX_EVENT || typeof event_payload !== "object" || event_payload === null) return [];
  const { outbox_id, outbox_ids } = event_payload as { outbox_id?: unknown; outbox_ids?: unknown };
  if (typeof outbox_id === "string") return [outbox_id];
  return typeof outbox_ids === "string" ? outbox_ids.split(" ").filter(Boolean) : [];
}

/**
 * queueDeliveries for rows at hand: a row that shares its channel's turn (an announcement)
 * names its channel and purpose in its job, which then needs no read of the row to join or
 * take the turn; the turn's post claims what is pending when it comes, as for any other job.
 */
export async function queueRowDeliveries(
  deps: Deps,
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
export async function queueDeliveries(deps: Deps, outboxIds: string[]): Promise<void> {
  await enqueueDeliveries(
    deps,
    outboxIds.map((outboxId) => ({ outboxId })),
  );
}

function enqueueDeliveries(deps: Deps, payloads: Array<JobPayload<"slack.deliver">>): Promise<void> {
  return deps.jobs.enqueueMany(
    "slack.deliver",
    payloads.map((payload) => ({ payload, jobId: jobIds.deliver(payload.outboxId) })),
  );
}

async function messageFor(deps: Deps, row: OutboxRow): Promise<Record<string, unknown>> {
  // A briefing post waiting for its turn shows the confirmations made meanwhile.
  const briefingId = row.purpose === "briefing" ? briefingOfKey(row.dedupeKey) : null;
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

interface Landed {
  channel: string;
  ts: string;
}

/**
 * Looks in a channel's history, back to a minute before `since`, for messages carrying these
 * outbox rows; returns where each found one landed.
 */
async function findLanded(
  slack: WebClient,
  target: string,
  since: Date,
  ids: string[],
): Promise<Map<string, Landed>> {
  const channel = target.startsWith("U") || target.startsWith("W") ? await openDm(slack, target) : target;
  const wanted = new Set(ids);
  const found = new Map<string, Landed>();
  await scanHistory(slack, channel, since, (m) => {
    if (m.ts)
      for (const id of outboxIdsOf(m.metadata)) if (wanted.has(id)) found.set(id, { channel, ts: m.ts });
    return found.size === wanted.size;
  });
  return found;
}

async function openDm(slack: WebClient, user: string): Promise<string> {
  const res = await slack.conversations.open({ users: user });
  const id = res.channel?.id;
  if (!id) throw new Error("conversations.open returned no channel");
  return id;
}

async function recordSent(
  deps: Deps,
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

interface Claim {
  row: OutboxRow;
  attempt: number;
}

/**
 * After a failed try: retries later what is worth retrying (throws RetryLater), and records
 * for good, in the log and to each owner, what is not. Several claims are the rows of one
 * roundup post, sharing its fate.
 */
async function handleFailure(
  deps: Deps,
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
async function recordFailed(deps: Deps, claims: Claim[], error: string): Promise<void> {
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
      dedupeKey: outboxKey.failureNotice(row.id),
      purpose: "failure_notice",
      channel: recipient,
      message: deliveryFailureNotice({ reference, purpose: row.purpose, channel: row.channel, error }),
    },
  ]);
}
