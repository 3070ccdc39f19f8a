/**
 * Callers of one incident: each contact is a caller report linked to it. The vocabulary here is
 * the single source for the TypeScript types, the PostgreSQL enums and the Block Kit options.
 */

/** How a caller asked to be called back, if at all. */
export const CALLBACK_WANTED = ["no", "phone", "email", "sms"] as const;
export type CallbackWanted = (typeof CALLBACK_WANTED)[number];

export const CALLBACK_WANTED_LABELS: Record<CallbackWanted, string> = {
  no: "No callback",
  phone: "Phone call",
  email: "Email",
  sms: "SMS",
};

/** "callback wanted by SMS". */
export const CALLBACK_BY: Record<Exclude<CallbackWanted, "no">, string> = {
  phone: "by phone",
  email: "by email",
  sms: "by SMS",
};

/** What came of a callback. */
export const CALLBACK_OUTCOMES = [
  "reached",
  "no_answer",
  "left_message",
  "email_sent",
  "sms_sent",
  "declined",
] as const;
export type CallbackOutcome = (typeof CALLBACK_OUTCOMES)[number];

export const CALLBACK_OUTCOME_LABELS: Record<CallbackOutcome, string> = {
  reached: "Reached",
  no_answer: "No answer",
  left_message: "Left a message",
  email_sent: "Email sent",
  sms_sent: "SMS sent",
  declined: "Declined",
};

/** The counts every surface shows (never a caller's details). */
export interface CallerCounts {
  /** Caller reports linked to the incident. */
  callers: number;
  /** Of which reported within the recent window (the card's "in the last 15 min"). */
  recent: number;
  /** Callers who asked to be called back. */
  callbacksWanted: number;
  /** Callbacks wanted that have no outcome yet. */
  callbacksOutstanding: number;
  /** Callbacks made that reached no one ("No answer"). */
  callbacksReachedNoOne: number;
}

export const NO_CALLERS: Readonly<CallerCounts> = {
  callers: 0,
  recent: 0,
  callbacksWanted: 0,
  callbacksOutstanding: 0,
  callbacksReachedNoOne: 0,
};

/** The window of the card's "in the last …" figure. */
export const RECENT_CALLERS_MS = 15 * 60_000;

/** Field limits shared by the Add a caller form (max_length) and its parser. */
export const CALLER_LIMITS = {
  said: 1000,
  callbackContact: 200,
} as const;

/**
 * Caller reports redraw the card once per slot of this length, after the slot ends: the count
 * is right within a slot of the last report, and a flood edits the card 40 times a minute at
 * most, inside Slack's chat.update budget (and the workspace's edit pace, EDIT_PACE).
 */
export const CALLER_REDRAW_SLOT_MS = 1_500;

/** The redraw slot a report made at `at` belongs to, and when that slot ends. */
export function callerRedrawSlot(at: Date): { slot: number; endsAt: Date } {
  const slot = Math.floor(at.getTime() / CALLER_REDRAW_SLOT_MS);
  return { slot, endsAt: new Date((slot + 1) * CALLER_REDRAW_SLOT_MS) };
}

/**
 * Whether one more caller crossed a volume threshold: fewer than `threshold` callers in the
 * window before it, at least `threshold` with it. Fires once per crossing: the next caller finds
 * the count already at the threshold.
 */
export function volumeCrossed(before: number, after: number, threshold: number): boolean {
  return before < threshold && after >= threshold;
}
