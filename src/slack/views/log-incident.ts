import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { describeError } from "../../lib/logger.js";
import { LOG_FIELDS } from "../../messages/ids.js";
import { incidentLoggedModal } from "../../messages/log-incident-modal.js";
import type { Deps } from "../../services/deps.js";
import { isDatabaseUnavailable } from "../../services/errors.js";
import { commitLoggedIncident, queueFollowUps } from "../../services/log-incident.js";
import { incidentTypeList } from "../../services/render.js";
import { logIncidentForm, parseModalMetadata } from "../parse/log-incident.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const BLOCKS = Object.values(LOG_FIELDS);
/** Leave Slack's 3 s budget some room: past this, answer "try again" rather than time out. */
const COMMIT_BUDGET_MS = 2_300;

/**
 * The modal's submit. The incident is committed before the ack that tells the user it
 * exists; a validation problem or a database outage keeps the form open with the user's
 * entries and a message on the field concerned. The set-up job and the clocks are queued
 * after the ack: PostgreSQL already holds everything they need, so the user does not wait on
 * Redis, and if Redis is down (the user is told) the sweep and the reconciler queue them later.
 */
export async function onLogIncidentSubmit(deps: Deps, { ack, view, body }: Args): Promise<void> {
  const parsed = formOf(deps).safeParse(readViewState(view.state.values));
  if (!parsed.success) {
    await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, BLOCKS) });
    return;
  }
  const metadata = parseModalMetadata(view.private_metadata);
  const committing = commitLoggedIncident(deps, {
    ...parsed.data,
    reporterId: body.user.id,
    submissionKey: view.id,
    source: metadata.source,
  });
  let logged: Awaited<typeof committing>;
  try {
    logged = await withinBudget(committing);
  } catch (err) {
    deps.logger.error(
      { err: describeError(err), user: body.user.id, viewId: view.id },
      "incident not logged",
    );
    const message =
      isDatabaseUnavailable(err) || err instanceof BudgetExceeded
        ? "Couldn't save the incident just now: the database is not answering. Your entries are still here; press Log incident again in a few seconds."
        : "Couldn't save the incident because of an internal error. Your entries are still here; please try again.";
    await ack({ response_action: "errors", errors: { [LOG_FIELDS.title]: message } });
    return;
  }
  await ack({
    response_action: "update",
    view: incidentLoggedModal({
      reference: logged.reference,
      priority: logged.incident.priority,
      title: logged.incident.title,
      delayed: !deps.jobs.connected(),
    }),
  });
  await queueFollowUps(deps, logged);
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

class BudgetExceeded extends Error {}

/*
 * Race: if the commit outlives the budget it may still succeed after the user was told to
 * retry. The retry carries the same view id, so it finds that incident instead of adding one.
 */
function withinBudget<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded("commit budget exceeded")), COMMIT_BUDGET_MS);
  });
  work.catch(() => {}); // a late failure after the timeout has nobody to tell
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
