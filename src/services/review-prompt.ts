import type { WebClient } from "@slack/web-api";
import { getIncidentById } from "../db/queries/incidents.js";
import { getOutboxByKey } from "../db/queries/outbox.js";
import { getReview } from "../db/queries/reviews.js";
import { outboxKey } from "../delivery/purposes.js";
import { RetryLater } from "../delivery/retry-later.js";
import { classifySlackError } from "../delivery/slack-errors.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { reviewPromptCompleted } from "../messages/review.js";
import type { Deps } from "./deps.js";

/** The outbox key of an incident's review prompt: one prompt per incident, however often resolved. */

/** How long to wait for a prompt still waiting to be posted before looking again. */
export const PROMPT_PENDING_RETRY_MS = 10_000;

export type PromptEditResult = "edited" | "no_prompt" | "not_completed" | "gave_up";

/**
 * Edits the review prompt of a completed review to say who completed it and when, without its
 * *Write the review* button. Run as the `review.prompt-edit` job; safe to run again (the edit
 * renders the same message from the review row).
 *
 * Race: the review can be completed while the prompt is still waiting in the outbox (Slack
 * slow or rate-limiting the channel); the job then waits for it to be posted and edits it
 * after, rather than leave a live button behind.
 */
export async function closeReviewPrompt(deps: Deps, reviewId: string): Promise<PromptEditResult> {
  const review = await getReview(deps.db, reviewId);
  if (review?.status !== "completed" || !review.completedBy || !review.completedAt) return "not_completed";
  const prompt = await getOutboxByKey(deps.db, outboxKey.reviewPrompt(review.incidentId));
  // Requested with `/incident review` (no prompt was posted), or the prompt never reached Slack.
  if (!prompt || prompt.status === "failed") return "no_prompt";
  if (prompt.status !== "sent" || !prompt.postedChannel || !prompt.ts) {
    throw new RetryLater(PROMPT_PENDING_RETRY_MS, "review prompt not posted yet");
  }
  const incident = await getIncidentById(deps.db, review.incidentId);
  if (!incident) return "no_prompt";
  const message = reviewPromptCompleted(incident, {
    completedBy: review.completedBy,
    completedAt: review.completedAt,
    timezone: deps.policy.timezone,
  });
  try {
    await deps.slack.chat.update({
      channel: prompt.postedChannel,
      ts: prompt.ts,
      ...message,
    } as unknown as Parameters<WebClient["chat"]["update"]>[0]);
    return "edited";
  } catch (err) {
    const failure = classifySlackError(err);
    if (failure.kind === "rate_limited") throw new RetryLater(failure.retryAfterMs, failure.detail);
    if (failure.kind === "transient") throw new RetryLater(null, failure.detail);
    // Deleted, or the channel archived: nothing left to edit; a click on it still gets its answer.
    deps.logger.warn(
      { incidentId: review.incidentId, reviewId, error: failure.error },
      "review prompt not updated",
    );
    return "gave_up";
  }
}

/**
 * Queues the prompt's edit (one job per review while it lives). Never throws: if Redis is not
 * answering, the edit is queued again by the review's publish job, which the sweep re-queues.
 */
export async function queuePromptEdit(deps: Deps, reviewId: string): Promise<void> {
  try {
    await deps.jobs.enqueue("review.prompt-edit", { reviewId }, { jobId: jobIds.reviewPromptEdit(reviewId) });
  } catch (err) {
    deps.logger.warn({ reviewId, err: describeError(err) }, "review prompt edit not queued");
  }
}
