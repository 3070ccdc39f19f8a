import type { ImprovementActionRow, IncidentRow, ReviewRow } from "../db/schema/index.js";
import { formatActionReference, formatDueOn } from "../domain/action-reminders.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { type FactLines, formatReviewTime } from "../domain/review-facts.js";
import { REVIEW_FIELDS as F, REVIEW_ACTION, REVIEW_ACTION_ROWS, REVIEW_LIMITS, VIEW } from "./ids.js";
import { input, select, textInput } from "./inputs.js";
import { clip, escapeMrkdwn, mrkdwn, plain, slackDate } from "./text.js";

/** Carried in the review modal's private_metadata. */
export interface ReviewModalMetadata {
  incidentId: string;
  reviewId: string;
  channel?: string;
}

type Subject = Pick<IncidentRow, "id" | "number" | "title" | "priority" | "major">;

/** Long lists are cut so a section stays inside Slack's 3000 characters. */
const MAX_LINES = 20;

function linesText(heading: string, lines: string[], empty: string): string {
  const shown = lines.slice(0, MAX_LINES);
  const more = lines.length > MAX_LINES ? [`…and ${lines.length - MAX_LINES} more (see the timeline)`] : [];
  const body = shown.length ? [...shown, ...more].map((l) => `• ${l}`).join("\n") : `_${empty}_`;
  return clip(`*${heading}*\n${body}`, 3000);
}

/** The read-only facts: key times, SLA results and breaches, as worked out from the record. */
export function factBlocks(lines: FactLines, timezone: string) {
  return [
    {
      type: "section",
      block_id: "review_fact_times",
      text: mrkdwn(linesText(`Key times (${timezone})`, lines.times, "none recorded")),
    },
    {
      type: "section",
      block_id: "review_fact_sla",
      text: mrkdwn(linesText("SLA", lines.sla, "no SLA clocks")),
    },
    {
      type: "section",
      block_id: "review_fact_breaches",
      text: mrkdwn(linesText("Breaches", lines.breaches, "none")),
    },
    ...(lines.communications.length > 0
      ? [
          {
            type: "context",
            block_id: "review_fact_communications",
            elements: [mrkdwn(lines.communications.join("\n"))],
          },
        ]
      : []),
    ...(lines.callers?.length
      ? [{ type: "context", block_id: "review_fact_callers", elements: [mrkdwn(lines.callers.join("\n"))] }]
      : []),
  ];
}

const subjectLine = (i: Subject) =>
  `*${formatReference(i.number)}* · ${i.priority}${isMajor(i) ? " · MAJOR" : ""} · ${escapeMrkdwn(clip(i.title, 150))}`;

export function reviewModal(
  i: Subject,
  p: {
    lines: FactLines;
    timezone: string;
    categories: Record<string, string>;
    meta: ReviewModalMetadata;
    /** The root cause given when the incident was resolved: the form starts from it. */
    rootCause?: string | null;
  },
) {
  const categories = Object.entries(p.categories).map(([value, label]) => ({ value, label }));
  const long = (blockId: string, label: string, optional: boolean, hint?: string, initial?: string) =>
    input(blockId, label, textInput(REVIEW_LIMITS.text, { multiline: true, initial }), {
      optional,
      ...(hint ? { hint: plain(hint) } : {}),
    });
  const known = p.rootCause?.trim() || undefined;
  return {
    type: "modal" as const,
    callback_id: VIEW.review,
    title: plain("Post-incident review", 24),
    submit: plain("Complete review", 24),
    close: plain("Cancel", 24),
    private_metadata: JSON.stringify(p.meta),
    blocks: [
      { type: "context", elements: [mrkdwn(subjectLine(i))] },
      ...factBlocks(p.lines, p.timezone),
      { type: "divider" },
      input(F.category, "Root-cause category", select(categories)),
      long(
        F.rootCause,
        "Root cause",
        false,
        known
          ? "Filled in from the resolution: correct or expand it with what you know now."
          : "What caused it, as far as you know now.",
        known,
      ),
      long(F.factors, "Contributing factors", true),
      long(F.wentWell, "What went well", true),
      long(F.wentBadly, "What did not go well", true),
      ...actionBlocks(),
    ],
  };
}

/**
 * The preventive-action rows. All of them may be left blank: every input is marked optional
 * (Slack then adds "(optional)" to its label itself, so the labels do not say it again) and
 * the heading and hints say so; a row that is started needs all three of its fields.
 */
function actionBlocks() {
  const rows = Array.from({ length: REVIEW_ACTION_ROWS }, (_, n) => [
    input(F.actionText(n), `Action ${n + 1}`, textInput(REVIEW_LIMITS.action), {
      optional: true,
      hint: plain("Leave blank to skip. If you fill it in, choose its owner and due date too."),
    }),
    input(
      F.actionOwner(n),
      `Owner of action ${n + 1}`,
      { type: "users_select", action_id: "value" },
      {
        optional: true,
      },
    ),
    input(
      F.actionDue(n),
      `Due date of action ${n + 1}`,
      { type: "datepicker", action_id: "value" },
      {
        optional: true,
      },
    ),
  ]).flat();
  return [
    { type: "header", text: plain("Preventive actions (optional)", 150) },
    {
      type: "context",
      elements: [
        mrkdwn(
          `Optional: record up to ${REVIEW_ACTION_ROWS} actions, or none. Leave a row blank to skip it; a row you fill in needs a description, an owner and a due date. Owners are told and reminded.`,
        ),
      ],
    },
    ...rows,
  ];
}

