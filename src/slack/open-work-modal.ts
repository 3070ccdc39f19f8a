import type { ModalView, WebClient } from "@slack/web-api";
import type { IncidentRow } from "../db/schema/index.js";
import type { Deps } from "../services/deps.js";
import { incidentTypeList } from "../services/render.js";
import {
  holdModal,
  recategoriseModal,
  reopenModal,
  resolveModal,
  updateModal,
} from "./blocks/work-modals.js";
import { slackErrorCode } from "./errors.js";

export type WorkModalKind = "hold" | "resolve" | "reopen" | "update" | "recategorise";

function buildModal(deps: Deps, kind: WorkModalKind, incident: IncidentRow, channel: string | undefined) {
  const meta = { incidentId: incident.id, ...(channel ? { channel } : {}) };
  switch (kind) {
    case "hold":
      return holdModal(incident, meta);
    case "resolve":
      return resolveModal(incident, meta);
    case "reopen":
      return reopenModal(incident, meta);
    case "update": {
      const cadence = deps.policy.sla[incident.priority].updateEveryMs;
      return updateModal(incident, meta, new Date(deps.clock.now().getTime() + cadence));
    }
    case "recategorise":
      return recategoriseModal(incident, incidentTypeList(deps.policy), meta);
  }
}

/** Opens one of the working forms at once (the trigger lasts 3 s); returns a message if Slack refused. */
export async function openWorkModal(
  deps: Deps,
  client: WebClient,
  p: { kind: WorkModalKind; incident: IncidentRow; triggerId: string; channel?: string },
): Promise<string | null> {
  try {
    const view = buildModal(deps, p.kind, p.incident, p.channel) as unknown as ModalView;
    await client.views.open({ trigger_id: p.triggerId, view });
    return null;
  } catch (err) {
    const code = slackErrorCode(err);
    deps.logger.warn({ code, kind: p.kind, incidentId: p.incident.id }, "views.open failed");
    return code === "expired_trigger_id" || code === "exchanged_trigger_id"
      ? "Slack took too long to open the form. Please try again."
      : "I couldn't open the form just now. Please try again in a moment.";
  }
}
