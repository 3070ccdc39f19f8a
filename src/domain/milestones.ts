import type { CloseCode, Priority } from "./incident.js";
import type { HoldReason } from "./lifecycle.js";

/**
 * The milestones of an incident that the people outside it hear about (DESIGN §5): the
 * vocabulary of the policy's `notify` lists, of webhooks' `event` and of the log. Add names,
 * never rename them.
 */
export const MILESTONES = [
  "logged",
  "acknowledged",
  "owner_changed",
  "update",
  "priority_changed",
  "major_changed",
  "on_hold",
  "resumed",
  "resolved",
  "reopened",
  "closed",
] as const;
export type Milestone = (typeof MILESTONES)[number];

/** What happened, with only what a notice needs: no free text that may hold personal data. */
export type MilestoneEvent =
  | { milestone: "acknowledged"; by: string; owner: string | null }
  | { milestone: "owner_changed"; by: string; from: string | null; to: string | null }
  | { milestone: "priority_changed"; by: string; from: Priority; to: Priority; reason: string | null }
  | { milestone: "major_changed"; by: string; to: boolean; reason: string | null }
  | { milestone: "on_hold"; by: string; reason: HoldReason }
  | { milestone: "resumed"; by: string }
  | {
      milestone: "resolved";
      by: string;
      summary: string | null;
      closeCode: CloseCode | null;
      /** Logged to resolved, and the resolve target it had (null when unknown). */
      tookMs: number | null;
      targetMs: number | null;
      /** Resolved by its resolve deadline (pauses on hold included); null when unknown. */
      metSla: boolean | null;
      /** Resolved as a duplicate of this incident (its reference), where the work goes on. */
      duplicateOf?: string | null;
    }
  | { milestone: "reopened"; by: string; reason: string | null; wasClosed: boolean }
  | { milestone: "closed"; by: string };

/** A log entry as a change writes it, before it has an id. */
export interface ChangeEntry {
  kind: string;
  details?: Record<string, unknown>;
}

/** The incident's fields a milestone reads, after the change. */
export interface MilestoneSubject {
  ownerId: string | null;
  loggedAt: Date;
  resolvedAt: Date | null;
  resolveDueAt: Date | null;
}

type Details = Record<string, unknown>;

const str = (d: Details, key: string): string | null => {
  const v = d[key];
  return typeof v === "string" && v !== "" ? v : null;
};

/**
 * The milestones one change reaches, in the order its log entries were written. An
 * acknowledgement that also made the acknowledger owner is one milestone (acknowledged, naming
 * the owner), not two; a stakeholder update and the logging of an incident have posts of their
 * own and are not derived here.
 */
export function milestonesOf(
  entries: readonly ChangeEntry[],
  actor: string,
  after: MilestoneSubject,
  /** The resolve target of the incident's priority, for "resolved in 3h against 4h". */
  resolveTargetMs: number | null,
): MilestoneEvent[] {
  const events: MilestoneEvent[] = [];
  const acknowledged = entries.some(
    (e) => e.kind === "status_changed" && e.details?.action === "acknowledge",
  );
  for (const entry of entries) {
    const d = entry.details ?? {};
    if (entry.kind === "status_changed") {
      const event = statusMilestone(d, actor, after, resolveTargetMs);
      if (event) events.push(event);
    } else if (entry.kind === "owner_changed" && !(acknowledged && d.via === "acknowledge")) {
      events.push({ milestone: "owner_changed", by: actor, from: str(d, "from"), to: str(d, "to") });
    } else if (entry.kind === "field_changed" && d.field === "priority") {
      events.push({
        milestone: "priority_changed",
        by: actor,
        from: d.from as Priority,
        to: d.to as Priority,
        reason: str(d, "reason"),
      });
    } else if (entry.kind === "field_changed" && d.field === "major") {
      events.push({ milestone: "major_changed", by: actor, to: d.to === true, reason: str(d, "reason") });
    }
  }
  return events;
}

function statusMilestone(
  d: Details,
  actor: string,
  after: MilestoneSubject,
  resolveTargetMs: number | null,
): MilestoneEvent | null {
  switch (d.action) {
    case "acknowledge":
      return { milestone: "acknowledged", by: actor, owner: after.ownerId };
    case "hold":
      return { milestone: "on_hold", by: actor, reason: (str(d, "holdReason") ?? "other") as HoldReason };
    case "resume":
      return { milestone: "resumed", by: actor };
    case "resolve": {
      const r = (typeof d.resolution === "object" && d.resolution !== null ? d.resolution : {}) as Details;
      const tookMs = after.resolvedAt ? after.resolvedAt.getTime() - after.loggedAt.getTime() : null;
      return {
        milestone: "resolved",
        by: actor,
        summary: str(r, "summary"),
        closeCode: str(r, "closeCode") as CloseCode | null,
        tookMs,
        targetMs: resolveTargetMs,
        metSla:
          after.resolvedAt && after.resolveDueAt
            ? after.resolvedAt.getTime() <= after.resolveDueAt.getTime()
            : null,
        duplicateOf: str(d, "duplicateOf"),
      };
    }
    case "reopen":
      return { milestone: "reopened", by: actor, reason: str(d, "reason"), wasClosed: d.from === "closed" };
    case "close":
      return { milestone: "closed", by: actor };
    default:
      return null;
  }
}

/** The audience's list, or every milestone when it names none. */
export function hears(notify: readonly Milestone[] | null | undefined, milestone: Milestone): boolean {
  return !notify || notify.includes(milestone);
}
