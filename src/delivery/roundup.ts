import { getIncidentsByIds } from "../db/queries/incidents.js";
import { claimLaneHead, laneHasPending } from "../db/queries/outbox.js";
import type { OutboxRow } from "../db/schema/index.js";
import { typeLabel } from "../domain/policy-types.js";
import { isRedirected, practiceRoundup } from "../domain/practice-redirect.js";
import { announcementLine, announcementRoundup, MAX_ROUNDUP } from "../messages/incident-card.js";
import { milestoneRoundup } from "../messages/milestone.js";
import { storyRoundup } from "../messages/narrative.js";
import type { DeliveryDeps } from "./deps.js";
import { postTagged, threadOf } from "./post.js";
import { probeLanded } from "./probe.js";
import { LANE_PURPOSES, ROUNDUP_FAMILIES } from "./purposes.js";
import { handleFailure, recordSent } from "./settle.js";
import { classifySlackError } from "./slack-errors.js";

export interface RoundupOutcome {
  /** Rows settled by this turn (sent, or found to have been sent by an earlier try). */
  posted: number;
  /** Posts are left in the lane for the next turn. */
  more: boolean;
  /** The lane's head waits for a retry: the next turn is no sooner than this. */
  waitMs?: number;
  /** The lane's head is being posted by another delivery right now. */
  busy?: boolean;
}

/** Coming back for a head waiting for its retry this long after it is due (timers are not exact). */
const RETRY_MARGIN_MS = 20;

/**
 * Posts the head of a channel's lane when a turn in the channel comes: the oldest post waiting
 * there among the lane's purposes, as its own message, or, for a purpose that rounds up
 * (announcements, milestone notices, the incident channel's story lines), together with the
 * posts of that purpose right behind it, as one message listing them all. A channel takes about
 * one post a second, so incidents changing faster than that would otherwise queue for minutes;
 * and a lane is first in, first out, so stakeholders never read "reopened" before "resolved".
 * The message's metadata names every row it carries; a row claimed again after a try that may
 * have landed is looked for in the channel's history first, like any other post.
 */
export async function deliverRoundup(deps: DeliveryDeps, channel: string): Promise<RoundupOutcome> {
  const claim = await claimLaneHead(deps.db, {
    channel,
    purposes: [...LANE_PURPOSES],
    roundup: ROUNDUP_FAMILIES,
    leaseMs: deps.outboxLeaseMs,
    limit: MAX_ROUNDUP,
  });
  const { rows } = claim;
  // A head waiting for its retry: a turn once it is due. A head held by a delivery in
  // progress: that delivery carries the lane on when it is done.
  if (claim.retryInMs !== null) return { posted: 0, more: true, waitMs: claim.retryInMs + RETRY_MARGIN_MS };
  if (rows.length === 0) return { posted: 0, more: false, busy: true };
  const posted = await postLaneHead(deps, channel, rows);
  // Read after the post is recorded: a post queued while this one was in flight, whose job
  // found the lane busy and left it to this one, is seen here.
  const more = await laneHasPending(deps.db, { channel, purposes: [...LANE_PURPOSES] });
  return { posted, more };
}

/**
 * Posts the rows claimed at a lane's head as one message; returns how many it posted (rows it
 * gave up on are settled too). A failure worth retrying throws RetryLater.
 */
async function postLaneHead(deps: DeliveryDeps, channel: string, rows: OutboxRow[]): Promise<number> {
  const all = rows.map((row) => ({ row, attempt: row.attempts }));
  const probed = await probeLanded(deps, channel, all);
  if ("unreadable" in probed) {
    await handleFailure(deps, all, probed.unreadable, true);
    return 0;
  }
  // What an earlier try posted is recorded with the ts it landed at; the rest go now.
  const claims = probed.left;
  if (claims.length === 0) return rows.length;
  const pending = claims.map((c) => c.row);
  try {
    // The rows of one post share their thread, if any (claimLaneHead): the roundup goes there too.
    const thread = threadOf(pending[0]!);
    const gathered = pending.length === 1 ? pending[0]!.message : await roundupMessage(deps, pending);
    const message = thread ? { ...gathered, thread_ts: thread } : gathered;
    const res = await postTagged(
      deps.slack,
      channel,
      message,
      pending.map((r) => r.id),
    );
    await recordSent(deps, pending, res.channel, res.ts);
    return rows.length;
  } catch (err) {
    await handleFailure(deps, claims, classifySlackError(err), true);
    return rows.length - pending.length;
  }
}

async function roundupMessage(deps: DeliveryDeps, rows: OutboxRow[]): Promise<Record<string, unknown>> {
  // A drill's posts redirected to its channel show as written, under where they would have gone.
  if (rows.some((r) => isRedirected(r.message))) return practiceRoundup(rows.map((r) => r.message));
  if (rows.every((r) => r.purpose === "channel_line")) return storyRoundup(rows.map((r) => r.message));
  const label = (type: string) => typeLabel(deps.policy, type);
  const ids = rows.filter((r) => r.purpose === "announcement").map((r) => r.incidentId!);
  const incidents = ids.length ? await getIncidentsByIds(deps.db, ids) : [];
  if (rows.every((r) => r.purpose === "announcement")) return announcementRoundup(incidents, label);
  // New incidents and milestone notices, in the order they were written: a notice's text is
  // the whole of it; a new incident is its announcement line.
  const byId = new Map(incidents.map((i) => [i.id, i]));
  return milestoneRoundup(
    rows.map((r) => {
      const incident = r.purpose === "announcement" && r.incidentId ? byId.get(r.incidentId) : undefined;
      return incident
        ? `:rotating_light: New incident: ${announcementLine(incident, label)}`
        : String(r.message.text ?? "");
    }),
  );
}
