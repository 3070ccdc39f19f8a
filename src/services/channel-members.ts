import type { IncidentRow } from "../db/schema/index.js";
import { classifySlackError, slackErrorCode } from "../slack/errors.js";
import { RetryLater } from "./deliver.js";
import type { Deps } from "./deps.js";

/** Answers that say Slack itself was in trouble, not that the invite cannot be made. */
const SLACK_TROUBLE = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);

/**
 * A private incident channel (policy `incident_channels: private`) can be found only by its
 * members, so its owner, who works the incident from the card there, is brought in by the bot:
 * once the channel exists, and again with every card refresh, which follows each change
 * (assignments and handovers included). A public channel needs none of this: anyone can join.
 * The reporter, invited at set-up, is not invited again: a reporter who left chose to.
 */
export async function inviteOwner(deps: Deps, incident: IncidentRow): Promise<void> {
  const owner = incident.ownerId;
  if (deps.policy.incidentChannels !== "private" || !incident.channelId || !owner) return;
  if (owner === deps.botUserId || owner === incident.reporterId) return;
  try {
    await deps.slack.conversations.invite({ channel: incident.channelId, users: owner });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === "already_in_channel") return;
    if (code === null || SLACK_TROUBLE.has(code)) {
      const failure = classifySlackError(err);
      throw new RetryLater(failure.kind === "rate_limited" ? failure.retryAfterMs : null, failure.detail);
    }
    // A deactivated or guest account, or a channel gone: nothing a retry would change.
    deps.logger.warn({ incidentId: incident.id, channel: incident.channelId, code }, "owner not invited");
  }
}
