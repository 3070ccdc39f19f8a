import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { z } from "zod";
import { describeError } from "../../lib/logger.js";
import type { Deps } from "../../services/deps.js";
import { isDatabaseUnavailable } from "../../services/errors.js";
import { changeStatus } from "../../services/lifecycle.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import { postStakeholderUpdate } from "../../services/notes-and-updates.js";
import { recategorise } from "../../services/recategorise.js";
import { incidentTypeList } from "../../services/render.js";
import { WORK_FIELDS as F, VIEW } from "../ids.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";
import {
  HoldForm,
  parseWorkMetadata,
  ReopenForm,
  ResolveForm,
  recategoriseForm,
  updateForm,
} from "../parse/work-forms.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Run<T> = (
  p: { incidentId: string; actor: string; requestKey: string },
  data: T,
) => Promise<ChangeOutcome>;

interface WorkForm<T> {
  schema: (deps: Deps) => z.ZodType<T>;
  run: (deps: Deps) => Run<T>;
  /** The block that shows a refusal (e.g. "only a team lead can close"). */
  messageBlock: string;
}

const FORMS: Record<string, WorkForm<never>> = {
  [VIEW.hold]: form({
    schema: () => HoldForm,
    run: (deps) => (p, hold) => changeStatus(deps, { ...p, action: "hold", hold }),
    messageBlock: F.holdReason,
  }),
  [VIEW.resolve]: form({
    schema: () => ResolveForm,
    run: (deps) => (p, resolution) => changeStatus(deps, { ...p, action: "resolve", resolution }),
    messageBlock: F.summary,
  }),
  [VIEW.reopen]: form({
    schema: () => ReopenForm,
    run:
      (deps) =>
      (p, { reason }) =>
        changeStatus(deps, { ...p, action: "reopen", reason }),
    messageBlock: F.reason,
  }),
  [VIEW.update]: form({
    schema: (deps) => updateForm(deps.clock.now()),
    run: (deps) => (p, update) => postStakeholderUpdate(deps, { ...p, ...update }),
    messageBlock: F.happening,
  }),
  [VIEW.recategorise]: form({
    schema: (deps) => recategoriseForm(incidentTypeList(deps.policy).map((t) => t.key)),
    run: (deps) => (p, change) => recategorise(deps, { ...p, ...change }),
    messageBlock: F.reason,
  }),
};

function form<T>(f: WorkForm<T>): WorkForm<never> {
  return f as unknown as WorkForm<never>;
}

export const WORK_VIEWS = Object.keys(FORMS);

const STALE_FORM = "This form is out of date. Close it and open it again from the incident's card.";

/**
 * Submit of a working form. Bad input or a refused change keeps the form open with the
 * reason on a field; a success closes it and tells the user in the channel they came from.
 */
export async function onWorkModalSubmit(deps: Deps, { ack, view, body, client }: Args): Promise<void> {
  const spec = FORMS[view.callback_id];
  const meta = parseWorkMetadata(view.private_metadata);
  if (!spec || !meta) {
    const block = spec?.messageBlock ?? F.reason;
    await ack({ response_action: "errors", errors: { [block]: STALE_FORM } });
    return;
  }
  const parsed = spec.schema(deps).safeParse(readViewState(view.state.values));
  if (!parsed.success) {
    await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, Object.values(F)) });
    return;
  }
  let outcome: ChangeOutcome;
  try {
    outcome = await spec.run(deps)(
      { incidentId: meta.incidentId, actor: body.user.id, requestKey: `view:${view.id}` },
      parsed.data,
    );
  } catch (err) {
    deps.logger.error(
      { err: describeError(err), viewId: view.id, incidentId: meta.incidentId },
      "form not applied",
    );
    const message = isDatabaseUnavailable(err)
      ? "Couldn't save just now: the database is not answering. Your entries are still here; try again in a few seconds."
      : "Couldn't save because of an internal error. Your entries are still here; please try again.";
    await ack({ response_action: "errors", errors: { [spec.messageBlock]: message } });
    return;
  }
  if (!outcome.ok) {
    await ack({ response_action: "errors", errors: { [spec.messageBlock]: outcome.message } });
    return;
  }
  await ack();
  if (meta.channel) {
    await client.chat
      .postEphemeral({ channel: meta.channel, user: body.user.id, text: outcome.message })
      .catch((err: unknown) => deps.logger.debug({ err: describeError(err) }, "confirmation not shown"));
  }
}
