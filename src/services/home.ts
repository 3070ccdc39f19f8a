import type { View } from "@slack/web-api";
import { listIncidents } from "../db/queries/incidents.js";
import { homeView } from "../slack/blocks/home.js";
import type { Deps } from "./deps.js";

/** Publishes a user's App Home from the current state: their open incidents and the team's. */
export async function publishHome(deps: Deps, userId: string): Promise<void> {
  const [mine, open] = await Promise.all([
    listIncidents(deps.db, { filter: "mine", userId, limit: 20 }),
    listIncidents(deps.db, { filter: "open", userId, limit: 61 }),
  ]);
  const view = homeView({ mine, open, timezone: deps.policy.timezone }) as unknown as View;
  await deps.slack.views.publish({ user_id: userId, view });
}
