import {
  CALLBACK_ACTION,
  CALLER_ACTION,
  CARD_ACTION,
  ESCALATION_ACTION,
  FLOOR_ACTION,
  IMPROVEMENT_ACTION,
  LIST_ACTION,
  ACTION as LOG_FORM_ACTION,
  PLAYBOOK_ACTION,
  PRACTICE_ACTION,
  REVIEW_ACTION,
} from "../../messages/ids.js";
import { withHomeRespond } from "../home-clicks.js";
import type { Registration } from "../listeners.js";
import { onKnownIncidentSearch } from "../options/known-incidents.js";
import { onCallbackListButton, onCallbackOutcome, onCloseAnyway } from "./callbacks.js";
import { onAddCallerButton, onKnownIncidentChosen } from "./caller-buttons.js";
import { onCardButton } from "./card-buttons.js";
import { onLogCommunicationButton } from "./comms-button.js";
import { onEscalationAcknowledge, onLinkButton } from "./escalation.js";
import { onFloorCardButton, onTeamBriefed } from "./floor-buttons.js";
import { onActionDone, onActionProposeDate } from "./improvement-actions.js";
import { onPlaybookTick } from "./playbook-tick.js";
import { onCoachingNotesButton } from "./practice-coaching.js";
import { onPriorityInputChanged } from "./priority-preview.js";
import { onWriteReview } from "./review-prompt.js";
import { onTimelinePage } from "./timeline-page.js";

/** Button clicks (and the log form's live priority preview), by the message they sit on. */
export function register({ on, deps, log }: Registration): void {
  on.action([LOG_FORM_ACTION.impact, LOG_FORM_ACTION.urgency], (args) => onPriorityInputChanged(deps, args));
  on.action([CALLER_ACTION.addThisCaller, CALLER_ACTION.searchKnown], (args) =>
    onKnownIncidentChosen(deps, args),
  );
  on.options([CALLER_ACTION.searchKnown], (args) => onKnownIncidentSearch(deps, args));
  on.action([CALLER_ACTION.addCaller], (args) => onAddCallerButton(deps, args));
  const ownListener: string[] = [CARD_ACTION.timelineNext, CARD_ACTION.logCommunication];
  const cardButtons = Object.values(CARD_ACTION).filter((id) => !ownListener.includes(id));
  on.action(cardButtons, (args) => onCardButton(deps, withHomeRespond(args, log)));
  on.action([CARD_ACTION.logCommunication], (args) => onLogCommunicationButton(deps, args));
  on.action([CARD_ACTION.timelineNext], (args) => onTimelinePage(deps, args));
  on.action([ESCALATION_ACTION.acknowledge], (args) => onEscalationAcknowledge(deps, args));
  on.action([ESCALATION_ACTION.openChannel, LIST_ACTION.open], onLinkButton);
  on.action([PLAYBOOK_ACTION.tick], (args) => onPlaybookTick(deps, args));
  on.action([FLOOR_ACTION.briefAgents, FLOOR_ACTION.recordImpact, FLOOR_ACTION.askForHelp], (args) =>
    onFloorCardButton(deps, args),
  );
  on.action([FLOOR_ACTION.teamBriefed], (args) => onTeamBriefed(deps, args));
  on.action([REVIEW_ACTION.open], (args) => onWriteReview(deps, args));
  const { takeOne, takeFive, takeTen, takeAll, mine } = CALLBACK_ACTION;
  on.action([takeOne, takeFive, takeTen, takeAll, mine], (args) => onCallbackListButton(deps, args));
  on.action([CALLBACK_ACTION.outcome], (args) => onCallbackOutcome(deps, args));
  on.action([CALLBACK_ACTION.closeAnyway], (args) => onCloseAnyway(deps, args));
  on.action([IMPROVEMENT_ACTION.markDone], (args) => onActionDone(deps, args));
  on.action([IMPROVEMENT_ACTION.proposeDate], (args) => onActionProposeDate(deps, args));
  on.action([PRACTICE_ACTION.coachingNotes], (args) => onCoachingNotesButton(deps, args));
}
