import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { z } from "zod";
import { describeError } from "../../lib/logger.js";
import type { Deps } from "../../services/deps.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import { answerByDeadline, confirmSaved, saveFailedMessage } from "../answer-by-deadline.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";
import { parseWorkMetadata } from "../parse/work-forms.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Who submits, for which incident, and the request key that makes a resubmission one change. */
export type FormSubmitter = { incidentId: string; actor: string; requestKey: string };

/** A form opened from an incident (its card or a command) whose submit changes that incident. */
export interface IncidentForm<T> {
  schema: (deps: Deps) => z.ZodType<T>;
  run: (deps: Deps, who: FormSubmitter, data: T) => Promise<ChangeOutcome>;
  /** The block that shows a refusal or a failure to save. */
  messageBlock: string;
  /** The block that shows a refusal with this code, when not messageBlock (e.g. the field at fault). */
  refusalBlock?: (code: string) => string | undefined;
}

/** Lets forms of different data types share one table (each form checks its own data). */
export const incidentForm = <T>(f: IncidentForm<T>) => f as unknown as IncidentForm<never>;

const STALE_FORM = "This form is out of date. Close it and open it again from the incident's card.";

/**
 * The submit handler of a table of incident forms. Bad input or a refused change keeps the
 * form open with the reason on a field and stores nothing; a success closes it and tells the
 * user in the channel they came from. A change still saving at the request deadline is
 * answered by answerByDeadline (a "saving" view, then the outcome).
 */
export function submitIncidentForm(
  forms: Record<string, IncidentForm<never>>,
  opts: { fields: string[]; staleBlock: string },
) {
  return async (deps: Deps, args: Args): Promise<void> => {
    const { ack, view, body, client } = args;
    const spec = forms[view.callback_id];
    const meta = parseWorkMetadata(view.private_metadata);
    if (!spec || !meta) {
      await ack({
        response_action: "errors",
        errors: { [spec?.messageBlock ?? opts.staleBlock]: STALE_FORM },
      });
      return;
    }
    const parsed = spec.schema(deps).safeParse(readViewState(view.state.values));
    if (!parsed.success) {
      await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, opts.fields) });
      return;
    }
    const who = { incidentId: meta.incidentId, actor: body.user.id, requestKey: `view:${view.id}` };
    const errorsOn = (message: string, block = spec.messageBlock) => ({
      response_action: "errors" as const,
      errors: { [block]: message },
    });
    await answerByDeadline(deps, args, {
      save: () =>
        spec.run(deps, who, parsed.data).catch((err: unknown) => {
          deps.logger.error(
            { err: describeError(err), viewId: view.id, incidentId: meta.incidentId },
            "form not applied",
          );
          throw err;
        }),
      answer: (settled) => {
        if (!settled.ok) {
          return errorsOn(saveFailedMessage(settled.error));
        }
        if (settled.value.ok) return undefined;
        return errorsOn(settled.value.message, spec.refusalBlock?.(settled.value.code));
      },
      saving: { title: view.title.text, what: "your change" },
      savedText: (outcome) => outcome.message,
      after: async (outcome) => {
        if (!outcome.ok || !meta.channel) return;
        await confirmSaved(deps, client, {
          channel: meta.channel,
          user: body.user.id,
          text: outcome.message,
        });
      },
    });
  };
}
