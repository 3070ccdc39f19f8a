import type {
  AllMiddlewareArgs,
  BlockAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { getIncidentById } from "../../db/queries/incidents.js";
import { getPracticeRun } from "../../db/queries/practice.js";
import { formatReference } from "../../domain/reference.js";
import { describeError } from "../../lib/logger.js";
import { PRACTICE_COACHING } from "../../messages/ids.js";
import { COACHING_MAX, coachingNotesModal } from "../../messages/practice-coaching-modal.js";
import type { Deps } from "../../services/deps.js";
import { mayLeadDrill, saveCoachingNotes, storedDebriefOf } from "../../services/practice-debrief.js";
import { openModal } from "../open-modal.js";
import { normaliseText } from "../parse/fields.js";
import { readViewState } from "../parse/view-state.js";
import { STALE_BUTTON } from "./unknown.js";

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const ButtonAction = z.object({ action_id: z.string(), value: z.uuid() });

/** Why `user` may not write the drill's coaching notes now; null when they may. */
async function refusal(deps: Deps, incidentId: string, user: string) {
  const incident = await getIncidentById(deps.db, incidentId);
  const run = incident?.practiceRunId ? await getPracticeRun(deps.db, incident.practiceRunId) : null;
  if (!incident || !run) return { message: "That drill no longer exists." };
  const reference = formatReference(incident.number);
  if (!mayLeadDrill(deps, run, user))
    return { message: `Only the drill's lead (<@${run.leadId}>) can add coaching notes to ${reference}.` };
  if (!storedDebriefOf(run)) return { message: `${reference}: the drill has no debrief yet.` };
  return { incident, run, reference, message: null };
}

/** *Add coaching notes* on a debrief: the form, for the drill's lead only. */
export async function onCoachingNotesButton(
  deps: Deps,
  { ack, body, action, respond, client }: ButtonArgs,
): Promise<void> {
  await ack();
  const say = (text: string) => respond({ response_type: "ephemeral", replace_original: false, text });
  const parsed = ButtonAction.safeParse(action);
  if (!parsed.success) return void (await say(STALE_BUTTON));
  const checked = await refusal(deps, parsed.data.value, body.user.id);
  if (checked.message !== null || !("run" in checked))
    return void (await say(checked.message ?? STALE_BUTTON));
  const problem = await openModal(deps, client as WebClient, {
    triggerId: body.trigger_id,
    view: coachingNotesModal({
      incidentId: checked.incident.id,
      reference: checked.reference,
      notes: checked.run.coachingNotes,
    }),
    retry: "click *Add coaching notes*",
    context: { form: "practice_coaching", incidentId: checked.incident.id },
  });
  if (problem) await say(problem);
}

const Notes = z
  .string()
  .transform((s) => normaliseText(s).trim())
  .pipe(
    z
      .string()
      .min(1, "Write a few words of coaching.")
      .max(COACHING_MAX, `At most ${COACHING_MAX} characters.`),
  );

/** The coaching notes submitted: saved on the run, logged, and shown under the debrief. */
export async function onCoachingNotesSubmit(
  deps: Deps,
  { ack, view, body, client }: ViewArgs,
): Promise<void> {
  const raw = readViewState(view.state.values)[PRACTICE_COACHING.notes];
  const notes = Notes.safeParse(typeof raw === "string" ? raw : "");
  if (!notes.success) {
    const message = notes.error.issues[0]?.message ?? "Write a few words of coaching.";
    return void (await ack({ response_action: "errors", errors: { [PRACTICE_COACHING.notes]: message } }));
  }
  const incidentId = z.uuid().safeParse(view.private_metadata);
  const checked = incidentId.success ? await refusal(deps, incidentId.data, body.user.id) : null;
  if (!checked || checked.message !== null) {
    const message =
      checked?.message ?? "This form is out of date. Close it and click *Add coaching notes* again.";
    return void (await ack({ response_action: "errors", errors: { [PRACTICE_COACHING.notes]: message } }));
  }
  await ack();
  const saved = await saveCoachingNotes(deps, {
    incidentId: checked.incident.id,
    actor: body.user.id,
    notes: notes.data,
  }).catch((err: unknown) => {
    deps.logger.error(
      { err: describeError(err), incidentId: checked.incident.id },
      "coaching notes not saved",
    );
    return null;
  });
  if (saved?.ok) return;
  const text = saved ? saved.error.message : "Your coaching notes could not be saved. Please try again.";
  await (client as WebClient).chat
    .postMessage({ channel: body.user.id, text })
    .catch((err: unknown) => deps.logger.warn({ err: describeError(err) }, "coaching failure not told"));
}
