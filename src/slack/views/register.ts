import { PRACTICE_COACHING, VIEW } from "../../messages/ids.js";
import { onActionRescheduleSubmit } from "../actions/improvement-actions.js";
import { onCoachingNotesSubmit } from "../actions/practice-coaching.js";
import type { Registration } from "../listeners.js";
import { onAddCallerSubmit } from "./caller.js";
import { COMMS_VIEWS, onLogCommunicationSubmit } from "./comms.js";
import { FLOOR_VIEWS, onFloorModalSubmit } from "./floor-modals.js";
import { onLogIncidentSubmit } from "./log-incident.js";
import { onPracticeStartSubmit } from "./practice-start.js";
import { onReviewSubmit } from "./review.js";
import { onWorkModalSubmit, WORK_VIEWS } from "./work-modals.js";

/** Form submissions, answered inside Slack's 3 seconds (field errors keep the form open). */
export function register({ on, deps }: Registration): void {
  on.view([VIEW.logIncident], (args) => onLogIncidentSubmit(deps, args));
  on.view([VIEW.addCaller], (args) => onAddCallerSubmit(deps, args));
  on.view(WORK_VIEWS, (args) => onWorkModalSubmit(deps, args));
  on.view(FLOOR_VIEWS, (args) => onFloorModalSubmit(deps, args));
  on.view(COMMS_VIEWS, (args) => onLogCommunicationSubmit(deps, args));
  on.view([VIEW.review], (args) => onReviewSubmit(deps, args));
  on.view([VIEW.actionReschedule], (args) => onActionRescheduleSubmit(deps, args));
  on.view([VIEW.practiceStart], (args) => onPracticeStartSubmit(deps, args));
  on.view([PRACTICE_COACHING.view], (args) => onCoachingNotesSubmit(deps, args));
}
