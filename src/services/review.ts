import type { DbOrTx, Tx } from "../db/client.js";
import { callerBreakdownOf } from "../db/queries/caller-figures.js";
import type { NewAction } from "../db/queries/improvement-actions.js";
import { insertActions } from "../db/queries/improvement-actions.js";
import { appendLog, listLog } from "../db/queries/incident-log.js";
import { lockIncident, markRequestProcessed } from "../db/queries/mutate.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import { completeReview, ensureReview, getReviewOf, lockReview } from "../db/queries/reviews.js";
import { clocksOf } from "../db/queries/sla-clocks.js";
import type { IncidentRow, ReviewRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueDeliveries } from "../delivery/queue.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { formatReference } from "../domain/reference.js";
import { type FactLines, factLines, formatReviewTime, reviewFacts } from "../domain/review-facts.js";
import {
  closeBlockedByReview,
  mayWriteReview,
  needsReview,
  reviewableStatus,
  reviewWriters,
} from "../domain/review-rules.js";
import { workPlacePost } from "../domain/work-place.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { reviewPrompt, reviewSummary } from "../messages/review.js";
import { escapeMrkdwn } from "../messages/text.js";
import type { Deps } from "./deps.js";
import { followUpActions } from "./improvement-actions.js";
import type { Refusal } from "./mutate-incident.js";
import { queuePromptEdit } from "./review-prompt.js";
import { clockLabel } from "./sla-plan.js";

/** A review as its form gives it (slack/parse/review-form.ts reads and checks it). */
export interface ReviewFormData {
  category: string;
  rootCause: string;
  contributingFactors: string | null;
  wentWell: string | null;
  wentBadly: string | null;
  actions: NewAction[];
}

/** The facts of an incident as lines, for Slack (`<@U…>` mentions, mrkdwn escaped) or a document. */
export async function reviewFactLines(
  db: DbOrTx,
  deps: Pick<Deps, "policy" | "clock">,
  incident: IncidentRow,
  medium: "slack" | "document",
  /** How the document names a person (default `@U…`); Slack always mentions them. */
  name?: (id: string) => string,
): Promise<FactLines> {
  const [clocks, log, callers] = await Promise.all([
    clocksOf(db, incident.id),
    listLog(db, incident.id),
    callerBreakdownOf(db, incident.id),
  ]);
  const facts = reviewFacts({ incident, clocks, log, clockLabel, now: deps.clock.now(), callers });
  return factLines(facts, {
    timezone: deps.policy.timezone,
    clockLabel,
    mention: medium === "slack" ? (id) => `<@${id}>` : (name ?? ((id) => `@${id}`)),
    escape: medium === "slack" ? escapeMrkdwn : undefined,
  });
}

/**
 * Part of the resolve change (same transaction): a major incident (not a duplicate) gets its review requested
 * and a prompt in its channel. Only the first resolve does; after a reopen the row exists and
 * the prompt's dedupe key is taken, so resolving again asks nobody twice.
 */
export async function requestReviewOnResolve(tx: Tx, deps: Deps, incident: IncidentRow): Promise<string[]> {
  if (!needsReview(incident)) return [];
  const { created } = await ensureReview(tx, { incidentId: incident.id, requestedBy: SYSTEM_ACTOR });
  if (!created) return [];
  await appendLog(tx, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "review_requested",
    details: { trigger: "resolved", priority: incident.priority, major: incident.major },
  });
  const prompt = reviewPrompt(incident, deps.policy.review.requiredForClose);
  return upsertOutbox(tx, [
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.reviewPrompt(incident.id),
      purpose: "review_prompt",
      ...(workPlacePost(incident, prompt) ?? {
        channel: incident.ownerId ?? incident.reporterId,
        message: prompt as Record<string, unknown>,
      }),
    },
  ]);
}

