import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { DateTime } from "luxon";
import { z } from "zod";
import { describeError } from "../../lib/logger.js";
import { REVIEW_FIELDS as F } from "../../messages/ids.js";
import type { Deps } from "../../services/deps.js";
import { submitReview } from "../../services/review.js";
import { answerByDeadline, confirmSaved, saveFailedMessage } from "../answer-by-deadline.js";
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
export async function onReviewSubmit(deps: Deps, args: Args): Promise<void> {
  const { ack, view, body, client } = args;
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
  await answerByDeadline(deps, args, {
    save: () =>
      submitReview(deps, { ...meta, actor: body.user.id, viewId: view.id, form: parsed.data }).catch(
        (err: unknown) => {
          deps.logger.error(
            { err: describeError(err), viewId: view.id, incidentId: meta.incidentId },
            "review not saved",
          );
          throw err;
        },
      ),
    answer: (settled) => {
      if (!settled.ok) {
        return errorsOn(saveFailedMessage(settled.error));
      }
      return settled.value.ok ? undefined : errorsOn(settled.value.message);
    },
    saving: { title: view.title.text, what: "your review" },
    savedText: (outcome) => outcome.message,
    after: async (outcome) => {
      if (!outcome.ok) return;
      await outcome.followUp();
      if (meta.channel && !outcome.duplicate) {
        await confirmSaved(deps, client, {
          channel: meta.channel,
          user: body.user.id,
          text: outcome.message,
        });
      }
    },
  });
}
