import { formatReference } from "../domain/reference.js";
import { clip, escapeMrkdwn, mrkdwn, plain } from "./text.js";

/** Who runs a drill, for whom and how fast: what every PRACTICE surface says about it. */
export interface DrillFacts {
  leadId: string;
  traineeIds: readonly string[];
  speed: number;
}

const mentions = (ids: readonly string[]) => ids.map((id) => `<@${id}>`).join(", ");

/** "Practice drill run by @lead for @trainee · 10× speed · nothing leaves this channel". */
export function practiceContextLine(d: DrillFacts): string {
  return `:dart: Practice drill run by <@${d.leadId}> for ${mentions(d.traineeIds) || "nobody"} · ${d.speed}× speed · nothing leaves this channel`;
}

/**
 * The drill's first message in its channel: that it is practice, who is in it, how fast its
 * clocks run, what the caller said, and how to end it. The caller's words are the scenario's
 * (made up for training); the caller reference is not repeated here.
 */
export function practiceIntro(p: {
  number: number;
  scenarioLabel: string;
  callerSays: string | null;
  drill: DrillFacts;
}) {
  const ref = formatReference(p.number);
  const trainees = mentions(p.drill.traineeIds);
  const pace =
    p.drill.speed === 1
      ? "Its SLA clocks run in real time, day and night: drills ignore business hours."
      : `Its SLA clocks run ${p.drill.speed}× faster, day and night: drills ignore business hours.`;
  const lines = [
    `:dart: *PRACTICE DRILL · ${ref}* · _${escapeMrkdwn(clip(p.scenarioLabel, 150))}_`,
    `This is a practice incident, not a real one. <@${p.drill.leadId}> runs it for ${trainees}. Work it as you would a real incident: acknowledge it, check its type and priority, update, escalate and resolve. Nothing leaves this channel: stakeholder posts, briefings and escalations land here, tagged with who would have got them.`,
    pace,
    "More callers, stakeholders and managers will chime in here as the drill goes on.",
  ];
  if (p.callerSays)
    lines.push(`*What the caller says*\n>${escapeMrkdwn(clip(p.callerSays, 1000)).replace(/\n/g, "\n>")}`);
  lines.push(
    `To stop early, <@${p.drill.leadId}> types \`/incident practice end\` here; closing the incident ends it too. Either way the debrief follows.`,
  );
  return {
    text: `Practice drill ${ref}: not a real incident. Nothing leaves this channel.`,
    blocks: [
      { type: "header", text: plain(`PRACTICE · ${ref}`, 150) },
      ...lines.map((text) => ({ type: "section", text: mrkdwn(text) })),
    ],
  };
}

/** The block id of the PRACTICE mark on a drill's DM (added once, whatever redraws it). */
export const PRACTICE_DM_BLOCK = "practice_dm_mark";

/**
 * A DM about a drill to one of its participants, marked: "PRACTICE · " before its text and a
 * first line saying it is a drill, so nobody acts on it as a real incident.
 */
export function practiceDm(message: Record<string, unknown>): Record<string, unknown> {
  const text = typeof message.text === "string" ? message.text : "";
  const blocks = Array.isArray(message.blocks) ? (message.blocks as unknown[]) : null;
  const marked = blocks?.some((b) => (b as { block_id?: unknown } | null)?.block_id === PRACTICE_DM_BLOCK);
  if (text.startsWith("PRACTICE · ") || marked) return message;
  const mark = {
    type: "context",
    block_id: PRACTICE_DM_BLOCK,
    elements: [mrkdwn(":dart: *PRACTICE* drill: not a real incident.")],
  };
  return {
    ...message,
    text: `PRACTICE · ${text}`,
    ...(blocks ? { blocks: [mark, ...blocks] } : {}),
  };
}
