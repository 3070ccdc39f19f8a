import type { View } from "@slack/web-api";
import { incidentsWithCallbacksToMake } from "../db/queries/caller-figures.js";
import { callerCountsFor } from "../db/queries/caller-reports.js";
import { incidentsEscalatedTo } from "../db/queries/escalated-to.js";
import { listIncidents } from "../db/queries/incidents.js";
import type { IncidentRow } from "../db/schema/index.js";
import { holdsAny, mayTakeCallbacks } from "../domain/permissions.js";
import { CALLBACKS_MAX, homeView, type NeedsYouRow } from "../messages/home.js";
import type { ListRow } from "../messages/incident-list.js";
import { teamDrillsHomeBlocks } from "../messages/practice-history.js";
import type { Deps } from "./deps.js";
import { incidentRows } from "./incident-rows.js";
import { teamDrills } from "./practice-history.js";
import { clockLabel } from "./sla-plan.js";

/**
 * Publishes a user's App Home from the current state: what needs them (escalated to them,
 * overdue for a manager), their open incidents and the team's, each with its most pressing
 * deadline and next action.
 */
export async function publishHome(deps: Deps, userId: string): Promise<void> {
  const [mine, open, owing, escalated] = await Promise.all([
    listIncidents(deps.db, { filter: "mine", userId, limit: 20 }),
    listIncidents(deps.db, { filter: "open", userId, limit: 61 }),
    incidentsWithCallbacksToMake(deps.db, CALLBACKS_MAX + 1),
    incidentsEscalatedTo(deps.db, { userId, limit: 11 }),
  ]);
  // Callbacks to make are for the people who may make them (the floor, the incident's own
  // people, the personal-data roles), not for stakeholders reading Home.
  const callbacks = owing.filter((i) =>
    mayTakeCallbacks(deps.policy, { userId, ownerId: i.ownerId, reporterId: i.reporterId, tookACall: false }),
  );
  const now = deps.clock.now();
  // One read of the clocks and the caller counts for every list: yours are usually among the team's too.
  const all = [...new Map([...mine, ...open, ...callbacks, ...escalated].map((i) => [i.id, i])).values()];
  const [rows, counts] = await Promise.all([
    incidentRows(deps, all, now, userId),
    callerCountsFor(
      deps.db,
      all.map((i) => i.id),
      now,
    ),
  ]);
  const counted = rows.map((r) => ({ ...r, callers: counts.get(r.id) }));
  const of = (list: Array<{ id: string }>) => {
    const ids = new Set(list.map((i) => i.id));
    return counted.filter((r) => ids.has(r.id));
  };
  const view = homeView({
    mine: of(mine),
    open: of(open),
    callbacks: of(callbacks),
    needsYou: needsYou(deps, userId, { mine, open, escalated }, counted),
    timezone: deps.policy.timezone,
  });
  // A team lead's drills of their team, where the view has room (Slack's 100 blocks).
  const drills = teamDrillsHomeBlocks({
    drills: await teamDrills(deps, userId),
    timezone: deps.policy.timezone,
  });
  if (drills.length > 0 && view.blocks.length + drills.length + 1 <= 100)
    view.blocks.push({ type: "divider" }, ...drills);
  await deps.slack.views.publish({ user_id: userId, view: view as unknown as View });
}

/**
 * What needs the viewer though they neither own nor reported it: incidents whose escalation
 * ladder messaged them and nobody has acknowledged, then, for a manager (a role on the
 * incident type's escalation ladder), the open incidents with a deadline overdue. A duty manager
 * woken by an escalation finds it here, not under "Your open incidents: None".
 */
function needsYou(
  deps: Deps,
  userId: string,
  lists: Record<"mine" | "open", IncidentRow[]> & {
    escalated: Array<IncidentRow & { escalatedClocks: string[] }>;
  },
  rows: ListRow[],
): NeedsYouRow[] {
  const yours = new Set(lists.mine.map((i) => i.id));
  const escalated = new Map(
    lists.escalated.map((i) => [i.id, i.escalatedClocks.map((name) => ({ name, label: clockLabel(name) }))]),
  );
  const onLadder = new Set(
    lists.open
      .filter((i) => holdsAny(deps.policy, userId, deps.policy.incidentTypes[i.type]?.escalation ?? []))
      .map((i) => i.id),
  );
  const needed = rows.filter(
    (r) =>
      !yours.has(r.id) && (escalated.has(r.id) || (onLadder.has(r.id) && r.deadline?.tone === "overdue")),
  );
  // Escalated to you first, then the overdue; each part in the lists' order (priority, most urgent).
  return [
    ...needed
      .filter((r) => escalated.has(r.id))
      .map((r) => ({ ...r, escalatedToYou: true, escalatedFor: escalated.get(r.id) })),
    ...needed.filter((r) => !escalated.has(r.id)).map((r) => ({ ...r, escalatedToYou: false })),
  ];
}
