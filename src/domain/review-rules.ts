import type { CloseCode, Priority, Status } from "./incident.js";
import { joinWithOr } from "./lifecycle.js";
import { holdsAny, roleHolders } from "./permissions.js";
import type { Policy } from "./policy-types.js";
import { isMajor } from "./priority-matrix.js";

/**
 * Who may write an incident's review: the people who ran it, and holders of the roles in the
 * policy's `permissions.review` (the managers above them, by default).
 */
export function mayWriteReview(
  policy: Pick<Policy, "roles" | "permissions">,
  i: { ownerId: string | null; reporterId: string },
  userId: string,
): boolean {
  if (userId === i.ownerId || userId === i.reporterId) return true;
  return holdsAny(policy, userId, policy.permissions.review);
}

/** "its owner, its reporter, a team lead or a duty manager": who mayWriteReview lets in. */
export function reviewWriters(policy: Pick<Policy, "permissions">): string {
  return joinWithOr(["its owner", "its reporter", ...roleHolders(policy.permissions.review)]);
}

/** A review is written once the incident is over: resolved, or already closed. */
export function reviewableStatus(status: Status): boolean {
  return status === "resolved" || status === "closed";
}

/**
 * Whether an incident gets a review when resolved: a major one, unless it was a duplicate (its
 * master, where its callers and the work went, is the one reviewed).
 */
export function needsReview(i: {
  priority: Priority;
  major: boolean;
  closeCode?: CloseCode | null;
}): boolean {
  return isMajor(i) && i.closeCode !== "duplicate";
}

/**
 * Whether closing waits for the review: only for an incident that needs one, only when the
 * policy says so, and only until the review is completed.
 */
export function closeBlockedByReview(
  policy: Pick<Policy, "review">,
  i: { priority: Priority; major: boolean; closeCode?: CloseCode | null },
  reviewStatus: "requested" | "completed" | null,
): boolean {
  return policy.review.requiredForClose && needsReview(i) && reviewStatus !== "completed";
}
