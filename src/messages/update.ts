import type { IncidentRow, StakeholderUpdateRow } from "../db/schema/index.js";
import { customersAffectedLine } from "../domain/caller-figures.js";
import { STATUS_LABELS } from "../domain/incident.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { impactBlocks, recordedImpactOf } from "./floor.js";
import {
  channelMention,
  clip,
  escapeMrkdwn,
  mrkdwn,
  plain,
  slackDate,
  userMention,
  workPlaceMention,
} from "./text.js";

type UpdateIncident = Pick<
  IncidentRow,
  "number" | "title" | "priority" | "major" | "status" | "ownerId" | "channelId"
> &
  Partial<Pick<IncidentRow, "callsQueued" | "abandonmentRate" | "affectedQueue" | "impactRecordedAt">>;
type Update = Pick<StakeholderUpdateRow, "happening" | "customerImpact" | "nextUpdateAt" | "author">;

/**
 * A stakeholder update. The same text goes to the incident channel and every stakeholder
 * channel; it carries no caller reference (the form warns not to type one), and of the callers
 * only how many there are so far.
 */
export function stakeholderUpdateMessage(i: UpdateIncident, u: Update, timezone: string, callers = 0) {
  const affected = customersAffectedLine(callers);
  const ref = formatReference(i.number);
  // MAJOR as the card and the stakeholder notices show it, so no reader can miss it here.
  const heading = `${ref} update · ${i.priority}${isMajor(i) ? " · MAJOR" : ""} · ${STATUS_LABELS[i.status]}`;
  return {
    text: escapeMrkdwn(`${heading}: ${clip(i.title, 150)}`),
    blocks: [
      { type: "header", text: plain(heading, 150) },
      { type: "section", text: mrkdwn(`*${escapeMrkdwn(clip(i.title, 150))}*`) },
      { type: "section", text: mrkdwn(`*What is happening*\n${escapeMrkdwn(clip(u.happening, 2800))}`) },
      {
        type: "section",
        text: mrkdwn(`*Customer impact now*\n${escapeMrkdwn(clip(u.customerImpact, 2800))}`),
      },
      ...(affected ? [{ type: "context", elements: [mrkdwn(affected)] }] : []),
      ...impactBlocks(recordedImpactOf(i), timezone),
      {
        type: "section",
        fields: [
          mrkdwn(`*Owner*\n${userMention(i.ownerId)}`),
          mrkdwn(`*Next update by*\n${slackDate(u.nextUpdateAt, timezone)}`),
          mrkdwn(`*Posted by*\n${userMention(u.author)}`),
          mrkdwn(`*Incident channel*\n${workPlaceMention(i)}`),
        ],
      },
    ],
  };
}

export function noteMessage(p: { reference: string; author: string; text: string }) {
  const body = `:memo: <@${p.author}> noted on ${p.reference}:\n${escapeMrkdwn(clip(p.text, 2800))}`;
  return { text: body, blocks: [{ type: "section", text: mrkdwn(body) }] };
}

export function deliveryFailureNotice(p: {
  reference: string;
  purpose: string;
  channel: string;
  error: string;
}) {
  const what = p.purpose === "stakeholder_update" ? "an update" : p.purpose.replace(/_/g, " ");
  const body =
    `:warning: I couldn't post ${what} for *${p.reference}* to ${channelMention(p.channel)}: \`${p.error}\`.\n` +
    "Check that the channel still exists and that I am a member (`/invite @Switchboard`), then post the update again.";
  return { text: body, blocks: [{ type: "section", text: mrkdwn(body) }] };
}

const VIA_WORDS: Record<string, string> = { email: "email", webhook: "webhook call" };

/**
 * The reporter's DM when an incident they were told is resolved (or closed) comes back: who
 * reopened it and why, and what callers should be told now: the briefing that applies again
 * (`script`), or, with none, only that it is no longer fixed.
 */
export function reporterReopenedDm(
  i: Pick<IncidentRow, "number" | "title" | "channelId"> & Partial<Pick<IncidentRow, "workingChannelId">>,
  p: { by: string; reason: string | null; script: string | null },
) {
  const ref = formatReference(i.number);
  const title = escapeMrkdwn(clip(i.title, 150));
  const why = p.reason ? `: ${escapeMrkdwn(clip(p.reason, 500))}` : ".";
  const callers = p.script
    ? `*Callers should now be told:* ${escapeMrkdwn(clip(p.script, 1500))}`
    : "*Callers should no longer be told it is fixed.*";
  const text = `:leftwards_arrow_with_hook: *${ref}*, which you logged, is open again: _${title}_.\n*Reopened by* ${userMention(p.by)}${why}\n${callers}`;
  return {
    text: clip(text, 3000),
    blocks: [
      { type: "section", text: mrkdwn(clip(text, 3000)) },
      { type: "context", elements: [mrkdwn(`More in ${workPlaceMention(i)}.`)] },
    ],
  };
}

/** The owner's DM when an email or webhook to an audience of the plan failed for good. */
export function externalFailureNotice(p: {
  reference: string;
  via: string;
  audience: string;
  milestone: string;
  error: string;
}) {
  const what = VIA_WORDS[p.via] ?? p.via;
  const body =
    `:warning: I couldn't deliver the ${what} to *${escapeMrkdwn(clip(p.audience, 100))}* about *${p.reference}* ` +
    `(${p.milestone.replace(/_/g, " ")}): \`${escapeMrkdwn(clip(p.error, 300))}\`.\n` +
    "They have not been told. Tell them another way, and log it with *Log a communication*; ask your Switchboard admin to check the communication plan.";
  return { text: body, blocks: [{ type: "section", text: mrkdwn(body) }] };
}

/** The reporter's DM when the incident they logged is resolved (with the summary) or closed. */
export function reporterResolvedDm(
  i: Pick<IncidentRow, "number" | "title" | "resolutionSummary" | "callersNow" | "channelId">,
  milestone: "resolved" | "closed",
) {
  const ref = formatReference(i.number);
  const title = escapeMrkdwn(clip(i.title, 150));
  if (milestone === "closed") {
    const text = `:lock: *${ref}*, which you logged, is now closed: _${title}_. Thank you for reporting it.`;
    return { text, blocks: [{ type: "section", text: mrkdwn(text) }] };
  }
  const summary = i.resolutionSummary
    ? `\n*How it was resolved:* ${escapeMrkdwn(clip(i.resolutionSummary, 1500))}`
    : "";
  const callers = i.callersNow
    ? `\n*What to tell callers now:* ${escapeMrkdwn(clip(i.callersNow, 1000))}`
    : "";
  const text = `:white_check_mark: *${ref}*, which you logged, is resolved: _${title}_.${summary}${callers}`;
  return {
    text: clip(text, 3000),
    blocks: [
      { type: "section", text: mrkdwn(clip(text, 3000)) },
      { type: "context", elements: [mrkdwn(`More in ${workPlaceMention(i)}.`)] },
    ],
  };
}
