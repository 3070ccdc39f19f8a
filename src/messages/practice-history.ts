import { DateTime } from "luxon";
import { type DrillSummary, practiceTrend, SCORE_MARK } from "../domain/practice-history.js";
import { POINT_LABELS, PRACTICE_POINTS } from "../domain/practice-scoring.js";
import { clip, escapeClip, mrkdwn } from "./text.js";

/**
 * `/incident practice history @user` and the team lead's Home section: a trainee's drills,
 * newest first, each with its score per point and overall, and the trend. Pure.
 */

/** Short names for the points, in their order, for a line per drill. */
const SHORT: Record<(typeof PRACTICE_POINTS)[number], string> = {
  logged: "logged",
  priority: "priority",
  acknowledged: "ack",
  updates: "updates",
  briefing: "briefing",
  escalation: "escalation",
  personal_data: "personal data",
  resolved: "resolved",
  review: "review",
};

function drillLine(d: DrillSummary, zone: string): string {
  const day = DateTime.fromJSDate(d.startedAt, { zone }).toFormat("d LLL yyyy");
  const marks = PRACTICE_POINTS.map((point) => {
    const found = d.points.find((p) => p.point === point);
    return found && found.score !== "not_applicable" ? `${SHORT[point]} ${SCORE_MARK[found.score]}` : null;
  })
    .filter(Boolean)
    .join(" · ");
  return `*${day}* · ${escapeClip(d.scenarioLabel, 80)} (${d.reference}): *${Math.round(d.overall * 100)}%*\n${marks}`;
}

export function practiceHistoryReply(p: { userId: string; drills: DrillSummary[]; timezone: string }) {
  if (p.drills.length === 0) {
    return { text: `<@${p.userId}> has no finished practice drills yet.` };
  }
  const trend = practiceTrend(p.drills);
  const blocks: Array<Record<string, unknown>> = [
    {
      type: "section",
      text: mrkdwn(`*Practice drills of <@${p.userId}>*, newest first${trend ? `\n${trend}` : ""}`),
    },
    ...p.drills.slice(0, 20).map((d) => ({ type: "section", text: mrkdwn(drillLine(d, p.timezone)) })),
    {
      type: "context",
      elements: [
        mrkdwn(
          `✓ met · ½ partly met · ✗ missed. Points: ${PRACTICE_POINTS.map((k) => POINT_LABELS[k]).join("; ")}.`,
        ),
      ],
    },
  ];
  return {
    text: clip(`Practice drills of <@${p.userId}>: ${p.drills.length}.${trend ? ` ${trend}` : ""}`, 3000),
    blocks,
  };
}

/** The Home tab's "Your team's recent drills" (a team lead's, when their team has drills). */
export function teamDrillsHomeBlocks(p: {
  drills: Array<DrillSummary & { trainees: string[] }>;
  timezone: string;
}): Array<Record<string, unknown>> {
  if (p.drills.length === 0) return [];
  return [
    { type: "header", text: { type: "plain_text", text: "Your team's recent drills" } },
    ...p.drills.slice(0, 5).map((d) => ({
      type: "section",
      text: mrkdwn(`${d.trainees.map((u) => `<@${u}>`).join(", ")} · ${drillLine(d, p.timezone)}`),
    })),
    {
      type: "context",
      elements: [mrkdwn("PRACTICE drills only. `/incident practice history @someone` shows all of theirs.")],
    },
  ];
}
