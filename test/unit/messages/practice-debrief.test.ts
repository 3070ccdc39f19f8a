import { describe, expect, it } from "vitest";
import {
  overallOf,
  POINT_LABELS,
  type PointResult,
  type PointScore,
  PRACTICE_POINTS,
  type PracticeScore,
} from "../../../src/domain/practice-scoring.js";
import { checkMessage, validateMessageBlocks } from "../../../src/emulator/block-kit.js";
import { PRACTICE_ACTION } from "../../../src/messages/ids.js";
import { overallLine, pointsWord, practiceDebrief } from "../../../src/messages/practice-debrief.js";

const SCORES: Record<(typeof PRACTICE_POINTS)[number], PointScore> = {
  logged: "met",
  priority: "missed",
  acknowledged: "missed",
  updates: "missed",
  briefing: "not_applicable",
  escalation: "partly",
  personal_data: "missed",
  resolved: "met",
  review: "met",
};

function scoreOf(
  evidence: (point: string) => string = (p) => `Evidence for ${p} at 10:02:00.`,
): PracticeScore {
  const points: PointResult[] = PRACTICE_POINTS.map((point) => ({
    point,
    label: POINT_LABELS[point],
    score: SCORES[point],
    evidence: evidence(point),
  }));
  return { points, ...overallOf(points) };
}

const base = {
  incidentId: "8f0c7a52-8a8e-4a53-9a55-3f1f6d3f2b10",
  reference: "INC-000123",
  scenarioLabel: "Phones down, callers flooding in",
  trainees: ["U0AGENT1"],
  speed: 30,
};

const json = (x: unknown) => JSON.stringify(x);

describe("practice debrief", () => {
  it("heads with the scenario, marks each point with its emoji and evidence, and totals the score", () => {
    const message = practiceDebrief({ ...base, score: scoreOf() });
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(checkMessage(message)).toBeNull();
    expect(message.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "Practice debrief: Phones down, callers flooding in", emoji: true },
    });
    const body = json(message.blocks);
    expect(body).toContain("*PRACTICE* · INC-000123 · <@U0AGENT1> · run at 30× speed");
    expect(body).toContain("*Overall: 3½ of 8 points (44%).*");
    expect(body).toContain(
      ":white_check_mark: *Logged with every mandatory field and the right type*: met\\nEvidence for logged at 10:02:00.",
    );
    expect(body).toContain(":large_yellow_circle: *Escalation followed*: partly met");
    expect(body).toContain(":x: *Acknowledged within the respond SLA*: missed");
    expect(body).toContain("Not part of this scenario: Agents briefed, with a confirmation.");
    expect(body).toContain(
      "*Practise next:* priority matches the matrix; acknowledged within the respond SLA;",
    );
    expect(message.text).toBe("Practice debrief: Phones down, callers flooding in: 3½ of 8 points (44%)");
  });

  it("offers the lead a coaching-notes button carrying the incident id, and shows notes once added", () => {
    const first = practiceDebrief({ ...base, score: scoreOf() });
    const actions = first.blocks.at(-1) as { elements: Array<Record<string, unknown>> };
    expect(actions.elements[0]).toMatchObject({
      action_id: PRACTICE_ACTION.coachingNotes,
      value: base.incidentId,
      text: { text: "Add coaching notes" },
    });
    const later = practiceDebrief({
      ...base,
      score: scoreOf(),
      coaching: { by: "U0LEAD", text: "Good calm handover. Next time <acknowledge> first & then brief." },
    });
    const body = json(later.blocks);
    expect(body).toContain("*Coaching notes* from <@U0LEAD>:");
    expect(body).toContain("Next time &lt;acknowledge&gt; first &amp; then brief.");
    expect(body).toContain("Edit coaching notes");
    expect(validateMessageBlocks(later.blocks)).toEqual([]);
  });

  it("escapes evidence but keeps the scoring's mentions, and stays within Slack's limits when long", () => {
    const long = practiceDebrief({
      ...base,
      scenarioLabel: "x".repeat(200),
      score: scoreOf((p) => `A note by <@U0AGENT1> on <${p}> & more ${"word ".repeat(800)}`),
      coaching: { by: "U0LEAD", text: "y".repeat(5000) },
    });
    expect(validateMessageBlocks(long.blocks)).toEqual([]);
    expect(checkMessage(long)).toBeNull();
    const body = json(long.blocks);
    expect(body).toContain("A note by <@U0AGENT1> on &lt;logged&gt; &amp; more");
  });

  it("praises a clean run", () => {
    const points = PRACTICE_POINTS.map((point) => ({
      point,
      label: POINT_LABELS[point],
      score: "met" as const,
      evidence: "Done.",
    }));
    const message = practiceDebrief({ ...base, score: { points, ...overallOf(points) } });
    expect(json(message.blocks)).toContain(
      "*Next:* every point met. Try a harder scenario or a faster speed.",
    );
    expect(json(message.blocks)).not.toContain("Not part of this scenario");
  });

  it("reads half points as people write them", () => {
    expect([0, 0.5, 1, 6.5, 9].map(pointsWord)).toEqual(["0", "½", "1", "6½", "9"]);
    expect(overallLine({ points: [], earned: 6.5, applicable: 9, overall: 6.5 / 9 })).toBe(
      "6½ of 9 points (72%)",
    );
  });
});
