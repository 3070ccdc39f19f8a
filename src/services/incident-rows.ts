import { type ListClock, listClocksOf } from "../db/queries/list-clocks.js";
import type { IncidentRow } from "../db/schema/index.js";
import { type ClockDeadline, deadlineStatus, nextAction, nextActionFor } from "../domain/deadline-status.js";
import { PRIORITIES } from "../domain/incident.js";
import type { LifecycleAction } from "../domain/lifecycle.js";
import { authorize, holdsAny, rolesAllowedTo } from "../domain/permissions.js";
import type { Policy } from "../domain/policy-types.js";
import type { ListRow } from "../messages/incident-list.js";
import type { Deps } from "./deps.js";
import { stepPlanOf } from "./sla-plan.js";

type Listed = ListRow &
  Pick<IncidentRow, "type" | "respondDueAt" | "nextUpdateDueAt" | "resolveDueAt" | "reporterId">;

/**
 * Each listed incident with its most pressing deadline at `now` and the one action its row
 * offers `viewer` (one they may take), read from its SLA clocks. Within a priority, overdue rows come first, then those due
 * soon, so the list reads from what is most urgent.
 */
export async function incidentRows(
  deps: Pick<Deps, "db" | "policy">,
  items: Listed[],
  now: Date,
  viewer: string,
) {
  const clocks = await listClocksOf(
    deps.db,
    items.map((i) => i.id),
  );
  const rows = items.map((i): ListRow => {
    const own = clocks.filter((c) => c.incidentId === i.id);
    const deadlines = own.length ? own.map((c) => clockDeadline(deps.policy, i, c)) : fromColumns(i);
    const deadline = deadlineStatus({ status: i.status, clocks: deadlines, now });
    return {
      ...i,
      deadline,
      next: nextActionFor(
        nextAction(i.status, deadline),
        mayMove(deps.policy, viewer, i),
        worksOn(deps.policy, viewer, i),
      ),
    };
  });
  return rows.sort(
    (a, b) => PRIORITIES.indexOf(a.priority) - PRIORITIES.indexOf(b.priority) || rank(a) - rank(b),
  );
}

/** Whether `viewer` may move this incident by `action`: the same check the button's handler makes. */
function mayMove(policy: Policy, viewer: string, i: Pick<IncidentRow, "status" | "ownerId" | "reporterId">) {
  return (action: LifecycleAction) =>
    authorize(policy, {
      userId: viewer,
      action: action === "reopen" && i.status === "closed" ? "reopen_closed" : action,
      ownerId: i.ownerId,
      reporterId: i.reporterId,
    }).ok;
}

/** Whether the incident's work is `viewer`'s: they own it, nobody does yet, or they manage incidents. */
function worksOn(policy: Policy, viewer: string, i: Pick<IncidentRow, "ownerId">): boolean {
  return !i.ownerId || i.ownerId === viewer || holdsAny(policy, viewer, rolesAllowedTo(policy, "resolve"));
}

function rank(r: ListRow): number {
  if (r.deadline?.tone === "overdue") return 0;
  return r.deadline?.tone === "soon" ? 1 : 2;
}

function clockDeadline(policy: Policy, i: Listed, c: ListClock): ClockDeadline {
  // Due soon once past its last warning: when the bot has warned (or will warn) the owner.
  const warnings = c.state === "running" ? stepPlanOf(policy, c, i.priority).warnTimes : [];
  return {
    clock: c.name,
    dueAt: c.dueAt,
    soonFrom: warnings.at(-1) ?? null,
    paused: c.state === "paused",
    stopLabel: policy.incidentTypes[i.type]?.clocks[c.name]?.stopLabel,
  };
}

/** An incident without clock rows still shows the deadlines stored on it. */
function fromColumns(i: Listed): ClockDeadline[] {
  const columns: Array<[string, Date | null]> = [
    ["respond", i.respondDueAt],
    ["update_every", i.nextUpdateDueAt],
    ["resolve", i.resolveDueAt],
  ];
  return columns.flatMap(([clock, dueAt]) =>
    dueAt ? [{ clock, dueAt, soonFrom: null, paused: false }] : [],
  );
}
