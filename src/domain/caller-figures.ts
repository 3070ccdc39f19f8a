import type { CallerCounts } from "./callers.js";
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
  /** Of those made, the ones that reached no one ("No answer"). */
  callbacksReachedNoOne: number;
}

export const NO_BREAKDOWN: Readonly<CallerBreakdown> = {
  callers: 0,
  byChannel: [],
  callbacksWanted: 0,
  callbacksMade: 0,
  callbacksReachedNoOne: 0,
};

/**
 * Where an incident's callbacks stand, as every surface (card, callback list, Home, show,
 * review) says it. A callback is *made* once the agent who took it called or wrote back and
 * recorded what happened, whatever happened: the contact centre owes the caller the attempt,
 * and the callback clock and closing go by it. A call nobody answered is made but *reached no
 * one*, and every surface says so beside the count, so "made" never hides a caller who has not
 * heard from us (the agent may try again and record "Reached").
 */
export interface CallbackFigures {
  /** Callers who asked to be called back. */
  wanted: number;
  /** Callbacks with an outcome recorded. */
  made: number;
  /** Of those made, the ones that reached no one ("No answer"). */
  reachedNoOne: number;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The one line every surface shows for callbacks; null when nobody asked for one. Before the
 * fix nothing is to make yet: "12 callbacks wanted". After it: "12 callbacks to make",
 * "3 of 4 callbacks made (1 reached no one)", "All 4 callbacks made", "The callback is made".
 */
export function callbacksLine(f: CallbackFigures, p: { fixed: boolean }): string | null {
  if (f.wanted === 0) return null;
  if (f.made === 0)
    return p.fixed ? `${count(f.wanted, "callback")} to make` : `${count(f.wanted, "callback")} wanted`;
  const noOne = f.reachedNoOne > 0 ? ` (${f.reachedNoOne} reached no one)` : "";
  if (f.made < f.wanted) return `${f.made} of ${count(f.wanted, "callback")} made${noOne}`;
  if (f.wanted === 1) return `The callback is made${f.reachedNoOne > 0 ? " (it reached no one)" : ""}`;
  return `All ${f.wanted} callbacks made${noOne}`;
}

const channelWord = (c: ReportChannel) => REPORT_CHANNEL_LABELS[c].toLowerCase();

/** "37 callers", "1 caller". */
export const callersWord = (n: number) => `${n} caller${n === 1 ? "" : "s"}`;

/** The card's and lists' counts as callback figures. */
export const callbackFiguresOf = (c: CallerCounts): CallbackFigures => ({
  wanted: c.callbacksWanted,
  made: c.callbacksWanted - c.callbacksOutstanding,
  reachedNoOne: c.callbacksReachedNoOne,
});

/**
 * "Callers: 37 (phone 30, email 5, chat 2) · 11 of 12 callbacks made (1 reached no one)"; null without
 * callers (the review then says nothing about them).
 */
export function callersFactLine(b: CallerBreakdown): string | null {
  if (b.callers === 0) return null;
  const split = b.byChannel.map((c) => `${channelWord(c.channel)} ${c.count}`).join(", ");
  // A review is written once the incident is resolved: its callbacks were to make by then.
  const line = callbacksLine(
    { wanted: b.callbacksWanted, made: b.callbacksMade, reachedNoOne: b.callbacksReachedNoOne },
    { fixed: true },
  );
  return `Callers: ${b.callers}${split ? ` (${split})` : ""}${line ? ` · ${line}` : ""}`;
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
