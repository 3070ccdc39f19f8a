import type { View } from "@slack/web-api";
import { incidentsWithCallbacksToMake } from "../db/queries/caller-figures.js";
import { callerCountsFor } from "../db/queries/caller-reports.js";
import { listIncidents } from "../db/queries/incidents.js";
import { mayTakeCallbacks } from "../domain/permissions.js";
import { CALLBACKS_MAX, homeView } from "../messages/home.js";
import { teamDrillsHomeBlocks } from "../messages/practice-history.js";
import type { Deps } from "./deps.js";
import { incidentRows } from "./incident-rows.js";
import { teamDrills } from "./practice-history.js";

/**
 * Publishes a user's App Home from the current state: their open incidents and the team's,
 * each with its most pressing deadline and next action.
 */
export async function publishHome(deps: Deps, userId: string): Promise<void> {
  const [mine, open, owing] = await Promise.all([
    listIncidents(deps.db, { filter: "mine", userId, limit: 20 }),
    listIncidents(deps.db, { filter: "open", userId, limit: 61 }),
    incidentsWithCallbacksToMake(deps.db, CALLBACKS_MAX + 1),
  ]);
  // Callbacks to make are for the people who may make them (the floor, the incident's own
  // people, the personal-data roles), not for stakeholders reading Home.
  const callbacks = owing.filter((i) =>
    mayTakeCallbacks(deps.policy, { userId, ownerId: i.ownerId, reporterId: i.reporterId, tookACall: false }),
  );
  const now = deps.clock.now();
  // One read of the clocks and the caller counts for every list: yours are usually among the team's too.
  const all = [...new Map([...mine, ...open, ...callbacks].map((i) => [i.id, i])).values()];
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
