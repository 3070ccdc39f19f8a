import type { Status } from "./incident.js";

export type DeadlineKind = "respond" | "update" | "resolve";

export interface DeadlineFields {
  status: Status;
  respondDueAt: Date | null;
  nextUpdateDueAt: Date | null;
  resolveDueAt: Date | null;
}

export const DEADLINE_LABELS: Record<DeadlineKind, string> = {
  respond: "acknowledge by",
  update: "update due",
  resolve: "resolve by",
};

/**
 * The earliest deadline still running for an incident in this status: acknowledging stops
 * the respond clock, resolving stops the update and resolve clocks, and a hold pauses resolve.
 */
export function nextDeadline(i: DeadlineFields): { kind: DeadlineKind; at: Date } | null {
  const running: Array<[DeadlineKind, Date | null]> = [];
  if (i.status === "open") running.push(["respond", i.respondDueAt]);
  if (i.status !== "resolved" && i.status !== "closed") {
    running.push(["update", i.nextUpdateDueAt]);
    if (i.status !== "on_hold") running.push(["resolve", i.resolveDueAt]);
  }
  let next: { kind: DeadlineKind; at: Date } | null = null;
  for (const [kind, at] of running) {
    if (at && (!next || at.getTime() < next.at.getTime())) next = { kind, at };
  }
  return next;
}
