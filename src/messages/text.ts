import { SYSTEM_ACTOR } from "../domain/log.js";
import { timeParts } from "../domain/readable-time.js";
/** Block Kit text helpers. Slack counts characters; these keep every string inside its limit. */
export const plain = (text: string, max = 3000) => ({
  type: "plain_text" as const,
  text: clip(text, max),
  emoji: true,
});
export const mrkdwn = (text: string, max = 3000) => ({ type: "mrkdwn" as const, text: clip(text, max) });

export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** Escapes the three characters Slack treats as markup in mrkdwn and plain message text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escaped like escapeMrkdwn, then clipped so that the escaped text is at most `max` UTF-16 units. */
export function escapeClip(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = "";
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** A date Slack renders in each reader's own time zone, with a fallback in the policy's zone. */
export function slackDate(at: Date, zone: string): string {
  const unix = Math.floor(at.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${fallbackDate(at, zone)}>`;
}

/** "23 Nov 2026 10:05 GMT": what Slack shows where it cannot render the date token. */
function fallbackDate(at: Date, zone: string): string {
  const p = timeParts(at, zone);
  return `${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute} ${p.zone}`;
}

/** A person as Slack shows them; the `system` actor (an automatic change) reads "Switchboard". */
export const userMention = (id: string | null | undefined) =>
  id === SYSTEM_ACTOR ? "Switchboard" : id ? `<@${id}>` : "_unassigned_";
export const channelMention = (id: string | null | undefined) => (id ? `<#${id}>` : "_being created…_");

/**
 * Where an incident is worked, for a reader: its channel, or, for a routine incident worked in
 * a thread under its card, that thread's channel ("its thread in #incidents").
 */
export const workPlaceMention = (i: {
  channelId: string | null;
  workingChannelId?: string | null;
}): string =>
  i.channelId || !i.workingChannelId ? channelMention(i.channelId) : `its thread in <#${i.workingChannelId}>`;