/**
 * Opened in place of the review form while its facts are read (a long incident's log can take
 * longer than the trigger's 3 s), then replaced by the form; or by `reviewNoticeModal` when
 * there is no form to show after all.
 */
export function reviewLoadingModal(i: Subject) {
  return reviewNoticeModal(i, ":hourglass_flowing_sand: Reading the incident's log for the review…");
}

/** A modal that only says something about the review (no form, nothing to submit). */
export function reviewNoticeModal(i: Subject, text: string) {
  return {
    type: "modal" as const,
    callback_id: VIEW.reviewNotice,
    title: plain("Post-incident review", 24),
    close: plain("Close", 24),
    blocks: [
      { type: "context", elements: [mrkdwn(subjectLine(i))] },
      { type: "section", text: mrkdwn(clip(text, 3000)) },
    ],
  };
}

/** Posted in the incident channel when a major incident is resolved. */
export function reviewPrompt(
  i: Subject & Pick<IncidentRow, "ownerId" | "reporterId">,
  requiredForClose: boolean,
) {
  const ref = formatReference(i.number);
  const who = `<@${i.ownerId ?? i.reporterId}>`;
  const gate = requiredForClose ? " It must be completed before the incident can be closed." : "";
  const text = `${who}, ${ref} was a major incident: please write its post-incident review.${gate}`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:memo: ${text}\nThe key times and SLA results are filled in for you. \`/incident review\` opens it too.`,
        ),
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: REVIEW_ACTION.open,
            text: plain("Write the review", 75),
            style: "primary",
            value: i.id,
          },
        ],
      },
    ],
  };
}

/**
 * The review prompt once the review is completed: who completed it and when, and no button
 * any more (a click on a copy still on screen is answered that the review is done).
 */
export function reviewPromptCompleted(
  i: Subject,
  p: { completedBy: string; completedAt: Date; timezone: string },
) {
  const ref = formatReference(i.number);
  const when = formatReviewTime(p.completedAt, p.timezone);
  const text = `Review of ${ref} completed by <@${p.completedBy}> on ${when}.`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:white_check_mark: Review completed by <@${p.completedBy}> ${slackDate(p.completedAt, p.timezone)}.\nThe summary and the Markdown document of the post-incident review of ${ref} are in this channel.`,
        ),
      },
    ],
  };
}

/** The completed review, posted in the incident channel. */
export function reviewSummary(
  i: Subject,
  p: {
    review: ReviewRow;
    categoryLabel: string;
    lines: FactLines;
    actions: Array<Pick<ImprovementActionRow, "number" | "description" | "ownerId" | "dueOn">>;
  },
) {
  const ref = formatReference(i.number);
  const r = p.review;
  const section = (heading: string, body: string | null) =>
    body ? [{ type: "section", text: mrkdwn(clip(`*${heading}*\n${escapeMrkdwn(body)}`, 3000)) }] : [];
  const actions = p.actions.map(
    (a) =>
      `${formatActionReference(a.number)} · ${escapeMrkdwn(a.description)} — <@${a.ownerId}>, due ${formatDueOn(a.dueOn)}`,
  );
  return {
    text: `Post-incident review of ${ref} completed by <@${r.completedBy}>: ${escapeMrkdwn(p.categoryLabel)}.`,
    blocks: [
      { type: "header", text: plain(`Post-incident review: ${ref}`, 150) },
      {
        type: "context",
        elements: [mrkdwn(`${subjectLine(i)} · completed by <@${r.completedBy}>`)],
      },
      {
        type: "section",
        text: mrkdwn(
          clip(`*Root cause* (${escapeMrkdwn(p.categoryLabel)})\n${escapeMrkdwn(r.rootCause ?? "")}`, 3000),
        ),
      },
      ...section("Contributing factors", r.contributingFactors),
      ...section("What went well", r.wentWell),
      ...section("What did not go well", r.wentBadly),
      { type: "section", text: mrkdwn(linesText("SLA", p.lines.sla, "no SLA clocks")) },
      { type: "section", text: mrkdwn(linesText("Breaches", p.lines.breaches, "none")) },
      ...(p.lines.communications.length > 0
        ? [{ type: "context", elements: [mrkdwn(p.lines.communications.join("\n"))] }]
        : []),
      ...(p.lines.callers?.length
        ? [{ type: "context", elements: [mrkdwn(p.lines.callers.join("\n"))] }]
        : []),
      { type: "section", text: mrkdwn(linesText("Preventive actions", actions, "none agreed")) },
      { type: "context", elements: [mrkdwn("The full review follows as a Markdown document.")] },
    ],
  };
}
