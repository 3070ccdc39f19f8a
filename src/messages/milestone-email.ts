import { callersWord } from "../domain/caller-figures.js";
import type { CommunicationEvent, IncidentSnapshot } from "../domain/communications.js";
import { assertNever, STATUS_LABELS } from "../domain/incident.js";
import { HOLD_REASON_LABELS } from "../domain/lifecycle.js";
import { isMajor } from "../domain/priority-matrix.js";
import { timeParts } from "../domain/readable-time.js";
import { sentence } from "../domain/sentence.js";
import { resolvedSentence } from "./milestone.js";
import { clip } from "./text.js";

/**
 * A milestone as an email to an audience of the communication plan: the same facts as the
 * Slack notice (what changed, reference, priority, status, next update by, where to follow it),
 * in plain words with people's names instead of Slack ids. Pure: the snapshot was taken when
 * the communication was written, so a retry renders the same mail. Never the caller reference:
 * the snapshot has none.
 */
export interface MilestoneEmailContext {
  /** Display name for a Slack user id. */
  names: (userId: string) => string;
  /** The policy's time zone, for "14:05 GMT, Mon 7 Dec". */
  timezone: string;
  /** The audience's label in the plan: "Executives". */
  audienceLabel: string;
  /** A link to the incident channel, or null when it has none (yet). */
  channelUrl: string | null;
}

export interface MilestoneEmail {
  subject: string;
  text: string;
  html: string;
}

/** What the subject says happened, after the reference: "INC-000123 resolved: …". */
function subjectWord(e: CommunicationEvent): string {
  switch (e.milestone) {
    case "logged":
      return "logged";
    case "update":
      return "update";
    case "acknowledged":
      return "acknowledged";
    case "owner_changed":
      return "new owner";
    case "priority_changed":
      return `priority ${e.from} → ${e.to}`;
    case "major_changed":
      return e.to ? "now a major incident" : "no longer a major incident";
    case "on_hold":
      return "on hold";
    case "resumed":
      return "work resumed";
    case "resolved":
      return "resolved";
    case "reopened":
      return "reopened";
    case "closed":
      return "closed";
    default:
      return assertNever(e);
  }
}

/**
 * One plain sentence of what changed, worded like the Slack notice (`milestoneLine`) but with
 * names and no mrkdwn. Not escaped: the HTML part escapes it as a whole.
 */
export function milestoneSentence(s: IncidentSnapshot, e: CommunicationEvent, names: (id: string) => string) {
  const reason = (r: string | null) => (r ? `: ${sentence(clip(r, 500))}` : ".");
  switch (e.milestone) {
    case "logged":
      return `New ${s.priority} incident logged by ${names(e.by)}.`;
    case "update":
      return `Update from ${names(e.by)}.`;
    case "acknowledged":
      return `Acknowledged by ${names(e.by)}${e.owner ? `; owner ${names(e.owner)}` : ""}.`;
    case "owner_changed":
      return e.to
        ? `Now owned by ${names(e.to)}${e.from ? ` (was ${names(e.from)})` : ""}.`
        : "Nobody owns it now.";
    case "priority_changed":
      return `Priority ${e.from} → ${e.to} (by ${names(e.by)})${reason(e.reason)}`;
    case "major_changed":
      return `${e.to ? "Now a major incident" : "No longer a major incident"} (by ${names(e.by)})${reason(e.reason)}`;
    case "on_hold":
      return `On hold: ${HOLD_REASON_LABELS[e.reason].toLowerCase()} (by ${names(e.by)}).`;
    case "resumed":
      return `Work resumed (by ${names(e.by)}).`;
    case "resolved":
      return resolvedSentence(e, names, (summary) => clip(summary, 2000));
    case "reopened":
      return `Reopened by ${names(e.by)}${e.wasClosed ? " after it was closed" : ""}${reason(e.reason)}`;
    case "closed":
      return `Closed by ${names(e.by)}. No further updates will follow.`;
    default:
      return assertNever(e);
  }
}

/** "14:05 GMT, Mon 7 Dec" in the policy's zone. */
export function emailDate(iso: string, zone: string): string {
  const p = timeParts(new Date(iso), zone);
  return `${p.hour}:${p.minute} ${p.zone}, ${p.weekday} ${p.day} ${p.month}`;
}

/** Headers hold one line: a title typed with a line break must not start a header of its own. */
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/** "[P1 · MAJOR] INC-000123 resolved: Payments line down". */
export function milestoneEmailSubject(s: IncidentSnapshot, e: CommunicationEvent): string {
  const major = isMajor(s) ? " · MAJOR" : "";
  return oneLine(`[${s.priority}${major}] ${s.reference} ${subjectWord(e)}: ${clip(s.title, 150)}`);
}

interface Section {
  heading: string;
  body: string;
}

