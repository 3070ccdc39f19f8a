import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { describeError } from "../../lib/logger.js";
import { PRACTICE_FIELDS } from "../../messages/ids.js";
import { practiceStartedModal } from "../../messages/practice-modal.js";
import type { Deps } from "../../services/deps.js";
import { startPractice } from "../../services/practice-start.js";
import { answerByDeadline, saveFailedMessage } from "../answer-by-deadline.js";
import { PRACTICE_BLOCKS, PracticeStartForm } from "../parse/practice-form.js";
import { toBlockErrors } from "../parse/view-state.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * *Start a practice drill* submitted: the run and its incident are committed (the view id is
 * the submission key, so a resubmission starts nothing more), then the form says which drill
 * started. Set-up opens its `practice-…` channel after the answer, as for any incident.
 */
export async function onPracticeStartSubmit(deps: Deps, args: Args): Promise<void> {
  const { ack, view, body } = args;
  const parsed = PracticeStartForm.safeParse(view.state.values);
  if (!parsed.success) {
    await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, PRACTICE_BLOCKS) });
    return;
  }
  const field = PRACTICE_FIELDS.scenario;
  await answerByDeadline(deps, args, {
    save: () =>
      startPractice(deps, { ...parsed.data, leadId: body.user.id, submissionKey: view.id }).catch(
        (err: unknown) => {
          deps.logger.error(
            { err: describeError(err), user: body.user.id, viewId: view.id },
            "drill not started",
          );
          throw err;
        },
      ),
    answer: (settled) => {
      if (!settled.ok) {
        const message = saveFailedMessage(settled.error, { what: "the drill", button: "Start drill" });
        return { response_action: "errors", errors: { [field]: message } };
      }
      const started = settled.value;
      if (!started.ok) {
        const on = started.error.code === "no_trainee" ? PRACTICE_FIELDS.trainees : field;
        return { response_action: "errors", errors: { [on]: started.error.message } };
      }
      return {
        response_action: "update",
        view: practiceStartedModal({
          number: started.value.incident.number,
          scenarioLabel: started.value.scenario.label,
          again: !started.value.created,
        }),
      };
    },
    saving: { title: "Practice drill", what: "the drill" },
  });
}
