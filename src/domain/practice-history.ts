import type { PointScore, PracticePoint } from "./practice-scoring.js";

/**
 * A trainee's drills over time (issue 23): the evidence of improved colleague performance.
 * Pure.
 */

export interface DrillSummary {
  startedAt: Date;
  reference: string;
  scenarioLabel: string;
  /** 0–1. */
  overall: number;
  points: Array<{ point: PracticePoint; score: PointScore }>;
}

/** How many recent drills the trend looks over. */
export const TREND_DRILLS = 3;

const percent = (x: number) => `${Math.round(x * 100)}%`;

/**
 * One sentence on the trend over the last few drills (given newest first): "Up from 55% to 80%
 * over the last 3 drills." Null with fewer than two drills.
 */
export function practiceTrend(newestFirst: readonly Pick<DrillSummary, "overall">[]): string | null {
  const recent = newestFirst.slice(0, TREND_DRILLS);
  if (recent.length < 2) return null;
  const latest = recent[0]?.overall ?? 0;
  const earliest = recent[recent.length - 1]?.overall ?? 0;
  const over = `over the last ${recent.length} drills`;
  const diff = Math.round(latest * 100) - Math.round(earliest * 100);
  if (diff > 0) return `Up from ${percent(earliest)} to ${percent(latest)} ${over}.`;
  if (diff < 0) return `Down from ${percent(earliest)} to ${percent(latest)} ${over}.`;
  return `Steady at ${percent(latest)} ${over}.`;
}

/** ✓ met, ½ partly, ✗ missed, – not part of the scenario. */
export const SCORE_MARK: Record<PointScore, string> = {
  met: "✓",
  partly: "½",
  missed: "✗",
  not_applicable: "–",
};