interface Content {
  sentence: string;
  /** The update's own words, under headings. */
  sections: Section[];
  facts: Array<[label: string, value: string]>;
  channelUrl: string | null;
  footer: string;
}

function content(s: IncidentSnapshot, e: CommunicationEvent, ctx: MilestoneEmailContext): Content {
  const sections =
    e.milestone === "update"
      ? [
          { heading: "What is happening", body: clip(e.happening, 5000) },
          { heading: "Customer impact now", body: clip(e.customerImpact, 5000) },
        ]
      : [];
  // An update promises its own next time; other milestones show the update clock's.
  const nextUpdateBy = e.milestone === "update" ? e.nextUpdateAt : s.nextUpdateBy;
  const facts: Array<[string, string]> = [
    ["Reference", s.reference],
    ["Priority", `${s.priority}${isMajor(s) ? " (major incident)" : ""}`],
    ["Status", STATUS_LABELS[s.status]],
    ["Type", clip(s.typeLabel, 100)],
    ["Title", clip(s.title, 300)],
    ["Owner", s.ownerId ? ctx.names(s.ownerId) : "Nobody yet"],
    ["Logged at", emailDate(s.loggedAt, ctx.timezone)],
  ];
  if (nextUpdateBy) facts.push(["Next update by", emailDate(nextUpdateBy, ctx.timezone)]);
  if (s.callers) facts.push(["Customers affected so far", callersWord(s.callers)]);
  return {
    sentence: milestoneSentence(s, e, ctx.names),
    sections,
    facts,
    channelUrl: ctx.channelUrl,
    footer: `You receive this as ${clip(ctx.audienceLabel, 100)} in the communication plan of Switchboard.`,
  };
}

function textPart(c: Content): string {
  const lines = [c.sentence, ""];
  for (const section of c.sections) lines.push(`${section.heading}:`, section.body, "");
  for (const [label, value] of c.facts) lines.push(`${label}: ${value}`);
  if (c.channelUrl) lines.push("", `Follow it in Slack: ${c.channelUrl}`);
  lines.push("", "-- ", c.footer);
  return `${lines.join("\n")}\n`;
}

/** Escapes text for HTML content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Escaped, with the writer's line breaks kept as `<br>`. */
const htmlLines = (text: string) => escapeHtml(text).replace(/\r\n|\r|\n/g, "<br>");

// Inline styles only: most mail programs drop <style> blocks and never load stylesheets.
const STYLE = {
  body: "margin:0;padding:16px;background:#ffffff;color:#1d1c1d;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.4",
  sentence: "margin:0 0 16px;font-size:16px;font-weight:bold",
  heading: "margin:16px 0 4px;font-size:15px;font-weight:bold",
  para: "margin:0 0 12px",
  table: "border-collapse:collapse;margin:8px 0 16px",
  th: "text-align:left;vertical-align:top;padding:4px 16px 4px 0;color:#616061;font-weight:normal;white-space:nowrap",
  td: "vertical-align:top;padding:4px 0",
  link: "color:#1264a3",
  footer: "margin:24px 0 0;padding-top:8px;border-top:1px solid #dddddd;color:#616061;font-size:12px",
};

function htmlPart(c: Content): string {
  const sections = c.sections
    .map(
      (x) =>
        `<p style="${STYLE.heading}">${escapeHtml(x.heading)}</p><p style="${STYLE.para}">${htmlLines(x.body)}</p>`,
    )
    .join("");
  const rows = c.facts
    .map(
      ([label, value]) =>
        `<tr><th style="${STYLE.th}">${escapeHtml(label)}</th><td style="${STYLE.td}">${htmlLines(value)}</td></tr>`,
    )
    .join("");
  // Only a web link becomes a link: anything else (a javascript: URL from a bad config) is shown as text.
  const follow = c.channelUrl
    ? /^https?:\/\//i.test(c.channelUrl)
      ? `<p style="${STYLE.para}"><a style="${STYLE.link}" href="${escapeHtml(c.channelUrl)}">Follow it in Slack</a></p>`
      : `<p style="${STYLE.para}">Follow it in Slack: ${escapeHtml(c.channelUrl)}</p>`
    : "";
  return (
    `<!doctype html><html><body style="${STYLE.body}">` +
    `<p style="${STYLE.sentence}">${htmlLines(c.sentence)}</p>` +
    sections +
    `<table style="${STYLE.table}">${rows}</table>` +
    follow +
    `<p style="${STYLE.footer}">${escapeHtml(c.footer)}</p>` +
    "</body></html>"
  );
}

/** The email for one milestone to one audience: subject, plain text and HTML with the same facts. */
export function milestoneEmail(
  s: IncidentSnapshot,
  e: CommunicationEvent,
  ctx: MilestoneEmailContext,
): MilestoneEmail {
  const c = content(s, e, ctx);
  return { subject: milestoneEmailSubject(s, e), text: textPart(c), html: htmlPart(c) };
}
