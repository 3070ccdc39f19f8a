import type { IncidentRow } from "../db/schema/index.js";
import { formatReference } from "../domain/reference.js";
import { headline } from "./incident-card.js";
import { escapeMrkdwn, mrkdwn, plain } from "./text.js";

type Promoted = Pick<IncidentRow, "number" | "title" | "priority" | "major"> & { channelId: string };

/** Why it moved, in words: a person's click, or its priority or major flag. */
function why(by: string | null): string {
  return by ? `<@${by}> opened a channel for it.` : "Its priority now calls for a channel of its own.";
}

/** Posted in the thread a routine incident was worked in, once it has a channel of its own. */
export function promotedThreadLink(i: Promoted, by: string | null) {
  const ref = formatReference(i.number);
  const text = `${ref} now has its own channel: <#${i.channelId}>. Carry on there.`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:arrow_right: *This incident now has its own channel: <#${i.channelId}>.* Carry on there. ${why(by)}`,
        ),
      },
    ],
  };
}

/**
 * What the card in the working channel becomes once the incident has a channel of its own: a
 * short pointer there, without buttons, so nobody works it from a card that no longer changes.
 */
export function promotedCardStub(i: Promoted) {
  const title = headline(i);
  return {
    text: `${escapeMrkdwn(title)}: now in <#${i.channelId}>`,
    blocks: [
      { type: "header", text: plain(title, 150) },
      {
        type: "section",
        text: mrkdwn(
          `:arrow_right: *${formatReference(i.number)}* (${i.priority}) has its own channel now: <#${i.channelId}>. Its card, updates and buttons are there.`,
        ),
      },
    ],
  };
}
