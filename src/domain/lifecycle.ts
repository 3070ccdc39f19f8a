import { assertNever, STATUS_LABELS, type Status } from "./incident.js";
import { err, ok, type Result } from "./result.js";

/**
 * The incident lifecycle: the one state machine every status change goes through (DESIGN §1).
 *
 *   open → acknowledged → in_progress ⇄ on_hold → resolved → closed
 *   resolved | closed → in_progress (reopen)
 *   open | acknowledged | in_progress | on_hold → resolved
 *
 * Reopening a closed incident is a manager's call (permissions.reopen_closed, checked in
 * permissions.ts); otherwise a closed record does not change.
 */

/** In the order a responder meets them; `allowedActions` keeps this order. */
export const LIFECYCLE_ACTIONS = [
  "acknowledge",
  "start",
  "hold",
  "resume",
  "resolve",
  "close",
  "reopen",
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export const ACTION_LABELS: Record<LifecycleAction, string> = {
  acknowledge: "Acknowledge",
  start: "Start work",
  hold: "Put on hold",
  resume: "Resume",
  resolve: "Resolve",
  close: "Close",
  reopen: "Reopen",
};

/** Why an incident waits; the resolve clock is paused while it does. */
export const HOLD_REASONS = ["awaiting_customer", "awaiting_third_party", "other"] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export const HOLD_REASON_LABELS: Record<HoldReason, string> = {
  awaiting_customer: "Awaiting customer",
  awaiting_third_party: "Awaiting third party",
  other: "Other",
};

export interface IllegalTransition {
  code: "illegal_transition";
  from: Status;
  action: LifecycleAction;
  /** What may be done from `from`, in `LIFECYCLE_ACTIONS` order. */
  allowed: LifecycleAction[];
  /** User-facing, without the incident reference: the caller prefixes it. */
  message: string;
}

/** The status each action leads to; an action has one target whatever its origin. */
export function targetOf(action: LifecycleAction): Status {
  switch (action) {
    case "acknowledge":
      return "acknowledged";
    case "start":
    case "resume":
    case "reopen":
      return "in_progress";
    case "hold":
      return "on_hold";
    case "resolve":
      return "resolved";
    case "close":
      return "closed";
    default:
      return assertNever(action);
  }
}

/** The statuses each action may leave from. */
const SOURCES: Record<LifecycleAction, readonly Status[]> = {
  acknowledge: ["open"],
  start: ["acknowledged"],
  hold: ["in_progress"],
  resume: ["on_hold"],
  resolve: ["open", "acknowledged", "in_progress", "on_hold"],
  close: ["resolved"],
  reopen: ["resolved", "closed"],
};

export function allowedActions(from: Status): LifecycleAction[] {
  return LIFECYCLE_ACTIONS.filter((action) => SOURCES[action].includes(from));
}

export function transition(from: Status, action: LifecycleAction): Result<Status, IllegalTransition> {
  if (SOURCES[action].includes(from)) return ok(targetOf(action));
  const allowed = allowedActions(from);
  return err({
    code: "illegal_transition",
    from,
    action,
    allowed,
    message: refusalMessage(from, action, allowed),
  });
}

/** The single action that moves `from` to `to` (for `/incident status <status>`), or null. */
export function actionTo(from: Status, to: Status): LifecycleAction | null {
  return allowedActions(from).find((action) => targetOf(action) === to) ?? null;
}

/** Still needs work: neither resolved nor closed. */
export function isOpenStatus(status: Status): boolean {
  switch (status) {
    case "open":
    case "acknowledged":
    case "in_progress":
    case "on_hold":
      return true;
    case "resolved":
    case "closed":
      return false;
    default:
      return assertNever(status);
  }
}

const STATUS_WORDS: Record<string, Status> = {
  open: "open",
  acknowledged: "acknowledged",
  ack: "acknowledged",
  in_progress: "in_progress",
  working: "in_progress",
  on_hold: "on_hold",
  hold: "on_hold",
  resolved: "resolved",
  closed: "closed",
};

/** Reads what a user types after `/incident status`: "in progress", "In-Progress", "ack", … */
export function parseStatusWord(text: string): Status | null {
  const word = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
  return Object.hasOwn(STATUS_WORDS, word) ? (STATUS_WORDS[word] ?? null) : null;
}

/** "a", "a or b", "a, b or c". */
export function joinWithOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** What "you can't …" says for each action. */
const ACTION_PHRASES: Record<LifecycleAction, string> = {
  acknowledge: "acknowledge it",
  start: "start work on it",
  hold: "put it on hold",
  resume: "resume it",
  resolve: "resolve it",
  close: "close it",
  reopen: "reopen it",
};

function refusalMessage(from: Status, action: LifecycleAction, allowed: LifecycleAction[]): string {
  const label = STATUS_LABELS[from];
  const next =
    allowed.length === 0
      ? "Nothing can be done to it from here."
      : `From ${label} you can: ${joinWithOr(allowed.map((a) => ACTION_LABELS[a].toLowerCase()))}.`;
  // A repeat click (two agents acknowledging at once) is a no-op, not a mistake: say so plainly.
  if (targetOf(action) === from) return `It is already ${label.toLowerCase()}. ${next}`;
  return `It is *${label}*, so you can't ${ACTION_PHRASES[action]}. ${next}`;
}
