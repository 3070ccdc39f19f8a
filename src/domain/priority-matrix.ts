import { type Impact, PRIORITIES, type Priority, type Urgency } from "./incident";

/** impact → urgency → priority, configurable in the policy (`priority_matrix`). */
export type PriorityMatrix = Record<Impact, Record<Urgency, Priority>>;

export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  high: { high: "P1", medium: "P2", low: "P3" },
  medium: { high: "P2", medium: "P3", low: "P4" },
  low: { high: "P3", medium: "P4", low: "P5" },
};

export function derivePriority(matrix: PriorityMatrix, impact: Impact, urgency: Urgency): Priority {
  return matrix[impact][urgency];
}

/** Logged with the major flag set: a P1 (a lower priority can still be flagged major by hand). */
export function isMajorPriority(priority: Priority): boolean {
  return priority === "P1";
}

/**
 * A major incident: P1 or P2, or flagged major (a P1 when logged, or by hand). The card and
 * every heading mark it MAJOR, the floor is briefed for it first, and it is what gets a
 * post-incident review (and, when the policy says so, a close gate). Routine: P3 to P5 unflagged.
 */
export function isMajor(i: { priority: Priority; major: boolean }): boolean {
  return i.major || i.priority === "P1" || i.priority === "P2";
}

/** 1 for P1 (most urgent) … 5 for P5. */
export function priorityRank(priority: Priority): number {
  return PRIORITIES.indexOf(priority) + 1;
}

/** Sort comparator: most urgent first. */
export function comparePriority(a: Priority, b: Priority): number {
  return priorityRank(a) - priorityRank(b);
}
