import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { DateTime } from "luxon";
import { z } from "zod";
import { describeError } from "../../lib/logger.js";
import { REVIEW_FIELDS as F } from "../../messages/ids.js";
import type { Deps } from "../../services/deps.js";
import { isDatabaseUnavailable } from "../../services/errors.js";
import { type SubmitOutcome, submitReview } from "../../services/review.js";
import { REVIEW_BLOCKS, reviewForm } from "../parse/review-form.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const Metadata = z.object({ incidentId: z.uuid(), reviewId: z.uuid(), channel: z.string().optional() });

function parseMetadata(raw: string | undefined) {
  try {
    const parsed = Metadata.safeParse(JSON.parse(raw ?? ""));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const errorsOn = (message: string) => ({
  response_action: "errors" as const,
  errors: { [F.rootCause]: message },
});

/**
 * Submit of the review form. Bad input keeps the form open with the reason on the field; a
 * refusal (already completed, not yours, reopened) shows on the root cause; success closes it.
 */
export async function onReviewSubmit(deps: Deps, { ack, view, body, client }: Args): Promise<void> {
  const meta = parseMetadata(view.private_metadata);
  if (!meta)
    return void (await ack(errorsOn("This form is out of date. Close it and run `/incident review` again.")));
  const today = DateTime.fromJSDate(deps.clock.now(), { zone: deps.policy.timezone }).toISODate() ?? "";
  const form = reviewForm(Object.keys(deps.policy.review.rootCauseCategories), today);
  const parsed = form.safeParse(readViewState(view.state.values));
  if (!parsed.success) {
    return void (await ack({
      response_action: "errors",
      errors: toBlockErrors(parsed.error, REVIEW_BLOCKS),
    }));
  }
  let outcome: SubmitOutcome;
  try {
    outcome = await submitReview(deps, { ...meta, actor: body.user.id, viewId: view.id, form: parsed.data });
  } catch (err) {
    deps.logger.error(
      { err: describeError(err), viewId: view.id, incidentId: meta.incidentId },
      "review not saved",
    );
    const message = isDatabaseUnavailable(err)
      ? "Couldn't save just now: the database is not answering. Your entries are still here; try again in a few seconds."
      : "Couldn't save because of an internal error. Your entries are still here; please try again.";
    return void (await ack(errorsOn(message)));
  }
  if (!outcome.ok) return void (await ack(errorsOn(outcome.message)));
  await ack();
  await outcome.followUp();
  if (meta.channel && !outcome.duplicate) {
    await client.chat
      .postEphemeral({ channel: meta.channel, user: body.user.id, text: outcome.message })
      .catch((err: unknown) => deps.logger.debug({ err: describeError(err) }, "confirmation not shown"));
  }
}
