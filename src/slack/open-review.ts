import type { WebClient } from "@slack/web-api";
import type { IncidentRow } from "../db/schema/index.js";
import type { Deps } from "../services/deps.js";
import { startReview } from "../services/review.js";
import { reviewModal } from "./blocks/review.js";
import { openModal } from "./open-modal.js";

/**
 * Opens the review form for `/incident review` and the prompt's button. Returns what to tell
 * the person instead (still open, not theirs to write, already completed, Slack refused).
 */
export async function openReviewModal(
  deps: Deps,
  client: WebClient,
  p: { incident: IncidentRow; userId: string; triggerId: string; channel?: string },
): Promise<string | null> {
  const start = await startReview(deps, p.incident, p.userId);
  if (!start.ok) return start.message;
  const view = reviewModal(p.incident, {
    lines: start.lines,
    timezone: deps.policy.timezone,
    categories: deps.policy.review.rootCauseCategories,
    meta: {
      incidentId: p.incident.id,
      reviewId: start.review.id,
      ...(p.channel ? { channel: p.channel } : {}),
    },
  });
  return openModal(deps, client, {
    triggerId: p.triggerId,
    view,
    retry: "run `/incident review`",
    context: { kind: "review", incidentId: p.incident.id },
  });
}
