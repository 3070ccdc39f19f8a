import type { DbOrTx } from "../db/client.js";
import { callerCountsOf } from "../db/queries/caller-reports.js";
import { insertExternalDeliveries, type NewExternalDelivery } from "../db/queries/external-deliveries.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import {
  type Audience,
  audiencesFor,
  type CommunicationEvent,
  type IncidentSnapshot,
  planFor,
} from "../domain/communications.js";
import { typeLabel } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import type { Deps } from "./deps.js";

/** The incident as an email or webhook shows it: no caller reference, no caller detail, a caller count. */
export function snapshotOf(deps: Pick<Deps, "policy">, i: IncidentRow, callers = 0): IncidentSnapshot {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: i.id,
    reference: formatReference(i.number),
    priority: i.priority,
    major: i.major,
    status: i.status,
    type: i.type,
    typeLabel: typeLabel(deps.policy, i.type),
    title: i.title,
    ownerId: i.ownerId,
    loggedAt: i.loggedAt.toISOString(),
    acknowledgedAt: iso(i.acknowledgedAt),
    resolvedAt: iso(i.resolvedAt),
    closedAt: iso(i.closedAt),
    nextUpdateBy: i.status === "resolved" || i.status === "closed" ? null : iso(i.nextUpdateDueAt),
    channelId: i.channelId,
    callers,
  };
}

/** The audiences outside Slack (email, webhook) of the incident's plan that hear this event. */
export function externalAudiences(
  deps: Pick<Deps, "policy">,
  incident: Pick<IncidentRow, "type" | "priority">,
  milestone: CommunicationEvent["milestone"],
): Audience[] {
  return audiencesFor(planFor(deps.policy, incident.type), milestone, incident.priority).filter(
    (a) => a.via !== "slack",
  );
}

/**
 * Writes one delivery per audience outside Slack that hears this event (in the caller's
 * transaction, so it is sent exactly when the change happened). `only`: the audience keys the
 * author chose (a stakeholder update); unset, every audience that hears it. Returns the ids to
 * queue once the transaction has committed (queueExternal).
 */
export async function writeExternalDeliveries(
  db: DbOrTx,
  deps: Pick<Deps, "policy">,
  incident: IncidentRow,
  event: CommunicationEvent,
  p: { occasion: string | number; occurredAt: Date; only?: ReadonlySet<string> | null },
): Promise<string[]> {
  // A practice drill never emails anyone nor calls a webhook (issue 23): no delivery at all.
  if (incident.practiceRunId !== null) return [];
  const audiences = externalAudiences(deps, incident, event.milestone).filter(
    (a) => !p.only || p.only.has(a.key),
  );
  if (audiences.length === 0) return [];
  const { callers } = await callerCountsOf(db, incident.id, p.occurredAt);
  const content = {
    snapshot: snapshotOf(deps, incident, callers),
    event,
    occurredAt: p.occurredAt.toISOString(),
  };
  const rows: NewExternalDelivery[] = audiences.map((a) => ({
    incidentId: incident.id,
    dedupeKey: outboxKey.external(incident.id, p.occasion, event.milestone, a.key),
    via: a.via === "email" ? "email" : "webhook",
    audienceKey: a.key,
    audienceLabel: a.label,
    milestone: event.milestone,
    target: a.via === "email" ? { to: a.to } : { url: a.url ?? "", secretEnv: a.secretEnv ?? "" },
    content,
  }));
  return insertExternalDeliveries(db, rows);
}

/** Queues the sends of committed deliveries. If Redis is down, the sweep queues them later. */
export async function queueExternal(deps: Deps, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    try {
      await deps.jobs.enqueue("external.deliver", { deliveryId: id }, { jobId: jobIds.externalDeliver(id) });
    } catch (err) {
      deps.logger.warn(
        { delivery: id, err: describeError(err) },
        "external delivery not queued; the sweep will",
      );
      return;
    }
  }
}
