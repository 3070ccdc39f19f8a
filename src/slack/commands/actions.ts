import { type ActionListFilter, listActions } from "../../db/queries/action-steps.js";
import { actionList } from "../../messages/improvement-actions.js";
import type { Deps } from "../../services/deps.js";
import type { CommandContext, Reply } from "./work.js";

const LIMIT = 20;

const TEXTS: Record<ActionListFilter, { heading: string; empty: string }> = {
  mine: {
    heading: "Your open improvement actions",
    empty: "You have no open improvement actions. Actions agreed in a review show up here.",
  },
  overdue: {
    heading: "Overdue improvement actions",
    empty: "No improvement action is overdue. :tada:",
  },
  all: {
    heading: "All open improvement actions (done ones are not listed)",
    empty: "There are no open improvement actions. They are agreed in post-incident reviews.",
  },
};

/** `/incident actions [mine|overdue|all]`: soonest due first, at most LIMIT with a "more" line. */
export async function actionsReply(
  deps: Deps,
  filter: ActionListFilter,
  ctx: CommandContext,
): Promise<Reply> {
  const now = deps.clock.now();
  const rows = await listActions(deps.db, { filter, userId: ctx.userId, now, limit: LIMIT + 1 });
  return actionList(rows.slice(0, LIMIT), { ...TEXTS[filter], now, more: rows.length > LIMIT });
}
