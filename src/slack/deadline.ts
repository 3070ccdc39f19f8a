import type { IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import type { AnyMiddlewareArgs, Context, Middleware } from "@slack/bolt";
import type { Logger } from "../lib/logger.js";

/**
 * Every request Slack sends is answered within this long of its arrival, whatever PostgreSQL,
 * Redis or the CPU are doing. Slack gives up at 3 s, counted from when it sent the request: the
 * rest is for the network and for writing the answer. Not configurable: a larger value is a
 * broken promise to the user, and a smaller one only makes more forms finish after their answer.
 */
export const REQUEST_DEADLINE_MS = 2_500;

/** The context key under which the receivers record when a request arrived (performance.now()). */
export const ARRIVED_AT = "arrivedAt";

const arrivals = new WeakMap<IncomingMessage, number>();

/** Called by the HTTP receiver when a request's first byte is read (before the body is). */
export function markArrival(req: IncomingMessage): void {
  if (!arrivals.has(req)) arrivals.set(req, performance.now());
}

/** Custom properties for Bolt's context: when the request arrived (now, if it was not marked). */
export function arrivalProperties(req?: IncomingMessage): Record<string, number> {
  return { [ARRIVED_AT]: (req && arrivals.get(req)) ?? performance.now() };
}

/** How long is left before `context`'s request must be answered (0 when the deadline has passed). */
export function msLeft(context: Context, deadlineMs = REQUEST_DEADLINE_MS): number {
  const arrived = typeof context[ARRIVED_AT] === "number" ? context[ARRIVED_AT] : performance.now();
  return Math.max(0, deadlineMs - (performance.now() - arrived));
}

/** An empty answer for each kind that may take one; view submissions answer by themselves. */
const ANSWERABLE = new Set([
  "block_actions",
  "block_suggestion",
  "shortcut",
  "message_action",
  "view_closed",
]);

/**
 * The net under every listener but forms: commands, buttons, shortcuts and options requests
 * are answered first thing by their listeners; if one has not answered by the deadline (it
 * waited on something it should not have), this answers it empty, so Slack shows no error, and
 * logs which request it was. Its listener's own later ack then fails and reaches app.error.
 * Form submissions are left to answerByDeadline, which knows what to show.
 */
export function answerByDeadlineNet(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as { type?: string; command?: string };
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    if (!ack || !(body.command || ANSWERABLE.has(body.type ?? ""))) return args.next();
    const timer = setTimeout(() => {
      ack().then(
        () =>
          log.warn({ kind: body.command ? "command" : body.type }, "request answered empty at its deadline"),
        () => undefined, // already answered: the listener did its job in time
      );
    }, msLeft(args.context));
    try {
      await args.next();
    } finally {
      clearTimeout(timer);
    }
  };
}
