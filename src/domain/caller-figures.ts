import { REPORT_CHANNEL_LABELS, type ReportChannel } from "./incident.js";

/**
 * Caller figures as the surfaces outside the card show them: counts only, never who called.
 * Pure: the queries in db/queries/caller-figures.ts read them, the builders render these lines.
 */

/** One incident's callers by how they got in touch, and what came of their callbacks. */
export interface CallerBreakdown {
  callers: number;
  /** Report channel → callers, most first. */
  byChannel: Array<{ channel: ReportChannel; count: number }>;
  callbacksWanted: number;
  /** Callbacks with an outcome recorded (reached, no answer, … declined). */
  callbacksMade: number;
}

export const NO_BREAKDOWN: Readonly<CallerBreakdown> = {
  callers: 0,
  byChannel: [],
  callbacksWanted: 0,
  callbacksMade: 0,
};

const channelWord = (c: ReportChannel) => REPORT_CHANNEL_LABELS[c].toLowerCase();

/** "37 callers", "1 caller". */
export const callersWord = (n: number) => `${n} caller${n === 1 ? "" : "s"}`;

/**
 * "Callers: 37 (phone 30, email 5, chat 2) · callbacks: 12 wanted, 11 made"; null without
 * callers (the review then says nothing about them).
 */
export function callersFactLine(b: CallerBreakdown): string | null {
  if (b.callers === 0) return null;
  const split = b.byChannel.map((c) => `${channelWord(c.channel)} ${c.count}`).join(", ");
  const callbacks =
    b.callbacksWanted > 0 ? ` · callbacks: ${b.callbacksWanted} wanted, ${b.callbacksMade} made` : "";
  return `Callers: ${b.callers}${split ? ` (${split})` : ""}${callbacks}`;
}

/** "Customers affected so far: 37 callers" for stakeholders; null before the first caller. */
export function customersAffectedLine(callers: number): string | null {
  return callers > 0 ? `Customers affected so far: ${callersWord(callers)}` : null;
}

/** Contacts (caller reports) per incident over a KPI period. */
export interface CallerKpi {
  /** Caller reports of the period's incidents. */
  contacts: number;
  /** Incidents logged in the period (those without any caller count as 0). */
  incidents: number;
  /** null when the period has no incident. */
  mean: number | null;
  median: number | null;
  byPriority: Array<{ priority: string; incidents: number; contacts: number; mean: number | null }>;
  /** Report channel → contacts, most first. */
  byChannel: Array<{ key: string; count: number }>;
}

/** "1.8 per incident (median 1) · P1 12.0, P3 1.0 · phone 30, email 5"; "none" without contacts. */
export function contactsKpiLine(k: CallerKpi): string {
  if (k.contacts === 0) return "none";
  const fixed = (n: number | null) => (n === null ? "–" : n.toFixed(1));
  const median = k.median === null ? "–" : String(Math.round(k.median * 10) / 10);
  const perPriority = k.byPriority.map((p) => `${p.priority} ${fixed(p.mean)}`).join(", ");
  const perChannel = k.byChannel
    .map((c) => `${REPORT_CHANNEL_LABELS[c.key as ReportChannel]?.toLowerCase() ?? c.key} ${c.count}`)
    .join(", ");
  return `${k.contacts} contacts, ${fixed(k.mean)} per incident (median ${median}) · by priority: ${perPriority} · by channel: ${perChannel}`;
}
