import { clip, escapeMrkdwn, mrkdwn, workPlaceMention } from "./text.js";

/** Longest handover note: enough for a shift's state of play, short enough to read at a glance. */
export const HANDOVER_NOTE_MAX = 1000;

const quoted = (note: string) =>
  clip(note, HANDOVER_NOTE_MAX)
    .split(/\r?\n/)
    .map((line) => `> ${escapeMrkdwn(line)}`)
    .join("\n");

/** Posted in the incident channel, so everyone working it knows whom to ask now. */
export function handoverAnnouncement(p: {
  reference: string;
  from: string;
  to: string;
  by: string;
  note: string;
}) {
  const who = p.by === p.from ? `<@${p.from}>` : `<@${p.by}> (for <@${p.from}>)`;
  const head = `:arrows_counterclockwise: ${who} handed *${p.reference}* over to <@${p.to}>, who owns it now.`;
  return {
    text: `${p.reference} handed over to <@${p.to}>`,
    blocks: [
      { type: "section", text: mrkdwn(head) },
      { type: "section", text: mrkdwn(`*Handover note*\n${quoted(p.note)}`) },
    ],
  };
}

/** DM to the new owner: what they now own, the note, and where to go. */
export function handoverDm(p: {
  reference: string;
  title: string;
  priority: string;
  from: string;
  note: string;
  channelId: string | null;
  /** The working channel of a routine incident worked in a thread there. */
  workingChannelId?: string | null;
}) {
  const where =
    p.channelId || p.workingChannelId
      ? `Pick it up in ${workPlaceMention(p)}.`
      : "Its channel is still being created.";
  const head = `:arrows_counterclockwise: <@${p.from}> handed *${p.reference}* (${p.priority}) over to you: *${escapeMrkdwn(clip(p.title, 150))}*. You own it now.`;
  return {
    text: `You now own ${p.reference}`,
    blocks: [
      { type: "section", text: mrkdwn(head) },
      { type: "section", text: mrkdwn(`*Handover note*\n${quoted(p.note)}`) },
      { type: "context", elements: [mrkdwn(where)] },
    ],
  };
}
