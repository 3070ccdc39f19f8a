import type { IncidentRow, StakeholderUpdateRow } from "../../db/schema/index.js";
import { STATUS_LABELS } from "../../domain/incident.js";
import { formatReference } from "../../domain/reference.js";
import { impactBlocks, recordedImpactOf } from "./floor.js";
import { channelMention, clip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention } from "./text.js";

type UpdateIncident = Pick<
  IncidentRow,
  "number" | "title" | "priority" | "status" | "ownerId" | "channelId"
> &
  Partial<Pick<IncidentRow, "callsQueued" | "abandonmentRate" | "affectedQueue" | "impactRecordedAt">>;
type Update = Pick<StakeholderUpdateRow, "happening" | "customerImpact" | "nextUpdateAt" | "author">;

/**
 * A stakeholder update. The same text goes to the incident channel and every stakeholder
 * channel; it carries no caller reference (the form warns not to type one).
 */
export function stakeholderUpdateMessage(i: UpdateIncident, u: Update, timezone: string) {
  const ref = formatReference(i.number);
  const heading = `${ref} update · ${i.priority} · ${STATUS_LABELS[i.status]}`;
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
      ...impactBlocks(recordedImpactOf(i), timezone),
      {
        type: "section",
        fields: [
          mrkdwn(`*Owner*\n${userMention(i.ownerId)}`),
          mrkdwn(`*Next update by*\n${slackDate(u.nextUpdateAt, timezone)}`),
          mrkdwn(`*Posted by*\n${userMention(u.author)}`),
          mrkdwn(`*Incident channel*\n${channelMention(i.channelId)}`),
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
