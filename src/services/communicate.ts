import type { Tx } from "../db/client.js";
import { briefingIdsOf, latestScriptOf } from "../db/queries/briefings.js";
import { callerCountsOf } from "../db/queries/caller-reports.js";
import { appendLog } from "../db/queries/incident-log.js";
import type { NewOutboxMessage } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey, type Purpose } from "../delivery/purposes.js";
import { audiencesFor, planFor } from "../domain/communications.js";
import { type ChangeEntry, type Milestone, milestonesOf } from "../domain/milestones.js";
import { clockPolicyOf } from "../domain/practice-clocks.js";
import { postAt, workPlaceOf } from "../domain/work-place.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { floorReopenedPost, floorResolvedPost } from "../messages/floor.js";
import { milestoneNotice } from "../messages/milestone.js";
import { narrativeLines, narrativeMessage } from "../messages/narrative.js";
import { reporterReopenedDm, reporterResolvedDm } from "../messages/update.js";
import type { Deps } from "./deps.js";
import { writeExternalDeliveries } from "./external-comms.js";

/**
 * Who hears about a change, written in the change's own transaction so that it is told
 * exactly when the change happened, and never twice (each post keyed by the incident's new
 * version):
 * - each stakeholder channel of the type, the milestones its `notify` list names;
 * - the incident channel, one line of who did what;
 * - the reporter, by DM, when the incident is resolved, when it is closed and when it comes back;
 * - the agents' channels, when an incident they were briefed on is resolved or comes back.
 * Returns the posts; their delivery is queued with the change's other posts.
 */
export async function communicateChange(
  tx: Tx,
  deps: Deps,
  after: IncidentRow,
  entries: readonly ChangeEntry[],
  actor: string,
): Promise<{ posts: NewOutboxMessage[]; briefings: string[]; external: string[] }> {
  const post = (purpose: Purpose, channel: string, suffix: string, message: object): NewOutboxMessage => ({
    incidentId: after.id,
    dedupeKey: outboxKey.change(purpose, after, suffix),
    purpose,
    channel,
    message: message as Record<string, unknown>,
  });
  const posts: NewOutboxMessage[] = [];

  const resolveTargetMs = clockPolicyOf(deps.policy, after).sla[after.priority]?.resolveMs ?? null;
  const events = milestonesOf(entries, actor, after, resolveTargetMs);
  const channels = stakeholderChannelsFor(deps, after);
  const external: string[] = [];
  const occurredAt = deps.clock.now();
  // How many customers called so far helps stakeholders size it: one count, never who.
  const heard = events.length > 0 && channels.length > 0;
  const callers = heard ? (await callerCountsOf(tx, after.id, occurredAt)).callers : 0;
  for (const event of events) {
    const notice = milestoneNotice(after, event, callers);
    for (const channel of channels.filter((c) => c.hears(event.milestone)))
      posts.push(post("milestone", channel.id, `${event.milestone}:${channel.id}`, notice));
    external.push(
      ...(await writeExternalDeliveries(tx, deps, after, event, { occasion: after.version, occurredAt })),
    );
  }

  const lines = narrativeLines(entries, actor);
  const place = workPlaceOf(after);
  if (place && lines.length > 0) {
    const line = postAt(place, narrativeMessage(lines, deps.clock.now(), deps.policy.timezone));
    posts.push(post("channel_line", line.channel, "line", line.message));
  }

  const reporterHears = after.reporterId !== actor && after.reporterId !== deps.botUserId;
  const over = events.find((e) => e.milestone === "resolved" || e.milestone === "closed");
  if (over && reporterHears)
    posts.push(
      post("reporter_update", after.reporterId, over.milestone, reporterResolvedDm(after, over.milestone)),
    );
  // Told it was fixed, the reporter hears that it is not, and what callers should be told now.
  const back = events.find((e) => e.milestone === "reopened");
  if (back?.milestone === "reopened" && reporterHears) {
    const script = await latestScriptOf(tx, after.id);
    const dm = reporterReopenedDm(after, { by: back.by, reason: back.reason, script });
    posts.push(post("reporter_update", after.reporterId, "reopened", dm));
  }

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
  return { posts, briefings, external };
}

/**
 * The Slack channels of the incident's communication plan (its type's stakeholder channels
 * included), each with whether it hears a milestone at the incident's priority. `only`: the
 * audience keys an author chose for a stakeholder update.
 */
export function stakeholderChannelsFor(
  deps: Pick<Deps, "policy">,
  incident: Pick<IncidentRow, "type" | "priority">,
  only?: ReadonlySet<string> | null,
) {
  const slack = planFor(deps.policy, incident.type).filter(
    (a) => a.via === "slack" && (!only || only.has(a.key)),
  );
  return [...new Set(slack.flatMap((a) => a.channels))].map((id) => {
    const audiences = slack.filter((a) => a.channels.includes(id));
    return {
      id,
      hears: (m: Milestone) => audiencesFor(audiences, m, incident.priority).length > 0,
    };
  });
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
