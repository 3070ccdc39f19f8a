import type { Status } from "./incident.js";
import { formatReference } from "./reference.js";

/** An incident as a merge reads it: where it stands and whether it is itself a duplicate. */
export interface MergeCandidate {
  id: string;
  number: number;
  status: Status;
  mergedIntoId: string | null;
  /** Set on a practice drill's incident (issue 23): a drill and a real incident never merge. */
  practiceRunId?: string | null;
}

/** Why a duplicate cannot be merged into the master asked for (each shown on the form's field). */
export const MERGE_REFUSALS = [
  "duplicate_self",
  "duplicate_unknown",
  "duplicate_cycle",
  "duplicate_merged",
  "duplicate_closed",
  "duplicate_practice",
] as const;
export type MergeRefusalCode = (typeof MERGE_REFUSALS)[number];

export const isMergeRefusal = (code: string): code is MergeRefusalCode =>
  (MERGE_REFUSALS as readonly string[]).includes(code);

/** How many masters of masters a merge follows before it calls the chain a cycle. */
export const MAX_MERGE_CHAIN = 50;

/**
 * Whether `duplicate` may be merged into the incident numbered `asked`. `master` is that
 * incident (null when there is none) and `chain` its masters in turn (what it was merged into,
 * and so on, as far as they go). Refused: itself, an unknown reference, a master that is
 * (transitively) a duplicate of this one, a master that is itself merged (the message names the
 * incident at the end of its chain to choose instead), and a closed master.
 */
export function mergeRefusal(
  duplicate: { id: string; number: number; practiceRunId?: string | null },
  asked: number,
  master: MergeCandidate | null,
  chain: readonly MergeCandidate[],
): { code: MergeRefusalCode; message: string } | null {
  const ref = formatReference(asked);
  if (asked === duplicate.number || master?.id === duplicate.id) {
    return {
      code: "duplicate_self",
      message: "An incident cannot be a duplicate of itself: enter the incident the work continues in.",
    };
  }
  if (!master) {
    return {
      code: "duplicate_unknown",
      message: `There is no ${ref}. Check the reference (like INC-000123).`,
    };
  }
  if (chain.some((c) => c.id === duplicate.id) || chain.length >= MAX_MERGE_CHAIN) {
    return {
      code: "duplicate_cycle",
      message: `${ref} is itself a duplicate of ${formatReference(duplicate.number)}, so it cannot be its master. Choose the incident the work continues in.`,
    };
  }
  const top = chain.at(-1);
  if (master.mergedIntoId && top) {
    return {
      code: "duplicate_merged",
      message: `${ref} was itself closed as a duplicate of ${formatReference(top.number)}: enter ${formatReference(top.number)} instead.`,
    };
  }
  if ((duplicate.practiceRunId ?? null) !== (master.practiceRunId ?? null)) {
    return {
      code: "duplicate_practice",
      message: duplicate.practiceRunId
        ? `This is a practice drill and ${ref} is not part of it: a drill's callers never move into another incident. Close the drill with a close code other than duplicate.`
        : `${ref} is a practice drill: real callers never move into a drill. Enter the real incident the work continues in.`,
    };
  }
  if (master.status === "closed") {
    return {
      code: "duplicate_closed",
      message: `${ref} is closed, so the callers cannot move there. Choose an incident still being worked, or ask for ${ref} to be reopened first.`,
    };
  }
  return null;
}
