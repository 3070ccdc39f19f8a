import { getOutbox } from "../db/queries/outbox.js";
import type { OutboxRow } from "../db/schema/index.js";
import { keepPracticeTag } from "../domain/practice-redirect.js";
import { claimOutboxAttempt } from "./combined.js";
import type { DeliveryDeps } from "./deps.js";
import { postTagged, threadOf } from "./post.js";
import { probeLanded } from "./probe.js";
import type { Purpose } from "./purposes.js";
import { RetryLater } from "./retry-later.js";
import { type DeliveryOutcome, handleFailure, recordSent } from "./settle.js";
import { classifySlackError } from "./slack-errors.js";

/**
 * Posts one outbox row exactly once. Each try is counted in PostgreSQL before Slack is
 * called; a try after the first probes the channel history for a message carrying this
 * row's id first (probeLanded).
 * Throws RetryLater for failures worth retrying.
 */
export async function deliverOutbox(
  deps: DeliveryDeps,
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
  // Posting without knowing whether the last try landed could post it twice: unless the
  // history can never be read (then posting is the only way on), try again later.
  const probed = await probeLanded(deps, row.channel, claims);
  if ("unreadable" in probed) return handleFailure(deps, claims, probed.unreadable);
  if (probed.left.length === 0) return probed.recorded[0]!;
  try {
    const message = await messageFor(deps, row);
    const res = await postTagged(deps.slack, row.channel, message, [row.id]);
    return recordSent(deps, [row], res.channel, res.ts);
  } catch (err) {
    return handleFailure(deps, claims, classifySlackError(err));
  }
}

/** The message as stored, or drawn now for a purpose rendered at send time. */
async function messageFor(deps: DeliveryDeps, row: OutboxRow): Promise<Record<string, unknown>> {
  const render = Object.hasOwn(deps.renderers, row.purpose)
    ? deps.renderers[row.purpose as Purpose]
    : undefined;
  const drawn = render ? await render(deps, row) : null;
  if (!drawn) return row.message;
  // A post in an incident's thread keeps its thread however it is drawn, and a drill's post
  // redirected to the drill's channel keeps the line naming where it would have gone.
  const thread = threadOf(row);
  return keepPracticeTag(row.message, thread ? { ...drawn, thread_ts: thread } : drawn);
}
