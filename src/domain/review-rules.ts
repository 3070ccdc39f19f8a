import type { Policy } from "../config/policy-types.js";
import type { Priority, Status } from "./incident.js";
import { isMajor } from "./priority-matrix.js";

/** Besides the owner and the reporter, holders of these roles may write a review. */
export const REVIEW_ROLES = ["team_lead", "duty_manager", "head_of_operations"] as const;

/** Who may write an incident's review: the people who ran it and the managers above them. */
export function mayWriteReview(
  policy: Pick<Policy, "roles">,
  i: { ownerId: string | null; reporterId: string },
  userId: string,
): boolean {
  if (userId === i.ownerId || userId === i.reporterId) return true;
  return REVIEW_ROLES.some((role) => policy.roles[role]?.includes(userId) ?? false);
}

export const REVIEW_WRITERS_TEXT =
  "its owner, its reporter, a team lead, a duty manager or the head of operations";

/** A review is written once the incident is over: resolved, or already closed. */
export function reviewableStatus(status: Status): boolean {
  return status === "resolved" || status === "closed";
}

/**
 * Whether closing waits for the review: only for a major incident, only when the policy says
 * so, and only until the review is completed.
 */
export function closeBlockedByReview(
  policy: Pick<Policy, "review">,
  i: { priority: Priority; major: boolean },
  reviewStatus: "requested" | "completed" | null,
): boolean {
  return policy.review.requiredForClose && isMajor(i) && reviewStatus !== "completed";
}
