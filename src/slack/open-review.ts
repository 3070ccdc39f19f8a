import type { ModalView, WebClient } from "@slack/web-api";
import type { IncidentRow } from "../db/schema/index.js";
import { describeError } from "../lib/logger.js";
import { reviewLoadingModal, reviewModal, reviewNoticeModal } from "../messages/review.js";
import type { Deps } from "../services/deps.js";
import { isDatabaseUnavailable } from "../services/errors.js";
import { type ReviewStart, startReview } from "../services/review.js";
import { type OpenedView, openModal } from "./open-modal.js";

/**
 * A trigger is good for 3 s. When the review's facts (read from the whole log) take longer
 * than this, a placeholder opens in time and the form replaces it once they are read.
 */
export const REVIEW_LOADING_AFTER_MS = 1_000;

const NOT_SHOWN = "The review form could not be shown. Please run `/incident review` again.";

type Opening = { incident: IncidentRow; userId: string; triggerId: string; channel?: string };

/**
 * Opens the review form for `/incident review` and the prompt's button. Returns what to tell
 * the person instead (still open, not theirs to write, already completed, Slack refused).
 */
export async function openReviewModal(deps: Deps, client: WebClient, p: Opening): Promise<string | null> {
  // A refusal (already completed, still open, not theirs to write) comes back at once, before the log is read.
  const starting = startReview(deps, p.incident, p.userId);
  let timer: NodeJS.Timeout | undefined;
  const early = await Promise.race([
    starting,
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), REVIEW_LOADING_AFTER_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (early) {
    if (!early.ok) return early.message;
    return openModal(deps, client, {
      triggerId: p.triggerId,
      view: formOf(deps, p, early),
      retry: "run `/incident review`",
      context: { kind: "review", incidentId: p.incident.id },
    });
  }
  return openThenFill(deps, client, p, starting);
}

/** Opens the placeholder with the trigger while it is still good, then puts the form in it. */
async function openThenFill(
  deps: Deps,
  client: WebClient,
  p: Opening,
  starting: Promise<ReviewStart>,
): Promise<string | null> {
  const context = { kind: "review", incidentId: p.incident.id };
  const shown: { view?: OpenedView } = {};
  const problem = await openModal(deps, client, {
    triggerId: p.triggerId,
    view: reviewLoadingModal(p.incident),
    retry: "run `/incident review`",
    context,
    opened: (view) => {
      shown.view = view;
    },
  });
  let start: ReviewStart;
  try {
    start = await starting;
  } catch (err) {
    deps.logger.error({ ...context, err: describeError(err) }, "review facts not read");
    start = {
      ok: false,
      message: isDatabaseUnavailable(err)
        ? "Couldn't read the incident's log: the database is not answering. Please run `/incident review` again in a minute."
        : "Couldn't read the incident's log because of an internal error. Please run `/incident review` again.",
    };
  }
  if (!shown.view) return start.ok ? (problem ?? NOT_SHOWN) : start.message;
  const { id, hash } = shown.view;
  const view = start.ok ? formOf(deps, p, start) : reviewNoticeModal(p.incident, start.message);
  try {
    await client.views.update({ view_id: id, hash, view: view as ModalView });
    return null;
  } catch (err) {
    // Closed meanwhile (not_found), or changed by someone else: the person can open it again.
    deps.logger.warn({ ...context, err: describeError(err) }, "review form not filled in");
    return start.ok ? NOT_SHOWN : start.message;
  }
}

function formOf(deps: Deps, p: Opening, start: Extract<ReviewStart, { ok: true }>) {
  return reviewModal(p.incident, {
    lines: start.lines,
    timezone: deps.policy.timezone,
    categories: deps.policy.review.rootCauseCategories,
    rootCause: p.incident.rootCause,
    meta: {
      incidentId: p.incident.id,
      reviewId: start.review.id,
      ...(p.channel ? { channel: p.channel } : {}),
    },
  });
}