/** Read inside the close change's transaction, after the incident is locked. */
export async function reviewCloseRefusal(tx: Tx, deps: Deps, incident: IncidentRow): Promise<Refusal | null> {
  if (!closeBlockedByReview(deps.policy, incident, null)) return null;
  const review = await getReviewOf(tx, incident.id);
  if (!closeBlockedByReview(deps.policy, incident, review?.status ?? null)) return null;
  const ref = formatReference(incident.number);
  return {
    code: "review_required",
    message: `${ref} is a major incident: its post-incident review must be completed before it can be closed. Run \`/incident review ${ref}\` to write it.`,
  };
}

export type ReviewStart = { ok: true; review: ReviewRow; lines: FactLines } | { ok: false; message: string };

/**
 * `/incident review` or the prompt's button: a completed review is answered as such, whoever
 * asks; otherwise checks who asks and when (before reading the log), creates the review on
 * request (logged as requested by that person), and returns what the form shows.
 */
export async function startReview(deps: Deps, incident: IncidentRow, userId: string): Promise<ReviewStart> {
  const ref = formatReference(incident.number);
  // Done is done, whoever asks and whatever became of the incident since (an old prompt's button).
  const existing = await getReviewOf(deps.db, incident.id);
  if (existing?.status === "completed") return alreadyCompleted(deps, ref, existing);
  if (!reviewableStatus(incident.status)) {
    return { ok: false, message: `${ref} is still open: resolve it first, then write its review.` };
  }
  if (!mayWriteReview(deps.policy, incident, userId)) {
    return { ok: false, message: `Only ${reviewWriters(deps.policy)} can write the review of ${ref}.` };
  }
  const review = await deps.db.transaction(async (tx) => {
    const made = await ensureReview(tx, { incidentId: incident.id, requestedBy: userId });
    if (made.created) {
      await appendLog(tx, {
        incidentId: incident.id,
        actor: userId,
        kind: "review_requested",
        details: { trigger: "requested" },
      });
    }
    return made.review;
  });
  if (review.status === "completed") return alreadyCompleted(deps, ref, review);
  return { ok: true, review, lines: await reviewFactLines(deps.db, deps, incident, "slack") };
}

function alreadyCompleted(deps: Deps, ref: string, review: ReviewRow): ReviewStart {
  const when = review.completedAt ? ` on ${formatReviewTime(review.completedAt, deps.policy.timezone)}` : "";
  return {
    ok: false,
    message: `The review of ${ref} is already completed: <@${review.completedBy}> completed it${when}. Its summary and document are in the incident channel.`,
  };
}

export type SubmitOutcome =
  | {
      ok: true;
      duplicate: boolean;
      message: string;
      reviewId: string;
      actionIds: string[];
      /** What follows the commit (posts, the document, the actions' DMs and reminders). */
      followUp: () => Promise<void>;
    }
  | { ok: false; message: string };

class Refused extends Error {}

/**
 * Completes a review in one transaction: the review's fields, its actions, the log entry and
 * the summary post. The view id makes a double submit one completion; the status guard makes
 * a second form for the same review change nothing. The caller runs `followUp` once it has
 * answered the person (everything in it is recoverable from what was committed).
 */
