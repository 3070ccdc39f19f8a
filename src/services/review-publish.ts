import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import {
  actionsOfReview,
  getReview,
  markReviewPublished,
  recordReviewUpload,
} from "../db/queries/reviews.js";
import type { ReviewRow } from "../db/schema/index.js";
import { type HistoryMessage, scanHistory, scanThread } from "../delivery/history.js";
import { RetryLater } from "../delivery/retry-later.js";
import { classifySlackError } from "../delivery/slack-errors.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { person } from "../domain/log-values.js";
import { formatReference } from "../domain/reference.js";
import { type WorkPlace, workPlaceOf } from "../domain/work-place.js";
import type { Deps } from "./deps.js";
import { lookUpNames } from "./directory.js";
import { reviewFactLines } from "./review.js";
import { reviewMarkdown } from "./review-document.js";
import { queuePromptEdit } from "./review-prompt.js";

export type PublishResult = "published" | "already_published" | "not_completed" | "gave_up";

/**
 * Uploads a completed review as a Markdown document to the incident channel (Slack's external
 * upload: get a URL, send the bytes, complete into the channel), then records the file and logs
 * it. A review with `published_at` is never uploaded again. The file's id is recorded before
 * Slack is asked to complete the upload, so a try after one whose answer was lost (a crash, a
 * timeout, a 5xx after the fact) first looks for that file in the channel's history and, when
 * it is there, records it instead of uploading a second copy.
 */
export async function publishReview(deps: Deps, reviewId: string): Promise<PublishResult> {
  const review = await getReview(deps.db, reviewId);
  if (review?.status !== "completed") return "not_completed";
  if (review.publishedAt) return "already_published";
  // The sweep re-queues this job for a completion whose follow-up was lost (Redis down at
  // submit): the prompt's edit, lost with it, is queued again here (one job per review).
  await queuePromptEdit(deps, review.id);
  const incident = await getIncidentById(deps.db, review.incidentId);
  if (!incident) return "not_completed";
  // The channel (or a routine incident's thread) is made at intake; until then there is nowhere to publish.
  const place = workPlaceOf(incident);
  if (!place) throw new RetryLater(null, "incident channel not created yet");
  if (review.fileId && (await documentInChannel(deps, place, review))) {
    await recordPublished(deps, review, place.channel, review.fileId);
    return "published";
  }
  const reference = formatReference(incident.number);
  const actions = await actionsOfReview(deps.db, review.id);
  // Everyone the document names, looked up once (users.info, cached), then the lines drawn with them.
  const people = new Set([
    ...(review.completedBy ? [review.completedBy] : []),
    ...actions.map((a) => a.ownerId),
  ]);
  await reviewFactLines(deps.db, deps, incident, "document", (id) => {
    people.add(id);
    return id;
  });
  const names = await lookUpNames(deps, people);
  const timezone = deps.policy.timezone;
  const markdown = reviewMarkdown({
    reference,
    title: incident.title,
    priority: incident.priority,
    timezone,
    review,
    categoryLabel:
      deps.policy.review.rootCauseCategories[review.rootCauseCategory ?? ""] ??
      review.rootCauseCategory ??
      "",
    lines: await reviewFactLines(deps.db, deps, incident, "document", (id) =>
      person({ names, timezone }, id),
    ),
    actions,
    names,
  });
  let fileId: string;
  try {
    fileId = await upload(deps, {
      reviewId,
      place,
      filename: `${reference.toLowerCase()}-review.md`,
      title: `${reference} post-incident review`,
      content: Buffer.from(markdown, "utf8"),
    });
  } catch (err) {
    const error = permanentOrRetry(err);
    deps.logger.warn({ incidentId: incident.id, reference, reviewId, error }, "review document not uploaded");
    // On record, so the timeline shows it and the sweep stops trying (see listUnpublishedReviews).
    await appendLog(deps.db, {
      incidentId: incident.id,
      actor: SYSTEM_ACTOR,
      kind: "delivery_failed",
      details: { purpose: "review_document", reviewId, channel: place.channel, error },
    });
    return "gave_up";
  }
  await recordPublished(deps, review, place.channel, fileId);
  return "published";
}

/**
 * Whether the file of an earlier try is in the channel (Slack completed it, the answer was
 * lost). A history Slack will never show (the channel gone) leaves uploading as the only way on.
 */
async function documentInChannel(deps: Deps, place: WorkPlace, review: ReviewRow): Promise<boolean> {
  const hasFile = (m: HistoryMessage) => (m.files ?? []).some((f) => f.id === review.fileId);
  try {
    return place.threadTs
      ? await scanThread(deps.slack, place.channel, place.threadTs, hasFile)
      : await scanHistory(deps.slack, place.channel, review.completedAt ?? review.updatedAt, hasFile);
  } catch (err) {
    permanentOrRetry(err);
    return false;
  }
}

/**
 * A Slack failure worth another try is thrown for the job to retry (after Retry-After when
 * Slack gave one); a failure for good returns its error code.
 */
function permanentOrRetry(err: unknown): string {
  const failure = classifySlackError(err);
  if (failure.kind === "rate_limited") throw new RetryLater(failure.retryAfterMs, failure.detail);
  if (failure.kind === "transient") throw err;
  return failure.error;
}

async function recordPublished(deps: Deps, review: ReviewRow, channel: string, fileId: string) {
  await deps.db.transaction(async (tx) => {
    if (!(await markReviewPublished(tx, { id: review.id, fileId, publishedAt: deps.clock.now() }))) return;
    await appendLog(tx, {
      incidentId: review.incidentId,
      actor: SYSTEM_ACTOR,
      kind: "review_published",
      details: { reviewId: review.id, fileId, channel },
    });
  });
}

async function upload(
  deps: Deps,
  p: { reviewId: string; place: WorkPlace; filename: string; title: string; content: Buffer },
): Promise<string> {
  const target = await deps.slack.files.getUploadURLExternal({
    filename: p.filename,
    length: p.content.length,
  });
  if (!target.upload_url || !target.file_id) throw new Error("files.getUploadURLExternal gave no upload URL");
  const sent = await fetch(target.upload_url, {
    method: "POST",
    headers: { "content-type": "text/markdown; charset=utf-8" },
    body: p.content,
    signal: AbortSignal.timeout(30_000),
  });
  // Thrown as a plain error: the job backs off and tries again with a fresh URL.
  if (!sent.ok) throw new Error(`upload to Slack failed with HTTP ${sent.status}`);
  await recordReviewUpload(deps.db, { id: p.reviewId, fileId: target.file_id });
  await deps.slack.files.completeUploadExternal({
    files: [{ id: target.file_id, title: p.title }],
    channel_id: p.place.channel,
    ...(p.place.threadTs ? { thread_ts: p.place.threadTs } : {}),
    initial_comment: `The full ${p.title}, as a Markdown document.`,
  });
  return target.file_id;
}
