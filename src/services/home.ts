import type { View } from "@slack/web-api";
import { listIncidents } from "../db/queries/incidents.js";
import { homeView } from "../messages/home.js";
import type { Deps } from "./deps.js";
import { incidentRows } from "./incident-rows.js";

/**
 * Publishes a user's App Home from the current state: their open incidents and the team's,
 * each with its most pressing deadline and next action.
 */
export async function publishHome(deps: Deps, userId: string): Promise<void> {
  const [mine, open] = await Promise.all([
    listIncidents(deps.db, { filter: "mine", userId, limit: 20 }),
    listIncidents(deps.db, { filter: "open", userId, limit: 61 }),
  ]);
  // One read of the clocks for both lists: yours are usually among the team's too.
  const both = [...new Map([...mine, ...open].map((i) => [i.id, i])).values()];
  const rows = await incidentRows(deps, both, deps.clock.now());
  const mineIds = new Set(mine.map((i) => i.id));
  const openIds = new Set(open.map((i) => i.id));
  const view = homeView({
    mine: rows.filter((r) => mineIds.has(r.id)),
    open: rows.filter((r) => openIds.has(r.id)),
    timezone: deps.policy.timezone,
  });
  await deps.slack.views.publish({ user_id: userId, view: view as unknown as View });
}