export async function submitReview(
  deps: Deps,
  p: { incidentId: string; reviewId: string; actor: string; viewId: string; form: ReviewFormData },
): Promise<SubmitOutcome> {
  let done: { outboxIds: string[]; reviewId: string; actionIds: string[]; ref: string } | null = null;
  try {
    done = await deps.db.transaction(async (tx) => {
      if (!(await markRequestProcessed(tx, `review:${p.viewId}`))) return null;
      const incident = await lockIncident(tx, p.incidentId);
      const review = await lockReview(tx, p.reviewId);
      if (!incident || !review || review.incidentId !== incident.id) {
        throw new Refused("This form is out of date. Run `/incident review` to open it again.");
      }
      refuseUnlessWritable(deps, incident, review, p.actor);
      return completeInTx(tx, deps, incident, review, p);
    });
  } catch (err) {
    if (err instanceof Refused) return { ok: false, message: err.message };
    throw err;
  }
  if (!done) {
    const nothing = async () => {};
    return {
      ok: true,
      duplicate: true,
      message: "Already saved.",
      reviewId: p.reviewId,
      actionIds: [],
      followUp: nothing,
    };
  }
  const { reviewId, outboxIds, actionIds } = done;
  const followUp = async () => {
    await afterCompleted(deps, p.incidentId, reviewId, outboxIds);
    // Assignment DMs and reminders; if this is lost (crash, Redis down) the action reconciler does it.
    await followUpActions(deps, actionIds).catch((err: unknown) =>
      deps.logger.warn({ reviewId, err: describeError(err) }, "actions not followed up; the reconciler will"),
    );
  };
  return {
    ok: true,
    duplicate: false,
    followUp,
    message: `Review of ${done.ref} saved. The summary and the document are going to the incident channel.`,
    reviewId: done.reviewId,
    actionIds: done.actionIds,
  };
}

function refuseUnlessWritable(deps: Deps, incident: IncidentRow, review: ReviewRow, actor: string): void {
  const ref = formatReference(incident.number);
  if (review.status === "completed") {
    throw new Refused(`The review of ${ref} was already completed by <@${review.completedBy}>.`);
  }
  if (!reviewableStatus(incident.status)) throw new Refused(`${ref} was reopened: resolve it again first.`);
  if (!mayWriteReview(deps.policy, incident, actor)) {
    throw new Refused(`Only ${reviewWriters(deps.policy)} can write the review of ${ref}.`);
  }
}

async function completeInTx(
  tx: Tx,
  deps: Deps,
  incident: IncidentRow,
  review: ReviewRow,
  p: { actor: string; form: ReviewFormData },
) {
  const f = p.form;
  const completed = await completeReview(tx, review.id, {
    rootCauseCategory: f.category,
    rootCause: f.rootCause,
    contributingFactors: f.contributingFactors,
    wentWell: f.wentWell,
    wentBadly: f.wentBadly,
    completedBy: p.actor,
    completedAt: deps.clock.now(),
  });
  if (!completed) throw new Refused("This review was completed meanwhile.");
  const actions = await insertActions(tx, deps.policy, {
    incidentId: incident.id,
    reviewId: review.id,
    actor: p.actor,
    actions: f.actions,
  });
  // Category and count only: the free text stays in the review, not in the audit trail.
  await appendLog(tx, {
    incidentId: incident.id,
    actor: p.actor,
    kind: "review_completed",
    details: { reviewId: review.id, category: f.category, actions: actions.length },
  });
  const summary = reviewSummary(incident, {
    review: completed,
    categoryLabel: deps.policy.review.rootCauseCategories[f.category] ?? f.category,
    lines: await reviewFactLines(tx, deps, incident, "slack"),
    actions,
  });
  const outboxIds = await upsertOutbox(tx, [
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.reviewSummary(review.id),
      purpose: "review_summary",
      ...(workPlacePost(incident, summary) ?? {
        channel: p.actor,
        message: summary as Record<string, unknown>,
      }),
    },
  ]);
  return {
    outboxIds,
    reviewId: review.id,
    actionIds: actions.map((a) => a.id),
    ref: formatReference(incident.number),
  };
}

/**
 * After commit. If Redis is down, the sweep delivers the summary and re-queues the document's
 * publishing, which queues the prompt's edit again.
 */
async function afterCompleted(deps: Deps, incidentId: string, reviewId: string, outboxIds: string[]) {
  await queuePromptEdit(deps, reviewId);
  try {
    await queueDeliveries(deps, outboxIds);
    await deps.jobs.enqueue("review.publish", { reviewId }, { jobId: jobIds.reviewPublish(reviewId) });
  } catch (err) {
    deps.logger.warn(
      { incidentId, reviewId, err: describeError(err) },
      "review follow-up not queued; the sweep will",
    );
  }
}
