import type { DbOrTx } from "../db/client.js";
import { callerCountsOf } from "../db/queries/caller-reports.js";
import { cardFactsOf } from "../db/queries/card-facts.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { drillOfRun } from "../db/queries/practice-runs.js";
import { lastReopenOf } from "../db/queries/reopens.js";
import type { IncidentRow } from "../db/schema/index.js";
import { planFor } from "../domain/communications.js";
import { briefingStatus } from "../domain/floor.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { personalDataViewers } from "../domain/permissions.js";
import { type Policy, typeLabel } from "../domain/policy-types.js";
import { planLine } from "../messages/communication-plan.js";
import { incidentCard } from "../messages/incident-card.js";
import { userMention } from "../messages/text.js";
import type { Deps } from "./deps.js";
import { clockLabel } from "./sla-plan.js";

/** The responder card, read fresh so it shows the current state and the caller reference. */
export async function renderResponderCard(
  db: DbOrTx,
  policy: Policy,
  incident: IncidentRow,
  sourceLink: string | null = null,
) {
  const { callerReference, clocks, briefing, callers } = await cardFactsOf(db, incident.id);
  const breached = clocks
    .filter((c) => c.breached && c.state !== "stopped")
    .map((c) => `${clockLabel(c.name).toLowerCase()}${c.onIt ? ` (${userMention(c.onIt)} is on it)` : ""}`);
  const defs = policy.incidentTypes[incident.type]?.clocks ?? {};
  const extraClocks = {
    running: clocks
      .filter((c) => c.state !== "stopped" && defs[c.name])
      .map((c) => ({ name: c.name, stopLabel: defs[c.name]?.stopLabel ?? "Done" })),
    canFlagPersonalData:
      !incident.personalDataAt && Object.values(defs).some((d) => d.starts === "personal_data"),
  };
  return incidentCard(incident, {
    breached,
    extraClocks,
    audience: "responder",
    typeLabel: typeLabel(policy, incident.type),
    timezone: policy.timezone,
    callerReference: callerReference.value,
    personalDataViewers: personalDataViewers(policy),
    callerReferenceErased: callerReference.erased,
    sourceLink,
    plan: planLine(planFor(policy, incident.type), incident.priority, incident.practiceRunId !== null),
    callers,
    duplicateOf: await masterOf(db, incident),
    practice: await drillOf(db, incident),
    reopened: await reopenedOf(db, incident),
    briefing: briefing && {
      author: briefing.author,
      postedAt: briefing.postedAt,
      status: briefingStatus(policy.teams, briefing.confirmations),
    },
  });
}

/** The stakeholder card: no caller reference, and of the callers only their counts. */
export async function renderStakeholderCard(
  deps: Pick<Deps, "db" | "policy" | "clock">,
  incident: IncidentRow,
) {
  return incidentCard(incident, {
    audience: "stakeholder",
    typeLabel: typeLabel(deps.policy, incident.type),
    timezone: deps.policy.timezone,
    callers: await callerCountsOf(deps.db, incident.id, deps.clock.now()),
    duplicateOf: await masterOf(deps.db, incident),
    practice: await drillOf(deps.db, incident),
  });
}

/** Who reopened it and why, while it is being worked again; null otherwise. */
async function reopenedOf(db: DbOrTx, incident: IncidentRow) {
  return incident.reopenCount > 0 && isOpenStatus(incident.status) ? lastReopenOf(db, incident.id) : null;
}

/** A drill's lead, trainees and speed, as its card names them; null for a real incident. */
async function drillOf(db: DbOrTx, incident: IncidentRow) {
  return incident.practiceRunId ? drillOfRun(db, incident.practiceRunId) : null;
}

/** The incident a duplicate was merged into, as its card names it; null for any other. */
async function masterOf(db: DbOrTx, incident: IncidentRow) {
  if (!incident.mergedIntoId) return null;
  const master = await getIncidentById(db, incident.mergedIntoId);
  return master && { number: master.number, channelId: master.channelId };
}

export function incidentTypeList(policy: Policy): Array<{ key: string; label: string }> {
  return Object.values(policy.incidentTypes).map((t) => ({ key: t.key, label: t.label }));
}
