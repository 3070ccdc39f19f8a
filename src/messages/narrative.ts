import { LEVEL_LABELS, type Level } from "../domain/incident.js";
import { HOLD_REASON_LABELS, type HoldReason } from "../domain/lifecycle.js";
import type { ChangeEntry } from "../domain/milestones.js";
import { roleLabel } from "../domain/permissions.js";
import { sentence } from "../domain/sentence.js";
import { CLOSE_CODE_LABELS } from "./milestone.js";
import { channelMention, clip, escapeClip, mrkdwn, slackDate, userMention } from "./text.js";

/**
 * The incident channel's own story: one short line (who, what, when) for each change worth
 * telling the people working the incident, besides the edit of the pinned card. Notes,
 * stakeholder updates and handovers post messages of their own and get no line here.
 */

type Details = Record<string, unknown>;

const str = (d: Details, key: string): string | null => {
  const v = d[key];
  return typeof v === "string" && v !== "" ? v : null;
};
const idsOf = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((u): u is string => typeof u === "string") : [];
/** ": the reason typed." ending its sentence once, or "." without one. */
const reasonOf = (d: Details) =>
  str(d, "reason") ? `: ${sentence(escapeClip(str(d, "reason")!, 300))}` : ".";

const FIELD_LABELS: Record<string, string> = {
  impact: "impact",
  urgency: "urgency",
  priority: "priority",
  matrixPriority: "priority from the matrix",
  type: "type",
};

const fieldValue = (v: unknown) =>
  v === true
    ? "yes"
    : v === false
      ? "no"
      : v == null
        ? "none"
        : escapeClip(LEVEL_LABELS[String(v) as Level] ?? String(v), 80);

/** One field's change; the matrix's own priority alone says the priority set by hand stands. */
function fieldChange(f: Details): string {
  if (f.field === "matrixPriority")
    return `the matrix now gives ${fieldValue(f.to)} (the priority set by hand stands)`;
  return `${FIELD_LABELS[String(f.field)] ?? "a field"} ${fieldValue(f.from)} → ${fieldValue(f.to)}`;
}

function statusLine(by: string, d: Details): string | null {
  switch (d.action) {
    case "acknowledge":
      return `:raised_hand: ${by} acknowledged it.`;
    case "start":
      return `:hammer_and_wrench: ${by} started work on it.`;
    case "hold": {
      const reason = HOLD_REASON_LABELS[(str(d, "holdReason") ?? "other") as HoldReason] ?? "Other";
      return `:double_vertical_bar: ${by} put it on hold (${reason.toLowerCase()}). The resolve clock is paused.`;
    }
    case "resume":
      return `:arrow_forward: ${by} resumed work. The resolve clock runs again.`;
    case "resolve": {
      const r = (typeof d.resolution === "object" && d.resolution !== null ? d.resolution : {}) as Details;
      const code = str(r, "closeCode");
      const summary = str(r, "summary");
      return `:white_check_mark: ${by} resolved it${code ? ` (${CLOSE_CODE_LABELS[code] ?? code})` : ""}${summary ? `: ${sentence(escapeClip(summary, 500))}` : "."}`;
    }
    case "close":
      return `:lock: ${by} closed it.`;
    case "reopen":
      return `:leftwards_arrow_with_hook: ${by} reopened it${reasonOf(d)}`;
    default:
      return null;
  }
}

function ownerLine(by: string, actor: string, d: Details): string | null {
  // An acknowledgement that made someone owner says so in its own line; a handover posts its own.
  if (d.via === "acknowledge" || d.via === "handover") return null;
  const to = str(d, "to");
  const from = str(d, "from");
  if (!to) return `:bust_in_silhouette: ${by} cleared the owner.`;
  if (to === actor)
    return `:bust_in_silhouette: ${by} took ownership${from ? ` from ${userMention(from)}` : ""}.`;
  return `:bust_in_silhouette: ${by} made ${userMention(to)} the owner${from ? ` (was ${userMention(from)})` : ""}.`;
}

