import type { AnyMiddlewareArgs, Middleware, RespondFn } from "@slack/bolt";
import { isDatabaseUnavailable } from "../services/errors.js";

/** A click still being handled after this long gets a word that it is, and why. */
export const CLICK_LATE_MS = 5_000;

export const CLICK_MESSAGES = {
  late:
    "Still working on that: the incident database is slow to answer. You'll get an answer here " +
    "when it's done; if none comes, check the card before pressing again.",
  databaseDown:
    "That didn't go through: the incident database is not answering. In a minute, check the card " +
    "(or `/incident show`) and press again if nothing changed.",
  failed:
    "Something went wrong handling that. Check the card (or `/incident show`) before pressing " +
    "again; if it keeps happening, tell your Switchboard admin.",
} as const;

/**
 * A click is acknowledged at once and handled after, so whatever goes wrong then (the database
 * down, a statement failing) would leave the person who clicked with no answer at all, and a
 * card that did not change. For clicks on messages (they carry a response_url: cards,
 * escalation DMs, checklists, reminders) this answers them instead: when the handling fails,
 * and when it is still running after `lateMs`. The error still reaches `app.error`'s log.
 */
export function answerUnansweredClicks(lateMs = CLICK_LATE_MS): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const respond = (args as { respond?: RespondFn }).respond;
    if (args.body.type !== "block_actions" || !respond) return args.next();
    const tell = (text: string) =>
      respond({ response_type: "ephemeral", replace_original: false, text }).then(
        () => undefined,
        () => undefined, // the response_url itself failing leaves nothing more to try
      );
    const timer = setTimeout(() => void tell(CLICK_MESSAGES.late), lateMs);
    try {
      await args.next().finally(() => clearTimeout(timer));
    } catch (err) {
      await tell(isDatabaseUnavailable(err) ? CLICK_MESSAGES.databaseDown : CLICK_MESSAGES.failed);
      throw err;
    }
  };
}
