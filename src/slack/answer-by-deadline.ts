import { setTimeout as sleep } from "node:timers/promises";
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { describeError } from "../lib/logger.js";
import { formAgainModal, savedModal, savingModal } from "../messages/saving-modal.js";
import type { Deps } from "../services/deps.js";
import { isDatabaseUnavailable } from "../services/errors.js";
import { msLeft } from "./deadline.js";

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
/** Our views come from pure builders typed loosely; Bolt's answer type is the strict one. */
type AckBody = Parameters<ViewArgs["ack"]>[0];

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

type ModalView = Record<string, unknown>;
/** A view submission's answer: close (undefined), errors on fields, or another view. */
export type ViewAnswer =
  | undefined
  | { response_action: "errors"; errors: Record<string, string> }
  | { response_action: "update"; view: ModalView };

/** A form's save, and what the form shows for each way it can end. */
export interface DeadlineForm<T> {
  /** Starts the save (one transaction keyed by the view id, so a resubmission adds nothing). */
  save: () => Promise<T>;
  /** The answer once the save has ended; the late path shows the same thing by views.update. */
  answer: (settled: Settled<T>) => ViewAnswer;
  /** Words of the waiting view: its title and what is being saved ("your incident"). */
  saving: { title: string; what: string };
  /** What a form that closes on success says instead when it was saved late. */
  savedText?: (value: T) => string;
  /** After the answer, whether in time or late: follow-ups that need the saved value. */
  after?: (value: T) => Promise<void>;
}

/**
 * A late save that has still not ended after this long is told to the agent as not saved (its
 * form comes back, to be submitted again: the view id keeps that from saving twice). If it ends
 * later with success, the view is updated once more to say so.
 */
export const LATE_SAVE_LIMIT_MS = 20_000;

/** The save outlived LATE_SAVE_LIMIT_MS: the agent is asked to submit again. */
export class SaveTimedOut extends Error {
  constructor() {
    super("save still running after the late-save limit");
  }
}

/** The save failed in a way pressing the button again can cure (database down, slow, cancelled). */
export function canRetry(err: unknown): boolean {
  return err instanceof SaveTimedOut || isDatabaseUnavailable(err);
}

/** What a form says when its save failed: whether pressing the button again can help. */
export function saveFailedMessage(error: unknown, form: { what?: string; button?: string } = {}): string {
  const thing = form.what ? ` ${form.what}` : "";
  const again = form.button ? `press ${form.button} again` : "try again";
  return canRetry(error)
    ? `Couldn't save${thing} just now: the database is not answering. Your entries are still here; ${again} in a few seconds.`
    : `Couldn't save${thing} because of an internal error. Your entries are still here; please try again.`;
}

/**
 * The one rule for every form: answer within the request deadline. If the save ends in time,
 * Slack gets the form's usual answer. If not, Slack gets a "saving" view at the deadline, and
 * that view is updated (same view id) with the outcome when the save ends: the result, or the
 * form again with the agent's entries and why it was not saved.
 */
export async function answerByDeadline<T>(deps: Deps, args: ViewArgs, form: DeadlineForm<T>): Promise<void> {
  const saving = settle(form.save());
  const abandon = new AbortController();
  const inTime = await Promise.race([
    saving,
    sleep(msLeft(args.context), null, { signal: abandon.signal }).catch(() => null),
  ]);
  abandon.abort();
  if (inTime) {
    await args.ack(form.answer(inTime) as AckBody);
    if (inTime.ok) await form.after?.(inTime.value);
    return;
  }
  await args.ack({ response_action: "update", view: savingModal(form.saving) });
  const log = deps.logger.child({ component: "slack.forms" });
  log.warn({ viewId: args.view.id, form: args.view.callback_id }, "form answered before its save ended");
  const limit = new AbortController();
  const settled = await Promise.race([
    saving,
    sleep(LATE_SAVE_LIMIT_MS, { ok: false as const, error: new SaveTimedOut() }, { signal: limit.signal }),
  ]).finally(() => limit.abort());
  await showOutcome(deps, args, form, settled);
  if (settled.ok) await form.after?.(settled.value);
  else if (settled.error instanceof SaveTimedOut) {
    // Race: the save may still commit; if it does, the agent's form is replaced by its result.
    const last = await saving;
    if (last.ok) {
      await showOutcome(deps, args, form, last);
      await form.after?.(last.value);
    }
  }
}

/** The view a late save ends on: what the form answers in time, as a view of its own. */
export function lateView<T>(submitted: ModalView, form: DeadlineForm<T>, settled: Settled<T>): ModalView {
  const answer = form.answer(settled);
  if (answer?.response_action === "update") return answer.view;
  if (answer?.response_action === "errors") {
    return formAgainModal(submitted, [...new Set(Object.values(answer.errors))].join(" "));
  }
  const text = settled.ok && form.savedText ? form.savedText(settled.value) : "Saved.";
  return savedModal({ title: form.saving.title, text });
}

async function showOutcome<T>(deps: Deps, args: ViewArgs, form: DeadlineForm<T>, settled: Settled<T>) {
  const view = lateView(args.view as unknown as ModalView, form, settled);
  const shown = await updateView(args.client, args.view.id, view);
  const log = deps.logger.child({ component: "slack.forms" });
  if (shown === true) log.info({ viewId: args.view.id, saved: settled.ok }, "late save shown");
  else log.warn({ viewId: args.view.id, saved: settled.ok, err: shown }, "late save not shown");
}

/** After a save: tells the person who sent the form, in the channel it came from (best effort). */
export async function confirmSaved(
  deps: Deps,
  client: WebClient,
  p: { channel: string; user: string; text: string },
) {
  await client.chat
    .postEphemeral(p)
    .catch((err: unknown) => deps.logger.debug({ err: describeError(err) }, "confirmation not shown"));
}

const UPDATE_ATTEMPTS = 4;

/**
 * views.update with a short bounded retry: the agent is watching this view, so a transient
 * failure (timeout, 5xx, 429) is tried again within seconds; `not_found` (the agent closed it)
 * and other platform errors are not. Returns true, or why it gave up.
 */
export async function updateView(client: WebClient, viewId: string, view: ModalView): Promise<true | string> {
  let why = "";
  for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the view is built by our pure builders
      await client.views.update({ view_id: viewId, view: view as any });
      return true;
    } catch (err) {
      why = describeError(err);
      const e = err as { code?: string; retryAfter?: number };
      if (e.code === "slack_webapi_platform_error") return why;
      const waitMs = e.retryAfter ? Math.min(e.retryAfter * 1_000, 5_000) : 250 * 2 ** attempt;
      if (attempt < UPDATE_ATTEMPTS) await sleep(waitMs);
    }
  }
  return why;
}

function settle<T>(work: Promise<T>): Promise<Settled<T>> {
  return work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
