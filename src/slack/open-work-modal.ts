import type { WebClient } from "@slack/web-api";
import type { IncidentRow } from "../db/schema/index.js";
import { planFor } from "../domain/communications.js";
import type { LifecycleAction } from "../domain/lifecycle.js";
import { clockPolicyOf } from "../domain/practice-clocks.js";
import { updateAudienceOptions } from "../messages/communication-plan.js";
import {
  holdModal,
  recategoriseModal,
  reopenModal,
  resolveModal,
  updateModal,
} from "../messages/work-modals.js";
import type { Deps } from "../services/deps.js";
import { statusRefusal } from "../services/lifecycle.js";
import { closedRefusal } from "../services/mutate-incident.js";
import { incidentTypeList } from "../services/render.js";
import { openModal } from "./open-modal.js";

export type WorkModalKind = "hold" | "resolve" | "reopen" | "update" | "recategorise";

function buildModal(
  deps: Deps,
  kind: WorkModalKind,
  incident: IncidentRow,
  channel: string | undefined,
  prefill: string | undefined,
) {
  const meta = { incidentId: incident.id, ...(channel ? { channel } : {}) };
  switch (kind) {
    case "hold":
      return holdModal(incident, meta);
    case "resolve":
      return resolveModal(incident, meta, prefill);
    case "reopen":
      return reopenModal(incident, meta, prefill);
    case "update": {
      // A drill's next update is due at its speed, like its update clock.
      const cadence = clockPolicyOf(deps.policy, incident).sla[incident.priority].updateEveryMs;
      const audiences = updateAudienceOptions(planFor(deps.policy, incident.type), incident.priority);
      const nextUpdate = new Date(deps.clock.now().getTime() + cadence);
      return updateModal(incident, meta, nextUpdate, audiences, prefill);
    }
    case "recategorise":
      return recategoriseModal(incident, incidentTypeList(deps.policy), meta);
  }
}

/** The forms that move an incident through its lifecycle, checked before they open. */
const LIFECYCLE_FORMS: Partial<Record<WorkModalKind, LifecycleAction>> = {
  hold: "hold",
  resolve: "resolve",
  reopen: "reopen",
};

/**
 * Opens one of the working forms at once (the trigger lasts 3 s); returns a message if Slack
 * refused, or if the user may not make the move the form is for: nobody fills in a form only
 * to be told on submit that they may not.
 */
export async function openWorkModal(
  deps: Deps,
  client: WebClient,
  p: {
    kind: WorkModalKind;
    incident: IncidentRow;
    triggerId: string;
    channel?: string;
    user: string;
    /** Typed after the command (`/incident reopen Failing again`): starts the reason or summary. */
    prefill?: string;
  },
): Promise<string | null> {
  const action = LIFECYCLE_FORMS[p.kind];
  // A closed incident opens one form only: the reopen, for whom the policy allows.
  const refusal =
    p.incident.status === "closed" && p.kind !== "reopen"
      ? closedRefusal(deps, p.incident)
      : action
        ? statusRefusal(deps, p.incident, p.user, action)
        : null;
  if (refusal) return refusal.message;
  return openModal(deps, client, {
    triggerId: p.triggerId,
    view: buildModal(deps, p.kind, p.incident, p.channel, p.prefill),
    retry: "try",
    context: { kind: p.kind, incidentId: p.incident.id },
  });
}