function recategorisedLine(by: string, fields: Details[]): string | null {
  if (fields.length === 0) return null;
  // The matrix's own priority is worth a word only when the priority itself did not change.
  const shown = fields.some((f) => f.field === "priority")
    ? fields.filter((f) => f.field !== "matrixPriority")
    : fields;
  // The major flag reads as what happened ("marked major"), not as a field going "no → yes".
  const major = shown.find((f) => f.field === "major");
  const others = shown.filter((f) => f.field !== "major");
  if (major && others.length === 0) {
    return `:rotating_light: ${by} ${major.to === true ? "marked it major" : "marked it not major"}${reasonOf(major)}`;
  }
  const parts = others.map(fieldChange);
  if (major) parts.push(major.to === true ? "marked major" : "marked not major");
  return `:label: ${by} re-categorised it: ${parts.join(", ")}${reasonOf(fields[0]!)}`;
}

function escalationLine(by: string, d: Details): string | null {
  const to = idsOf(d.to).map(userMention);
  const role = str(d, "role");
  const whom = `${role ? `the ${roleLabel(role)}` : "the next level"}${to.length ? ` (${to.join(", ")})` : " (nobody holds that role)"}`;
  if (d.manual === true) return `:mega: ${by} escalated it to ${whom}${reasonOf(d)}`;
  return null;
}

/** The lines one change adds to the incident channel, in the order its entries were written. */
export function narrativeLines(entries: readonly ChangeEntry[], actor: string): string[] {
  const by = userMention(actor);
  const acknowledged = entries.some(
    (e) => e.kind === "status_changed" && e.details?.action === "acknowledge",
  );
  const nowOwner = entries.some((e) => e.kind === "owner_changed" && e.details?.via === "acknowledge");
  const lines: string[] = [];
  const fields: Details[] = [];
  for (const entry of entries) {
    const d = entry.details ?? {};
    let line: string | null = null;
    switch (entry.kind) {
      case "status_changed":
        line =
          d.action === "acknowledge" && nowOwner
            ? `:raised_hand: ${by} acknowledged it and is now its owner.`
            : statusLine(by, d);
        break;
      case "owner_changed":
        line = ownerLine(by, actor, d);
        break;
      case "field_changed":
        fields.push(d);
        break;
      case "escalation_sent":
        line = escalationLine(by, d);
        break;
      case "escalation_acknowledged":
        // Acknowledging the incident itself from the DM says it all in the status line.
        if (acknowledged) break;
        line = `:white_check_mark: ${by} is on it: acknowledged the ${str(d, "clockLabel") ? `${escapeClip(str(d, "clockLabel")!.toLowerCase(), 80)} ` : ""}escalation, so no further escalation messages go out for it.`;
        break;
      case "briefing_posted":
        line = `:mega: ${by} briefed the agents in ${idsOf(d.channels).map(channelMention).join(", ") || "the agents' channels"}.`;
        break;
      case "help_requested":
        line = `:sos: ${by} asked for help${str(d, "via") === "team_leads" ? " from the team leads by direct message" : ` in ${idsOf(d.to).map(channelMention).join(", ")}`}.`;
        break;
      case "review_completed":
        line = `:memo: ${by} completed the post-incident review.`;
        break;
    }
    if (line) lines.push(line);
  }
  const recategorised = recategorisedLine(by, fields);
  if (recategorised) lines.push(recategorised);
  return lines;
}

/** One post for a change's lines, stamped with when it happened in every reader's own zone. */
export function narrativeMessage(lines: readonly string[], at: Date, timezone: string) {
  const text = clip(lines.join("\n"), 2900);
  return {
    text,
    blocks: [
      { type: "section", text: mrkdwn(text) },
      { type: "context", elements: [mrkdwn(slackDate(at, timezone))] },
    ],
  };
}

/** Several story lines that waited for the same turn, as one post, in order. */
export function storyRoundup(messages: ReadonlyArray<Record<string, unknown>>) {
  const text = clip(messages.map((m) => String(m.text ?? "")).join("\n"), 2900);
  const stamp = messages.at(-1)?.blocks;
  const context = Array.isArray(stamp)
    ? stamp.find((b) => (b as { type?: string }).type === "context")
    : undefined;
  return { text, blocks: [{ type: "section", text: mrkdwn(text) }, ...(context ? [context] : [])] };
}
