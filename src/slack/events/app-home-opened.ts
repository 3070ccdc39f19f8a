import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import type { Deps } from "../../services/deps.js";
import { publishHome } from "../../services/home.js";

type Args = SlackEventMiddlewareArgs<"app_home_opened"> & AllMiddlewareArgs;

export async function onAppHomeOpened(deps: Deps, { event }: Args): Promise<void> {
  if (event.tab !== "home") return;
  await publishHome(deps, event.user);
}
