import type { IncidentRow } from "../db/schema/index.js";
import { customersAffectedLine } from "../domain/caller-figures.js";
import { formatDuration } from "../domain/duration.js";
import { STATUS_LABELS } from "../domain/incident.js";
import { HOLD_REASON_LABELS } from "../domain/lifecycle.js";
import type { MilestoneEvent } from "../domain/milestones.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { sentence } from "../domain/sentence.js";
import { clip, escapeClip, mrkdwn, userMention, workPlaceMention } from "./text.js";

type Subject = Pick<IncidentRow, "number" | "title" | "priority" | "major" | "status" | "channelId">;

const EMOJI: Record<MilestoneEvent["milestone"], string> = {
  acknowledged: ":raised_hand:",
  owner_changed: ":bust_in_silhouette:",
  priority_changed: ":arrow_up_down:",
  major_changed: ":rotating_light:",
  on_hold: ":double_vertical_bar:",
  resumed: ":arrow_forward:",
  resolved: ":white_check_mark:",
  reopened: ":leftwards_arrow_with_hook:",
  closed: ":lock:",
};

export const CLOSE_CODE_LABELS: Record<string, string> = {
  fixed: "Fixed",
  workaround: "Workaround in place",
  duplicate: "Duplicate",
  not_an_incident: "Not an incident",
};

/** "…: the reason typed." or just the full stop: the typed reason ends the sentence once. */
const reasonEnd = (reason: string | null) => (reason ? `: ${sentence(escapeClip(reason, 300))}` : ".");

/** One line of what changed, in plain words, for the people outside the incident. */
export function milestoneLine(e: MilestoneEvent): string {
  switch (e.milestone) {
    case "acknowledged":
      return `Acknowledged by ${userMention(e.by)}${e.owner ? `; owner ${userMention(e.owner)}` : ""}.`;
    case "owner_changed":
      return e.to
        ? `Now owned by ${userMention(e.to)}${e.from ? ` (was ${userMention(e.from)})` : ""}.`
        : "Nobody owns it now.";
    case "priority_changed":
      return `Priority ${e.from} → *${e.to}* (by ${userMention(e.by)})${reasonEnd(e.reason)}`;
    case "major_changed":
      return `${e.to ? "Now a *major incident*" : "No longer a major incident"} (by ${userMention(e.by)})${reasonEnd(e.reason)}`;
    case "on_hold":
      return `On hold: ${HOLD_REASON_LABELS[e.reason].toLowerCase()} (by ${userMention(e.by)}).`;
    case "resumed":
      return `Work resumed (by ${userMention(e.by)}).`;
    case "resolved":
      return resolvedLine(e);
    case "reopened":
      return `Reopened by ${userMention(e.by)}${e.wasClosed ? " after it was closed" : ""}${reasonEnd(e.reason)}`;
    case "closed":
      return `Closed by ${userMention(e.by)}. No further updates will follow.`;
  }
}

function resolvedLine(e: Extract<MilestoneEvent, { milestone: "resolved" }>): string {
  return resolvedSentence(e, userMention, (summary) => escapeClip(summary, 500));
}

/**
 * "Resolved by Dana: carrier fixed the route · Fixed · took 3h against a 4h target (met).", for
 * any medium: `person` names the resolver, `summary` clips and escapes the summary for it.
 */
export function resolvedSentence(
  e: Extract<MilestoneEvent, { milestone: "resolved" }>,
  person: (id: string) => string,
  summary: (text: string) => string,
): string {
  const code = e.closeCode ? ` · ${CLOSE_CODE_LABELS[e.closeCode] ?? e.closeCode}` : "";
  const took =
    e.tookMs === null
      ? ""
      : ` · took ${formatDuration(e.tookMs)}${e.targetMs === null ? "" : ` against a ${formatDuration(e.targetMs)} target`}` +
        (e.metSla === null ? "" : e.metSla ? " (met)" : " (missed)");
  const follow = e.duplicateOf ? ` Follow ${e.duplicateOf} from now on: this was a duplicate of it.` : "";
  const tail = `${code}${took}`;
  // A summary that ends the line ends its sentence once ("go through." not "go through..").
  const said = e.summary ? `: ${tail ? summary(e.summary) : sentence(summary(e.summary))}` : "";
  return `Resolved by ${person(e.by)}${said}${tail}${said && !tail ? "" : "."}${follow}`;
}

/** The head of a notice: reference, priority, status and title, on one line. */
export function milestoneHead(i: Subject, e: MilestoneEvent): string {
  const major = isMajor(i) ? " · MAJOR" : "";
  return `${EMOJI[e.milestone]} *${formatReference(i.number)}* · ${i.priority}${major} · *${STATUS_LABELS[i.status]}* · _${escapeClip(i.title, 150)}_`;
}

/**
 * A milestone notice for a stakeholder channel: short and scannable (what it is, what changed,
 * where to read more, how many customers called so far), never the whole card and never the
 * caller reference. Its `text` is the whole notice on two lines, which a roundup lists as it is.
 */
export function milestoneNotice(i: Subject, e: MilestoneEvent, callers = 0) {
  const head = milestoneHead(i, e);
  const line = milestoneLine(e);
  const affected = customersAffectedLine(callers);
  return {
    text: clip(`${head}\n${line}`, 3000),
    blocks: [
      { type: "section", text: mrkdwn(`${head}\n${line}`) },
      {
        type: "context",
        elements: [mrkdwn(`${affected ? `${affected} · ` : ""}Details and updates: ${workPlaceMention(i)}`)],
      },
    ],
  };
}

/** Slack's limit on a section's text. */
const SECTION_TEXT = 3000;

/** A notice's share of a roundup: 100 of them stay inside a message's 50 blocks. */
const ROUNDUP_ITEM = 600;

/** Several milestone notices waiting for one channel's turn, in one post, oldest first. */
export function milestoneRoundup(notices: readonly string[]) {
  const texts = notices.map((t) => clip(t, ROUNDUP_ITEM));
  const sections: string[] = [];
  for (const text of texts) {
    const last = sections.length - 1;
    if (last >= 0 && sections[last]!.length + 2 + text.length <= SECTION_TEXT)
      sections[last] += `\n\n${text}`;
    else sections.push(text);
  }
  return {
    text: clip(`${texts.length} incident updates:\n${texts.join("\n")}`, 3000),
    blocks: [
      { type: "section", text: mrkdwn(`:satellite_antenna: *${texts.length} incident updates*`) },
      ...sections.map((text) => ({ type: "section", text: mrkdwn(text) })),
    ],
  };
}
