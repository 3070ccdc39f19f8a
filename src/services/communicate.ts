import type { Tx } from "../db/client.js";
import { briefingIdsOf } from "../db/queries/briefings.js";
import { appendLog } from "../db/queries/incident-log.js";
import type { NewOutboxMessage } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey, type Purpose } from "../delivery/purposes.js";
import { type ChangeEntry, hears, type Milestone, milestonesOf } from "../domain/milestones.js";
import { notifyListOf } from "../domain/policy-types.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { floorReopenedPost, floorResolvedPost } from "../messages/floor.js";
import { milestoneNotice } from "../messages/milestone.js";
import { narrativeLines, narrativeMessage } from "../messages/narrative.js";
import { reporterResolvedDm } from "../messages/update.js";
import type { Deps } from "./deps.js";

/**
 * Who hears about a change, written in the change's own transaction so that it is told
 * exactly when the change happened, and never twice (each post keyed by the incident's new
 * version):
 * - each stakeholder channel of the type, the milestones its `notify` list names;
 * - the incident channel, one line of who did what;
 * - the reporter, by DM, when the incident is resolved and when it is closed;
 * - the agents' channels, when an incident they were briefed on is resolved or comes back.
 * Returns the posts; their delivery is queued with the change's other posts.
 */
export async function communicateChange(
  tx: Tx,
  deps: Deps,
  after: IncidentRow,
  entries: readonly ChangeEntry[],
  actor: string,
): Promise<{ posts: NewOutboxMessage[]; briefings: string[] }> {
  const post = (purpose: Purpose, channel: string, suffix: string, message: object): NewOutboxMessage => ({
    incidentId: after.id,
    dedupeKey: outboxKey.change(purpose, after, suffix),
    purpose,
    channel,
    message: message as Record<string, unknown>,
  });
  const posts: NewOutboxMessage[] = [];

  const resolveTargetMs = deps.policy.sla[after.priority]?.resolveMs ?? null;
  const events = milestonesOf(entries, actor, after, resolveTargetMs);
  const channels = stakeholderChannelsFor(deps, after.type);
  for (const event of events) {
    const notice = milestoneNotice(after, event);
    for (const channel of channels.filter((c) => c.hears(event.milestone)))
      posts.push(post("milestone", channel.id, `${event.milestone}:${channel.id}`, notice));
  }

  const lines = narrativeLines(entries, actor);
  if (after.channelId && lines.length > 0)
    posts.push(
      post(
        "channel_line",
        after.channelId,
        "line",
        narrativeMessage(lines, deps.clock.now(), deps.policy.timezone),
      ),
    );

  const over = events.find((e) => e.milestone === "resolved" || e.milestone === "closed");
  if (over && after.reporterId !== actor && after.reporterId !== deps.botUserId)
    posts.push(
      post("reporter_update", after.reporterId, over.milestone, reporterResolvedDm(after, over.milestone)),
    );

  const floorNews = events.find((e) => e.milestone === "resolved" || e.milestone === "reopened");
  const briefings = floorNews ? await briefingIdsOf(tx, after.id) : [];
  const agentChannels = [...new Set(deps.policy.agentChannels)];
  if (floorNews && briefings.length > 0 && agentChannels.length > 0) {
    const message =
      floorNews.milestone === "resolved"
        ? floorResolvedPost(after)
        : floorReopenedPost(after, floorNews.milestone === "reopened" ? floorNews.reason : null);
    posts.push(...agentChannels.map((c) => post("floor_notice", c, c, message)));
    await appendLog(tx, {
      incidentId: after.id,
      actor,
      kind: floorNews.milestone === "resolved" ? "agents_told_resolved" : "agents_told_reopened",
      details: { channels: agentChannels },
    });
  }
  return { posts, briefings };
}

/** The stakeholder channels of a type, each with the milestones it hears. */
export function stakeholderChannelsFor(deps: Pick<Deps, "policy">, type: string) {
  const notify = notifyListOf(deps.policy, type);
  return [...new Set(deps.policy.incidentTypes[type]?.stakeholderChannels ?? [])].map((id) => ({
    id,
    hears: (m: Milestone) => hears(notify, m),
  }));
}

/** Redraws an incident's briefing posts (resolved banner, or live again after a reopen). */
export async function refreshBriefings(deps: Deps, briefingIds: readonly string[], version: number) {
  for (const briefingId of briefingIds) {
    await deps.jobs
      .enqueue("briefing.refresh", { briefingId }, { jobId: jobIds.briefingRefresh(briefingId, version) })
      .catch((e: unknown) =>
        deps.logger.warn({ briefingId, err: describeError(e) }, "briefing post refresh not queued"),
      );
  }
}
