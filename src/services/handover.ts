import { upsertOutbox } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { authorize } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import { postAt, workPlaceOf } from "../domain/work-place.js";
import { handoverAnnouncement, handoverDm } from "../messages/handover.js";
import type { Deps } from "./deps.js";
import { type Change, type ChangeOutcome, changeIncident, type Refusal } from "./mutate-incident.js";

export interface HandoverInput {
  incidentId: string;
  actor: string;
  to: string;
  note: string;
  requestKey?: string;
}

/**
 * `/incident handover @user <note>` at a shift change: the owner (or a manager, as for
 * reassigning) gives the incident to someone else with a note. The owner change, its log
 * entries, the channel announcement and the new owner's DM are one transaction.
 */
export function handOver(deps: Deps, p: HandoverInput): Promise<ChangeOutcome> {
  return changeIncident(deps, p, (incident) => decide(deps, incident, p));
}

function decide(deps: Deps, incident: IncidentRow, p: HandoverInput): Result<Change, Refusal> {
  const ref = formatReference(incident.number);
  const from = incident.ownerId;
  if (incident.status === "closed") {
    return err({ code: "closed", message: `${ref} is closed; there is nothing to hand over.` });
  }
  if (!from) {
    return err({
      code: "no_owner",
      message: `${ref} has no owner yet, so there is nothing to hand over. \`/incident assign @someone\` makes someone the owner.`,
    });
  }
  if (from === p.to) return err({ code: "already_owner", message: `<@${p.to}> already owns ${ref}.` });
  const allowed = authorize(deps.policy, {
    userId: p.actor,
    action: "assign",
    ownerId: from,
    reporterId: incident.reporterId,
  });
  if (!allowed.ok) {
    return err({
      code: allowed.error.code,
      message: `${ref} is owned by <@${from}>. ${allowed.error.message}`,
    });
  }
  return ok({
    patch: { ownerId: p.to },
    log: [
      { kind: "owner_changed", details: { from, to: p.to, via: "handover" } },
      { kind: "handed_over", details: { from, to: p.to, note: p.note } },
    ],
    also: (tx, updated) => {
      // The version is new with each change, so each handover gets its own posts and a retried
      // request (stopped by its request key before this runs) none.
      const common = { reference: ref, from, note: p.note };
      const place = workPlaceOf(incident);
      return upsertOutbox(tx, [
        ...(place
          ? [
              {
                incidentId: incident.id,
                dedupeKey: outboxKey.handover(updated),
                purpose: "handover",
                ...postAt(place, handoverAnnouncement({ ...common, to: p.to, by: p.actor })),
              },
            ]
          : []),
        {
          incidentId: incident.id,
          dedupeKey: outboxKey.handoverDm(updated),
          purpose: "handover_dm",
          channel: p.to,
          message: handoverDm({
            ...common,
            title: incident.title,
            priority: incident.priority,
            channelId: incident.channelId,
            workingChannelId: incident.workingChannelId,
          }),
        },
      ]);
    },
    message: `${ref} handed over to <@${p.to}>; they have your note by DM, and ${incident.channelId || !incident.threadTs ? "the channel" : "its thread"} has been told.`,
  });
}
