import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import { listIncidents } from "../../db/queries/incidents.js";
import type { Deps } from "../../services/deps.js";
import { homeView } from "../blocks/home.js";

type Args = SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs;

export async function onAppHomeOpened(deps: Deps, { event, client }: Args): Promise<void> {
  if (event.tab !== "home") return;
  const [mine, open] = await Promise.all([
    listIncidents(deps.db, { filter: "mine", userId: event.user, limit: 40 }),
    listIncidents(deps.db, { filter: "open", userId: event.user, limit: 40 }),
  ]);
  await client.views.publish({
    user_id: event.user,
    view: homeView({ mine, open, timezone: deps.policy.timezone }) as never,
  });
}
