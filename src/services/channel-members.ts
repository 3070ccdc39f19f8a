import { appendLog, appendLogOnceMatching, hasLogEntry } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { wasPosted } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { RetryLater } from "../delivery/retry-later.js";
import { classifySlackError, slackErrorCode } from "../delivery/slack-errors.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { formatReference } from "../domain/reference.js";
import { channelMention } from "../messages/text.js";
import type { Deps } from "./deps.js";

/** Answers that say Slack itself was in trouble, not that the invite cannot be made. */
const SLACK_TROUBLE = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * The owner works the incident from the card in its channel, and Slack notifies only members:
 * so the bot brings each owner in, public channel or private, once the channel exists and again
 * with every card refresh, which follows each change (assignments and handovers included).
 * Each owner is invited once: the log's `owner_invited` entry says so, and later refreshes leave
 * alone an owner who has since left. The reporter, invited at set-up, is not invited again: a
 * reporter who left chose to.
 */
export async function inviteOwner(deps: Deps, incident: IncidentRow): Promise<void> {
  const owner = incident.ownerId;
  const channel = incident.channelId;
  if (!channel || !owner) return;
  if (owner === deps.botUserId || owner === incident.reporterId) return;
  const entry = { user: owner, channel };
  if (await hasLogEntry(deps.db, { incidentId: incident.id, kind: "owner_invited", details: entry })) return;
  try {
    await deps.slack.conversations.invite({ channel, users: owner });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === null || SLACK_TROUBLE.has(code)) {
      const failure = classifySlackError(err);
      throw new RetryLater(failure.kind === "rate_limited" ? failure.retryAfterMs : null, failure.detail);
    }
    if (code !== "already_in_channel") {
      // A deactivated or guest account, or a channel gone: nothing a retry would change.
      deps.logger.warn({ incidentId: incident.id, channel, code }, "owner not invited");
      return;
    }
  }
  // Two refreshes at once may both invite: Slack answers the second already_in_channel, and
  // the entry is written once.
  await appendLogOnceMatching(deps.db, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "owner_invited",
    details: entry,
  });
}

/**
 * "Join the incident channel" on a request for help about an incident in a private channel:
 * invites the clicker. Only the request as it landed counts (its channel and message, from
 * Slack's payload, must be where that incident's request was posted), so an edited button
 * value or a copy of the button elsewhere opens no channel. Each join is logged.
 */
export async function joinFromHelpRequest(
  deps: Deps,
  p: { incidentId: string; actor: string; channel: string | undefined; ts: string | undefined },
): Promise<string> {
  const incident = await getIncidentById(deps.db, p.incidentId);
  if (!incident) return "That incident no longer exists.";
  const ref = formatReference(incident.number);
  const posted =
    p.channel !== undefined &&
    p.ts !== undefined &&
    (await wasPosted(deps.db, {
      incidentId: incident.id,
      purpose: "help_request",
      channel: p.channel,
      ts: p.ts,
    }));
  if (!posted || !incident.channelId) return `This button works only on the request for help with ${ref}.`;
  if (!isOpenStatus(incident.status)) return `${ref} is no longer open, so there is nothing to help with.`;
  const channel = incident.channelId;
  try {
    await deps.slack.conversations.invite({ channel, users: p.actor });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === "already_in_channel") return `You are already in ${channelMention(channel)}.`;
    deps.logger.warn({ incidentId: incident.id, channel, code }, "helper not invited");
    return code === null || SLACK_TROUBLE.has(code)
      ? "Couldn't add you just now. Please press the button again in a moment."
      : `Couldn't add you to ${channelMention(channel)} (${code}). Ask someone in it to invite you.`;
  }
  await appendLog(deps.db, {
    incidentId: incident.id,
    actor: p.actor,
    kind: "channel_joined",
    details: { user: p.actor, channel },
  });
  return `You are in ${channelMention(channel)} now, to help with ${ref}.`;
}
