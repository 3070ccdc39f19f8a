/**
 * Callbacks: once an incident is resolved, the callers who asked to be called back are its
 * callback list. Agents take some, call, and record what happened. Pure rules and wording here.
 */
import { type CallbackFigures, callbacksLine } from "./caller-figures.js";
import type { CallbackOutcome, CallbackWanted } from "./callers.js";

/** The clock that runs while callbacks are still to make (policy `callback_within`). */
export const CALLBACKS_CLOCK = "callbacks";

/** The list's buttons: how many unclaimed callbacks one click takes (null: all of them). */
export const CLAIM_SIZES = { one: 1, five: 5, ten: 10, all: null } as const;
export type ClaimSize = keyof typeof CLAIM_SIZES;

/**
 * The sizes the list offers for `unclaimed` callbacks: only those that take fewer than all of
 * them, then "all" (so no two buttons do the same): 1 → "one", 3 → "all", 7 → "five", "all",
 * 12 → "five", "ten", "all". A single callback is "one", so a late caller joining the list just
 * before the click is not taken by surprise.
 */
export function claimChoices(unclaimed: number): ClaimSize[] {
  if (unclaimed <= 0) return [];
  if (unclaimed === 1) return ["one"];
  const partial = (["five", "ten"] as const).filter((s) => CLAIM_SIZES[s] < unclaimed);
  return [...partial, "all"];
}

/** The outcome of a callback that was made but reached no one (counted apart everywhere). */
export const REACHED_NO_ONE: CallbackOutcome = "no_answer";

/** Where the callback list of one incident stands (counts only, never who). */
export interface CallbackTally {
  /** Callers who asked to be called back. */
  wanted: number;
  /** Of which nothing is recorded yet. */
  outstanding: number;
  /** Outstanding and taken by someone. */
  claimed: number;
  /** Made, but reached no one ("No answer"). */
  reachedNoOne: number;
  /** Wanted, by how. */
  byWay: Record<Exclude<CallbackWanted, "no">, number>;
}

export const NO_CALLBACKS: Readonly<CallbackTally> = {
  wanted: 0,
  outstanding: 0,
  claimed: 0,
  reachedNoOne: 0,
  byWay: { phone: 0, email: 0, sms: 0 },
};

const WAY_WORDS: Record<Exclude<CallbackWanted, "no">, string> = {
  phone: "by phone",
  email: "by email",
  sms: "by SMS",
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "12 callers asked to be called back (8 by phone, 3 by email, 1 by SMS)." */
export function callbackHeadline(t: CallbackTally): string {
  const ways = (Object.keys(WAY_WORDS) as Array<keyof typeof WAY_WORDS>)
    .filter((w) => t.byWay[w] > 0)
    .map((w) => `${t.byWay[w]} ${WAY_WORDS[w]}`);
  return `${plural(t.wanted, "caller")} asked to be called back${ways.length ? ` (${ways.join(", ")})` : ""}.`;
}

/** The list's figures as every surface counts them (callbacksLine). */
export const tallyFigures = (t: CallbackTally): CallbackFigures => ({
  wanted: t.wanted,
  made: t.wanted - t.outstanding,
  reachedNoOne: t.reachedNoOne,
});

/**
 * Where the list stands, in the card's words, then who has the rest: "12 callbacks to make ·
 * none taken yet", "8 of 12 callbacks made · 4 still to make: 3 taken, 1 not taken yet", and
 * "All 12 callbacks made (1 reached no one)." when done.
 */
export function callbackProgress(t: CallbackTally): string {
  const made = callbacksLine(tallyFigures(t), { fixed: true }) ?? "No callbacks to make";
  if (t.outstanding === 0) return `${made}.`;
  const open = t.outstanding - t.claimed;
  const taken =
    t.claimed === 0
      ? t.outstanding === 1
        ? "not taken yet"
        : "none taken yet"
      : `${t.claimed} taken${open > 0 ? `, ${open} not taken yet` : ""}`;
  return t.outstanding === t.wanted
    ? `${made} · ${taken}`
    : `${made} · ${t.outstanding} still to make: ${taken}`;
}

/** "4 callbacks are still to make" / "1 callback is still to make". */
export function stillToMake(outstanding: number): string {
  return `${plural(outstanding, "callback")} ${outstanding === 1 ? "is" : "are"} still to make`;
}

/**
 * What closing does with callbacks outstanding: nothing to ask (none left, or the closer said
 * "anyway"), ask to confirm, or refuse (policy `callbacks_required_for_close`).
 */
export function closeWithCallbacks(
  outstanding: number,
  p: { requiredForClose: boolean; anyway: boolean },
): "close" | "confirm" | "refuse" {
  if (outstanding === 0) return "close";
  if (p.requiredForClose) return "refuse";
  return p.anyway ? "close" : "confirm";
}
