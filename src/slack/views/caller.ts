import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { callerTotal } from "../../db/queries/caller-reports.js";
import { getIncidentById } from "../../db/queries/incidents.js";
import { describeError } from "../../lib/logger.js";
import { callerAddedModal } from "../../messages/caller-modal.js";
import { CALLER_FIELDS } from "../../messages/ids.js";
import { addCallerReport } from "../../services/callers.js";
import type { Deps } from "../../services/deps.js";
import { answerByDeadline, saveFailedMessage } from "../answer-by-deadline.js";
import {
  type AddCallerForm,
  addCallerForm,
  CALLER_BLOCKS,
  callerFormIncidentId,
  callerTimeProblem,
} from "../parse/caller-form.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** What saving the form came to: the caller recorded (or found recorded), or why not, on a field. */
type CallerSaved =
  | { ok: true; reference: string; callers: number; created: boolean }
  | { ok: false; field: string; message: string };

const forms = new WeakMap<Deps, ReturnType<typeof addCallerForm>>();

function formOf(deps: Deps) {
  let form = forms.get(deps);
  if (!form) {
    form = addCallerForm(() => deps.clock.now());
    forms.set(deps, form);
  }
  return form;
}

/**
 * *Add a caller* submitted. Answered like the Log form (answerByDeadline): in time with the
 * count, or a "saving" view that then shows it; the view id is the report's submission key, so a
 * resubmission (or a retry after a late answer) records nothing more. No personal data is logged
 * here: the service's log line says how they got in touch and whether a callback is wanted.
 */
export async function onAddCallerSubmit(deps: Deps, args: Args): Promise<void> {
  const { ack, view, body } = args;
  const parsed = formOf(deps).safeParse(readViewState(view.state.values));
  if (!parsed.success) {
    await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, CALLER_BLOCKS) });
    return;
  }
  const incidentId = callerFormIncidentId(view.private_metadata);
  if (!incidentId) {
    const message = "This form is out of date. Close it and open Add a caller again from the incident.";
    await ack({ response_action: "errors", errors: { [CALLER_FIELDS.callerReference]: message } });
    return;
  }
  await answerByDeadline(deps, args, {
    save: () =>
      saveCaller(deps, { incidentId, form: parsed.data, user: body.user.id, viewId: view.id }).catch(
        (err: unknown) => {
          deps.logger.error(
            { err: describeError(err), incidentId, user: body.user.id, viewId: view.id },
            "caller not added",
          );
          throw err;
        },
      ),
    answer: (settled) => {
      if (!settled.ok) {
        const message = saveFailedMessage(settled.error, { what: "the caller", button: "Add caller" });
        return { response_action: "errors", errors: { [CALLER_FIELDS.callerReference]: message } };
      }
      const saved = settled.value;
      if (!saved.ok) return { response_action: "errors", errors: { [saved.field]: saved.message } };
      return {
        response_action: "update",
        view: callerAddedModal({ reference: saved.reference, callers: saved.callers, again: !saved.created }),
      };
    },
    saving: { title: "Add a caller", what: "the caller" },
  });
}

async function saveCaller(
  deps: Deps,
  p: { incidentId: string; form: AddCallerForm; user: string; viewId: string },
): Promise<CallerSaved> {
  const incident = await getIncidentById(deps.db, p.incidentId);
  if (!incident) {
    return { ok: false, field: CALLER_FIELDS.callerReference, message: "That incident no longer exists." };
  }
  const early = callerTimeProblem(p.form.contactedAt, incident.loggedAt);
  if (early) return { ok: false, field: CALLER_FIELDS.contactedAt, message: early };
  const added = await addCallerReport(deps, {
    incidentId: incident.id,
    ...p.form,
    reportedBy: p.user,
    submissionKey: p.viewId,
  });
  if (!added.ok) return { ok: false, field: CALLER_FIELDS.callerReference, message: added.error.message };
  return {
    ok: true,
    reference: added.value.reference,
    callers: await callerTotal(deps.db, incident.id),
    created: added.value.created,
  };
}
