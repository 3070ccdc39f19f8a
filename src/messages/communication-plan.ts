import type { Audience } from "../domain/communications.js";
import type { Priority } from "../domain/incident.js";
import { channelMention, clip, escapeMrkdwn, mrkdwn } from "./text.js";

/** The plan's audiences that hear anything about an incident of this priority. */
const reachable = (plan: readonly Audience[], priority: Priority) =>
  plan.filter((a) => !a.priorities || a.priorities.includes(priority));

/** "email: Executives (3)", "webhook: Status page", "#cc-stakeholders, #exec-room". */
function audienceWords(a: Audience): string {
  const label = escapeMrkdwn(clip(a.label, 60));
  switch (a.via) {
    case "slack":
      return a.channels.map(channelMention).join(", ");
    case "email":
      return `email: ${label} (${a.to.length})`;
    case "webhook":
      return `webhook: ${label}`;
  }
}

/**
 * The card's line on who hears about the incident ("Told: #cc-stakeholders · email: Executives
 * (3) · webhook: Status page"), or null when its plan has nobody. Addresses and URLs stay in the
 * policy: the card names audiences and counts recipients.
 */
export function planLine(
  plan: readonly Audience[],
  priority: Priority,
  /** A practice drill (issue 23): nobody is told; its channel shows what they would have been. */
  practice = false,
): string | null {
  const parts = reachable(plan, priority)
    .map(audienceWords)
    .filter((w) => w !== "");
  if (parts.length === 0) return null;
  return practice
    ? `Practice: nobody is told. Would tell: ${parts.join(" · ")} (Slack posts shown in this channel)`
    : `Told: ${parts.join(" · ")}`;
}

/**
 * The *Post update* form's choices: every audience of the plan that hears updates about an
 * incident of this priority, each a checkbox (ticked by default).
 */
export function updateAudienceOptions(plan: readonly Audience[], priority: Priority) {
  return reachable(plan, priority)
    .filter((a) => !a.notify || a.notify.includes("update"))
    .map((a) => ({
      value: a.key,
      // An option's text and description hold at most 75 characters each (mentions included).
      text: mrkdwn(`*${escapeMrkdwn(clip(a.label, 60))}*`, OPTION_MAX),
      description: mrkdwn(optionDetail(a), OPTION_MAX),
    }));
}

const OPTION_MAX = 75;

function optionDetail(a: Audience): string {
  switch (a.via) {
    case "slack": {
      const named = `Slack: ${a.channels.map(channelMention).join(", ")}`;
      return named.length <= OPTION_MAX ? named : `Slack: ${a.channels.length} channels`;
    }
    case "email":
      return `email to ${a.to.length} address${a.to.length === 1 ? "" : "es"}`;
    case "webhook":
      return "webhook";
  }
}
