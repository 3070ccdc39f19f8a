import { z } from "zod";
import { getIncidentById } from "../../db/queries/incidents.js";
import type { IncidentRow } from "../../db/schema/index.js";
import type { Deps } from "../../services/deps.js";
import { STALE_BUTTON } from "./unknown.js";

const ButtonAction = z.object({ value: z.uuid() });

/**
 * The incident a card button carries as its value; null once the clicker has been told why
 * not (a button from an older card, or an incident that no longer exists).
 */
export async function incidentOfButton(
  deps: Deps,
  action: unknown,
  say: (text: string) => Promise<unknown>,
): Promise<IncidentRow | null> {
  const parsed = ButtonAction.safeParse(action);
  if (!parsed.success) {
    await say(STALE_BUTTON);
    return null;
  }
  const incident = await getIncidentById(deps.db, parsed.data.value);
  if (!incident) await say("That incident no longer exists.");
  return incident;
}
