import { searchOpenIncidents } from "../../db/queries/known-incidents.js";
import { describeError } from "../../lib/logger.js";
import { knownIncidentOptions } from "../../messages/caller-modal.js";
import type { Deps } from "../../services/deps.js";
import type { OptionsArgs } from "../listeners.js";
import { normaliseText } from "../parse/fields.js";

/** Typed text longer than this is cut before it is matched (a title is at most 150 characters). */
const MAX_TYPED = 150;

/**
 * The Log form's search: open incidents whose title, affected service or reference contains
 * what the agent typed, at most 10. One indexed statement, well inside Slack's 3 s; if the
 * database fails, the list is empty (the agent can still log a new incident).
 */
export async function onKnownIncidentSearch(deps: Deps, { ack, payload }: OptionsArgs): Promise<void> {
  const typed = normaliseText(payload.value ?? "")
    .trim()
    .slice(0, MAX_TYPED);
  if (typed === "") return void (await ack({ options: [] }));
  try {
    const found = await searchOpenIncidents(deps.db, typed, 10);
    await ack(knownIncidentOptions(found));
  } catch (err) {
    deps.logger.warn({ err: describeError(err) }, "known incident search failed");
    await ack({ options: [] });
  }
}
