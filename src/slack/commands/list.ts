import { callerCountsFor } from "../../db/queries/caller-reports.js";
import { listIncidents } from "../../db/queries/incidents.js";
import { incidentList } from "../../messages/incident-list.js";
import type { Deps } from "../../services/deps.js";
import { incidentRows } from "../../services/incident-rows.js";
import type { CommandContext, Reply } from "./work.js";

/** 20 rows, a heading and a note stay well inside a message's 50 blocks. */
const LIST_LIMIT = 20;

/** `/incident list [mine|open]`: open incidents, most urgent first within a priority, each with its next action. */
export async function answerList(
  deps: Deps,
  filter: "open" | "mine",
  ctx: Pick<CommandContext, "userId">,
): Promise<Reply> {
  const rows = await listIncidents(deps.db, { filter, userId: ctx.userId, limit: LIST_LIMIT + 1 });
  const listed = await incidentRows(deps, rows.slice(0, LIST_LIMIT), deps.clock.now(), ctx.userId);
  // Counts only, as on Home: how many callers, never who.
  const counts = await callerCountsFor(
    deps.db,
    listed.map((r) => r.id),
    deps.clock.now(),
  );
  const counted = listed.map((r) => ({ ...r, callers: counts.get(r.id) }));
  return incidentList(counted, {
    heading: filter === "mine" ? "Your open incidents" : "Open incidents",
    timezone: deps.policy.timezone,
    more: rows.length > LIST_LIMIT,
  });
}
