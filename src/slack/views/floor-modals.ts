import { FLOOR_FIELDS as F, VIEW } from "../../messages/ids.js";
import { askForHelp, briefAgents, recordImpact } from "../../services/floor.js";
import { AskForHelpForm, briefAgentsForm, RecordImpactForm } from "../parse/floor-forms.js";
import { type IncidentForm, incidentForm, submitIncidentForm } from "./incident-form.js";

const FORMS: Record<string, IncidentForm<never>> = {
  [VIEW.briefAgents]: incidentForm({
    schema: (deps) => briefAgentsForm(deps.clock.now()),
    run: (deps, who, briefing) => briefAgents(deps, { ...who, ...briefing }),
    messageBlock: F.affected,
  }),
  [VIEW.recordImpact]: incidentForm({
    schema: () => RecordImpactForm,
    run: (deps, who, impact) => recordImpact(deps, { ...who, ...impact }),
    messageBlock: F.callsQueued,
  }),
  [VIEW.askForHelp]: incidentForm({
    schema: () => AskForHelpForm,
    run: (deps, who, { request }) => askForHelp(deps, { ...who, request }),
    messageBlock: F.helpRequest,
  }),
};

export const FLOOR_VIEWS = Object.keys(FORMS);

/** Submit of a floor form (brief agents, record impact, ask for help). */
export const onFloorModalSubmit = submitIncidentForm(FORMS, {
  fields: Object.values(F),
  staleBlock: F.affected,
});
