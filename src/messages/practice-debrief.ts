import type { PointResult, PointScore, PracticeScore } from "../domain/practice-scoring.js";
import { PRACTICE_ACTION } from "./ids.js";
import { clip, escapeClip, mrkdwn, plain } from "./text.js";

/**
 * The debrief of a practice drill, posted in its practice channel when the drill ends: each
 * marking point with what happened and when, the overall score, and a button for the lead's
 * coaching notes. Pure. Evidence is escaped (type labels come from the policy) except the user
 * mentions the scoring writes on purpose.
 */

export interface DebriefInput {
  /** The practice incident's id: the value of the coaching-notes button. */
  incidentId: string;
  /** "INC-000123". */
  reference: string;
  scenarioLabel: string;
  trainees: readonly string[];
  speed: number;
  score: PracticeScore;
  /** Coaching notes already added, with who wrote them. */
  coaching?: { by: string; text: string } | null;
}

const EMOJI: Record<PointScore, string> = {
  met: ":white_check_mark:",
  partly: ":large_yellow_circle:",
  missed: ":x:",
  not_applicable: ":white_circle:",
};

const WORD: Record<PointScore, string> = {
  met: "met",
  partly: "partly met",
  missed: "missed",
  not_applicable: "not part of this scenario",
};

/** "6½": half points read as a person would write them. */
export function pointsWord(earned: number): string {
  const whole = Math.floor(earned);
  const half = earned - whole >= 0.5;
  return half ? (whole === 0 ? "½" : `${whole}½`) : String(whole);
}

/** Escaped evidence with the scoring's own `<@U…>` mentions kept as mentions. */
function evidenceText(evidence: string, max: number): string {
  return escapeClip(evidence, max).replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, "<@$1>");
}

function pointSection(p: PointResult) {
  const head = `${EMOJI[p.score]} *${escapeClip(p.label, 200)}*: ${WORD[p.score]}`;
  return { type: "section", text: mrkdwn(`${head}\n${evidenceText(p.evidence, 2500)}`) };
}

const lowerFirst = (text: string) => (text ? `${text[0]?.toLowerCase()}${text.slice(1)}` : text);

/** One sentence on the score: "6½ of 9 points (72%)". */
export function overallLine(score: PracticeScore): string {
  const percent = Math.round(score.overall * 100);
  return `${pointsWord(score.earned)} of ${score.applicable} points (${percent}%)`;
}

export function practiceDebrief(d: DebriefInput) {
  const { score } = d;
  const applicable = score.points.filter((p) => p.score !== "not_applicable");
  const skipped = score.points.filter((p) => p.score === "not_applicable");
  const toPractise = applicable.filter((p) => p.score !== "met");
  const who = d.trainees.length > 0 ? d.trainees.map((u) => `<@${u}>`).join(", ") : "no trainee named";
  const blocks: Array<Record<string, unknown>> = [
    { type: "header", text: plain(clip(`Practice debrief: ${d.scenarioLabel}`, 150), 150) },
    {
      type: "context",
      elements: [mrkdwn(`*PRACTICE* · ${escapeClip(d.reference, 40)} · ${who} · run at ${d.speed}× speed`)],
    },
    { type: "section", text: mrkdwn(`*Overall: ${overallLine(score)}.* Met counts 1, partly met ½.`) },
    { type: "divider" },
    ...applicable.map(pointSection),
  ];
  if (skipped.length > 0) {
    const names = skipped.map((p) => escapeClip(p.label, 200)).join("; ");
    blocks.push({
      type: "context",
      elements: [mrkdwn(`${EMOJI.not_applicable} Not part of this scenario: ${names}.`)],
    });
  }
  blocks.push({
    type: "section",
    text: mrkdwn(
      toPractise.length === 0
        ? "*Next:* every point met. Try a harder scenario or a faster speed."
        : `*Practise next:* ${toPractise.map((p) => lowerFirst(escapeClip(p.label, 200))).join("; ")}.`,
    ),
  });
  if (d.coaching?.text.trim()) {
    blocks.push({
      type: "section",
      text: mrkdwn(`*Coaching notes* from <@${d.coaching.by}>:\n${escapeClip(d.coaching.text, 2800)}`),
    });
  }
  blocks.push({
    type: "actions",
    block_id: "practice_debrief",
    elements: [
      {
        type: "button",
        action_id: PRACTICE_ACTION.coachingNotes,
        text: plain(d.coaching ? "Edit coaching notes" : "Add coaching notes"),
        value: d.incidentId,
      },
    ],
  });
  return { text: clip(`Practice debrief: ${d.scenarioLabel}: ${overallLine(score)}`, 3000), blocks };
}
