import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { workingChannelOf } from "../../domain/policy-types.js";
import { getsOwnChannel } from "../../domain/work-place.js";
import { describeError } from "../../lib/logger.js";
import { LOG_FIELDS } from "../../messages/ids.js";
import { incidentLoggedModal } from "../../messages/log-incident-modal.js";
import type { Deps } from "../../services/deps.js";

import { commitLoggedIncident, queueFollowUps } from "../../services/log-incident.js";
import { incidentTypeList } from "../../services/render.js";
import { answerByDeadline, saveFailedMessage } from "../answer-by-deadline.js";
import { logIncidentForm, parseModalMetadata } from "../parse/log-incident.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const BLOCKS = Object.values(LOG_FIELDS);

/**
 * The modal's submit. The incident is committed before the answer that tells the user it
 * exists; a validation problem or a database outage keeps the form open with the user's
 * entries and a message on the field concerned. A commit still running at the request deadline
 * is answered with a "saving" view that then shows the reference, or the form again (see
 * answerByDeadline). The set-up job and the clocks are queued after the answer: PostgreSQL
 * already holds everything they need, so the user does not wait on Redis, and if Redis is down
 * (the user is told) the sweep and the reconciler queue them later.
 */
export async function onLogIncidentSubmit(deps: Deps, args: Args): Promise<void> {
  const { ack, view, body } = args;
  const parsed = formOf(deps).safeParse(readViewState(view.state.values));
  if (!parsed.success) {
    await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, BLOCKS) });
    return;
  }
  const metadata = parseModalMetadata(view.private_metadata);
  await answerByDeadline(deps, args, {
    // Race: a commit that outlives the deadline may still succeed after the user was told to
    // retry. The retry carries the same view id, so it finds that incident instead of adding one.
    save: () =>
      commitLoggedIncident(deps, {
        ...parsed.data,
        reporterId: body.user.id,
        submissionKey: view.id,
        source: metadata.source,
      }).catch((err: unknown) => {
        deps.logger.error(
          { err: describeError(err), user: body.user.id, viewId: view.id },
          "incident not logged",
        );
        throw err;
      }),
    answer: (settled) => {
      if (!settled.ok) {
        const message = saveFailedMessage(settled.error, { what: "the incident", button: "Log incident" });
        return { response_action: "errors", errors: { [LOG_FIELDS.title]: message } };
      }
      const logged = settled.value;
      return {
        response_action: "update",
        view: incidentLoggedModal({
          reference: logged.reference,
          priority: logged.incident.priority,
          title: logged.incident.title,
          delayed: !deps.jobs.connected(),
          workingChannel: getsOwnChannel(deps.policy, logged.incident)
            ? null
            : workingChannelOf(deps.policy, logged.incident.type),
        }),
      };
    },
    saving: { title: "Log an incident", what: "your incident" },
    after: (logged) => queueFollowUps(deps, logged),
  });
}

const forms = new WeakMap<Deps, { policy: Deps["policy"]; form: ReturnType<typeof logIncidentForm> }>();

/** The form's parser for the running policy, built once. */
function formOf(deps: Deps) {
  const built = forms.get(deps);
  if (built?.policy === deps.policy) return built.form;
  const keys = incidentTypeList(deps.policy).map((t) => t.key);
  const form = logIncidentForm(keys, () => deps.clock.now());
  forms.set(deps, { policy: deps.policy, form });
  return form;
}
