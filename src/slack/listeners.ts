import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackOptionsMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from "@slack/bolt";
import type { Logger } from "../lib/logger.js";
import type { Deps } from "../services/deps.js";
import { anyExcept, onUnknownAction, onUnknownView } from "./actions/unknown.js";

export type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
export type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
export type OptionsArgs = SlackOptionsMiddlewareArgs<"block_suggestion"> & AllMiddlewareArgs;

/** What each kind of listener registers itself with (`register(on, deps, log)` in its folder). */
export interface Registration {
  on: Listeners;
  deps: Deps;
  log: Logger;
}

const oneOf = (ids: readonly string[]) => (ids.length === 1 ? ids[0]! : new RegExp(`^(${ids.join("|")})$`));

/**
 * Bolt's app, remembering every button and form id a listener routes, so that whatever is
 * left (an old card's button, a retired form) is answered as out of date instead of timing out.
 */
export class Listeners {
  private readonly actionIds = new Set<string>();
  private readonly viewIds = new Set<string>();
  private readonly optionIds = new Set<string>();

  constructor(readonly app: App) {}

  action(ids: readonly string[], handler: (args: ActionArgs) => Promise<void>): void {
    for (const id of ids) this.actionIds.add(id);
    this.app.action({ type: "block_actions", action_id: oneOf(ids) }, handler);
  }

  view(ids: readonly string[], handler: (args: ViewArgs) => Promise<void>): void {
    for (const id of ids) this.viewIds.add(id);
    this.app.view<ViewSubmitAction>({ callback_id: oneOf(ids), type: "view_submission" }, handler);
  }

  /** An external select's options request (block_suggestion), answered within Slack's 3 s. */
  options(ids: readonly string[], handler: (args: OptionsArgs) => Promise<void>): void {
    for (const id of ids) this.optionIds.add(id);
    this.app.options<"block_suggestion">({ type: "block_suggestion", action_id: oneOf(ids) }, handler);
  }

  /** Registered last: every button and form no listener routes is answered at once. */
  answerTheRest(): void {
    this.app.action({ type: "block_actions", action_id: anyExcept([...this.actionIds]) }, onUnknownAction);
    this.app.view<ViewSubmitAction>(
      { callback_id: anyExcept([...this.viewIds]), type: "view_submission" },
      onUnknownView,
    );
    // Options no listener routes, forms watched for closing and global shortcuts (none here) are
    // answered at once (Bolt would leave them to Slack's 3 s timeout).
    this.app.options(
      { type: "block_suggestion", action_id: anyExcept([...this.optionIds]) },
      async ({ ack }) => ack({ options: [] }),
    );
    this.app.view({ callback_id: /^/, type: "view_closed" }, async ({ ack }) => ack());
    this.app.shortcut({ type: "shortcut", callback_id: /^/ }, async ({ ack }) => ack());
  }
}
