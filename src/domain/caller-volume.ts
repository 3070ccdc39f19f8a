import { formatLongDuration } from "./duration.js";
import { LEVELS, type Level, type Priority } from "./incident.js";
import type { CallerVolumePolicy } from "./policy-types.js";
import { derivePriority, type PriorityMatrix, priorityRank } from "./priority-matrix.js";

/** The categorisation a caller-volume raise reads. */
export interface VolumeSubject {
  impact: Level;
  urgency: Level;
  priority: Priority;
  matrixPriority: Priority;
  major: boolean;
}

/**
 * What a caller-volume raise changes: only fields that move up. `priorityOverride: null` puts
 * an overridden priority back on the matrix when the raised matrix is more urgent than it.
 */
export interface VolumeRaise {
  impact?: Level;
  urgency?: Level;
  major?: true;
  priorityOverride?: null;
}

/** 0 for high … 2 for low: smaller is more severe. */
const severity = (level: Level) => LEVELS.indexOf(level);

/** The more severe of two levels. */
export const atLeast = (current: Level, wanted: Level): Level =>
  severity(wanted) < severity(current) ? wanted : current;

/**
 * How a caller-volume crossing raises an incident: impact and urgency to at least the rule's
 * levels (never lowered), the major flag if the rule asks, the priority from the matrix (an
 * override is kept unless the raised matrix is more urgent). Null when nothing would change:
 * the incident is already at that level and is not touched.
 */
export function volumeRaiseOf(
  incident: VolumeSubject,
  raise: CallerVolumePolicy["raise"],
  matrix: PriorityMatrix,
): VolumeRaise | null {
  const impact = raise.impact ? atLeast(incident.impact, raise.impact) : incident.impact;
  const urgency = raise.urgency ? atLeast(incident.urgency, raise.urgency) : incident.urgency;
  const matrixPriority = derivePriority(matrix, impact, urgency);
  const overridden = incident.priority !== incident.matrixPriority;
  const out: VolumeRaise = {};
  if (impact !== incident.impact) out.impact = impact;
  if (urgency !== incident.urgency) out.urgency = urgency;
  if (raise.major && !incident.major) out.major = true;
  if (overridden && priorityRank(matrixPriority) < priorityRank(incident.priority))
    out.priorityOverride = null;
  return Object.keys(out).length > 0 ? out : null;
}

/** The categorisation after a raise, as the re-categorisation computes it (for tests and messages). */
export function afterVolumeRaise(
  incident: VolumeSubject,
  change: VolumeRaise,
  matrix: PriorityMatrix,
): VolumeSubject {
  const impact = change.impact ?? incident.impact;
  const urgency = change.urgency ?? incident.urgency;
  const matrixPriority = derivePriority(matrix, impact, urgency);
  const overridden = incident.priority !== incident.matrixPriority && change.priorityOverride !== null;
  const priority = overridden ? incident.priority : matrixPriority;
  return {
    impact,
    urgency,
    matrixPriority,
    priority,
    major: change.major ?? (incident.major || priority === "P1"),
  };
}

/** The reason logged with the raise: "caller volume: 10 callers in 15 minutes". */
export function volumeReason(callers: number, withinMs: number): string {
  return `caller volume: ${callers} caller${callers === 1 ? "" : "s"} in ${formatLongDuration(withinMs)}`;
}
