import { confirmationsOf, getBriefing, sentBriefingPosts } from "../db/queries/briefings.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { lastReopenOf } from "../db/queries/reopens.js";
import { editMessage } from "../delivery/edit.js";
import { outboxKey } from "../delivery/purposes.js";
import { briefingStatus } from "../domain/floor.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { keepPracticeTag } from "../domain/practice-redirect.js";
import { briefingMessage } from "../messages/floor.js";
import type { Deps } from "./deps.js";

/** A briefing's post as it should read now (with the confirmations so far); null if it is gone. */
export async function renderBriefingPost(deps: Pick<Deps, "db" | "policy">, briefingId: string) {
  const briefing = await getBriefing(deps.db, briefingId);
  if (!briefing) return null;
  const [incident, confirmations] = await Promise.all([
    getIncidentById(deps.db, briefing.incidentId),
    confirmationsOf(deps.db, briefingId),
  ]);
  if (!incident) return null;
  const status = briefingStatus(deps.policy.teams, confirmations);
  // Worked again after a reopen: the post says the floor is to be briefed again.
  const reopened =
    incident.reopenCount > 0 && isOpenStatus(incident.status)
      ? await lastReopenOf(deps.db, incident.id)
      : null;
  return briefingMessage(incident, briefing, status, deps.policy.timezone, reopened?.at ?? null);
}

/**
 * Edits a briefing's posts in the agents' channels to show which teams have confirmed.
 * Rendering reads the current confirmations, so a late or repeated run shows the newest state.
 * A post not delivered yet is skipped: it is rendered when the briefing is posted.
 */
export async function refreshBriefingPosts(deps: Deps, briefingId: string): Promise<number> {
  const [message, posts] = await Promise.all([
    renderBriefingPost(deps, briefingId),
    sentBriefingPosts(deps.db, outboxKey.briefingPosts(briefingId)),
  ]);
  if (!message) return 0;
  let edited = 0;
  for (const post of posts) {
    if (!post.postedChannel || !post.ts) continue;
    // A drill's briefing, shown in its channel, keeps the line naming where it would have gone.
    const drawn = keepPracticeTag(post.message, message as Record<string, unknown>);
    const done = await editMessage(deps.slack, { channel: post.postedChannel, ts: post.ts }, drawn);
    if (done.ok) edited += 1;
    else
      deps.logger.warn(
        { briefingId, channel: post.postedChannel, error: done.error },
        "briefing post not updated",
      );
  }
  return edited;
}
