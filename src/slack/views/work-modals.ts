import { isMergeRefusal } from "../../domain/duplicates.js";
import { WORK_FIELDS as F, VIEW } from "../../messages/ids.js";
import { changeStatus } from "../../services/lifecycle.js";
import { postStakeholderUpdate } from "../../services/notes-and-updates.js";
import { recategorise } from "../../services/recategorise.js";
import { incidentTypeList } from "../../services/render.js";
import { HoldForm, ReopenForm, ResolveForm, recategoriseForm, updateForm } from "../parse/work-forms.js";
import { type IncidentForm, incidentForm, submitIncidentForm } from "./incident-form.js";

const FORMS: Record<string, IncidentForm<never>> = {
  [VIEW.hold]: incidentForm({
    schema: () => HoldForm,
    run: (deps, p, hold) => changeStatus(deps, { ...p, action: "hold", hold }),
    messageBlock: F.holdReason,
  }),
  [VIEW.resolve]: incidentForm({
    schema: () => ResolveForm,
    run: (deps, p, resolution) => changeStatus(deps, { ...p, action: "resolve", resolution }),
    messageBlock: F.summary,
    // Why the master named cannot take this duplicate's callers shows on its field.
    refusalBlock: (code) => (isMergeRefusal(code) ? F.duplicateOf : undefined),
  }),
  [VIEW.reopen]: incidentForm({
    schema: () => ReopenForm,
    run: (deps, p, { reason }) => changeStatus(deps, { ...p, action: "reopen", reason }),
    messageBlock: F.reason,
  }),
  [VIEW.update]: incidentForm({
    schema: (deps) => updateForm(deps.clock.now()),
    run: (deps, p, update) => postStakeholderUpdate(deps, { ...p, ...update }),
    messageBlock: F.happening,
  }),
  [VIEW.recategorise]: incidentForm({
    schema: (deps) => recategoriseForm(incidentTypeList(deps.policy).map((t) => t.key)),
    run: (deps, p, change) => recategorise(deps, { ...p, ...change }),
    messageBlock: F.reason,
  }),
};

export const WORK_VIEWS = Object.keys(FORMS);

/** Submit of a working form (hold, resolve, reopen, update, re-categorise). */
export const onWorkModalSubmit = submitIncidentForm(FORMS, {
  fields: Object.values(F),
  staleBlock: F.reason,
});
