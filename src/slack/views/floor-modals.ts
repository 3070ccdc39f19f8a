import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { z } from "zod";
import { describeError } from "../../lib/logger.js";
import type { Deps } from "../../services/deps.js";
import { isDatabaseUnavailable } from "../../services/errors.js";
import { askForHelp, briefAgents, recordImpact } from "../../services/floor.js";
import type { ChangeOutcome } from "../../services/mutate-incident.js";
import { FLOOR_FIELDS as F, VIEW } from "../ids.js";
import { AskForHelpForm, briefAgentsForm, RecordImpactForm } from "../parse/floor-forms.js";
import { readViewState, toBlockErrors } from "../parse/view-state.js";
import { parseWorkMetadata } from "../parse/work-forms.js";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Who = { incidentId: string; actor: string; requestKey: string };

interface FloorForm<T> {
  schema: (deps: Deps) => z.ZodType<T>;
  run: (deps: Deps, who: Who, data: T) => Promise<ChangeOutcome>;
  /** The block that shows a refusal or a failure to save. */
  messageBlock: string;
}

const form = <T>(f: FloorForm<T>) => f as unknown as FloorForm<never>;

const FORMS: Record<string, FloorForm<never>> = {
  [VIEW.briefAgents]: form({
    schema: (deps) => briefAgentsForm(deps.clock.now()),
    run: (deps, who, briefing) => briefAgents(deps, { ...who, ...briefing }),
    messageBlock: F.affected,
  }),
  [VIEW.recordImpact]: form({
    schema: () => RecordImpactForm,
    run: (deps, who, impact) => recordImpact(deps, { ...who, ...impact }),
    messageBlock: F.callsQueued,
  }),
  [VIEW.askForHelp]: form({
    schema: () => AskForHelpForm,
    run: (deps, who, { request }) => askForHelp(deps, { ...who, request }),
    messageBlock: F.helpRequest,
  }),
};

export const FLOOR_VIEWS = Object.keys(FORMS);

const STALE_FORM = "This form is out of date. Close it and open it again from the incident's card.";

/**
 * Submit of a floor form. Bad input or a refusal keeps the form open with the reason on a
 * field and stores nothing; a success closes it and tells the user where they came from.
 */
export async function onFloorModalSubmit(deps: Deps, { ack, view, body, client }: Args): Promise<void> {
  const spec = FORMS[view.callback_id];
  const meta = parseWorkMetadata(view.private_metadata);
  if (!spec || !meta) {
    await ack({ response_action: "errors", errors: { [spec?.messageBlock ?? F.affected]: STALE_FORM } });
    return;
  }
  const parsed = spec.schema(deps).safeParse(readViewState(view.state.values));
  if (!parsed.success) {
    await ack({ response_action: "errors", errors: toBlockErrors(parsed.error, Object.values(F)) });
    return;
  }
  let outcome: ChangeOutcome;
  try {
    const who = { incidentId: meta.incidentId, actor: body.user.id, requestKey: `view:${view.id}` };
    outcome = await spec.run(deps, who, parsed.data);
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
