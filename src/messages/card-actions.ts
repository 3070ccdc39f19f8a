import type { IncidentRow } from "../db/schema/index.js";
import { ACTION_LABELS, allowedActions, isOpenStatus, type LifecycleAction } from "../domain/lifecycle.js";
import { isMajor } from "../domain/priority-matrix.js";
import { CALLER_ACTION, CARD_ACTION, FLOOR_ACTION } from "./ids.js";
import { plain } from "./text.js";

const LIFECYCLE_BUTTON: Record<LifecycleAction, string> = {
  acknowledge: CARD_ACTION.acknowledge,
  start: CARD_ACTION.start,
  hold: CARD_ACTION.hold,
  resume: CARD_ACTION.resume,
  resolve: CARD_ACTION.resolve,
  close: CARD_ACTION.close,
  reopen: CARD_ACTION.reopen,
};

const button = (actionId: string, label: string, incidentId: string, style?: "primary" | "danger") => ({
  type: "button",
  action_id: actionId,
  text: plain(label, 75),
  value: incidentId,
  ...(style ? { style } : {}),
});

export interface ExtraClockButtons {
  /** Running extra clocks, each with the label of the button that stops it. */
  running: Array<{ name: string; stopLabel: string }>;
  /** The type has clocks that start when personal data is flagged, and it is not flagged yet. */
  canFlagPersonalData: boolean;
}

/** The buttons a card offers: the moves the state machine allows now, plus the always-useful ones. */
export function cardActions(
  i: Pick<IncidentRow, "id" | "status">,
  clocks?: ExtraClockButtons,
  /** Worked in the thread under the card: *Open a channel* gives it one of its own. */
  inThread = false,
) {
  const moves = allowedActions(i.status).map((a) =>
    button(LIFECYCLE_BUTTON[a], ACTION_LABELS[a], i.id, a === "acknowledge" ? "primary" : undefined),
  );
  const open = isOpenStatus(i.status);
  const extra = [
    ...(open ? [button(CARD_ACTION.takeOwnership, "Take ownership", i.id)] : []),
    ...(i.status !== "closed"
      ? [
          button(CARD_ACTION.update, "Post update", i.id),
          // Calls and letters to customers or the regulator go on after the fix, until closure.
          button(CARD_ACTION.logCommunication, "Log a communication", i.id),
        ]
      : []),
    ...(open ? [button(CARD_ACTION.recategorise, "Re-categorise", i.id)] : []),
    ...(inThread && i.status !== "closed" ? [button(CARD_ACTION.openChannel, "Open a channel", i.id)] : []),
    ...(open && clocks?.canFlagPersonalData
      ? [button(CARD_ACTION.flagPersonalData, "Personal data involved", i.id)]
      : []),
    ...(clocks?.running ?? []).map((c) =>
      button(CARD_ACTION.stopClock, c.stopLabel, JSON.stringify({ incidentId: i.id, clock: c.name })),
    ),
  ];
  const elements = [...moves, ...extra];
  return elements.length > 0 ? [{ type: "actions", block_id: "incident_actions", elements }] : [];
}

/**
 * Supporting the floor, in a second actions block so the card's own row stays readable.
 * "Brief agents" is offered on every open incident (a P3 outage can still flood the phones)
 * but stands out on a major one, when the issue says the floor needs it most.
 */
export function floorActions(i: Pick<IncidentRow, "id" | "status" | "priority" | "major">) {
  if (!isOpenStatus(i.status)) return [];
  return [
    {
      type: "actions",
      block_id: "incident_floor_actions",
      elements: [
        button(FLOOR_ACTION.briefAgents, "Brief agents", i.id, isMajor(i) ? "primary" : undefined),
        button(FLOOR_ACTION.recordImpact, "Record impact", i.id),
        button(FLOOR_ACTION.askForHelp, "Ask for help", i.id),
        // One more customer about it: recorded on this incident, not as a new one.
        button(CALLER_ACTION.addCaller, "Add a caller", i.id),
      ],
    },
  ];
}
