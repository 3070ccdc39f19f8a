import { randomUUID } from "node:crypto";
import { upsertOutbox } from "../db/queries/outbox.js";
import { insertStakeholderUpdate } from "../db/queries/stakeholder-updates.js";
import { outboxKey } from "../delivery/purposes.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { formatReference } from "../domain/reference.js";
import { err, ok } from "../domain/result.js";
import { noteMessage, stakeholderUpdateMessage } from "../messages/update.js";
import { stakeholderChannelsFor } from "./communicate.js";
import type { Deps } from "./deps.js";
import { changeIncident } from "./mutate-incident.js";

/** A note is logged and shown in the incident channel. */
export function addNote(
  deps: Deps,
  p: { incidentId: string; actor: string; text: string; requestKey?: string },
) {
  return changeIncident(deps, p, (incident) => {
    const reference = formatReference(incident.number);
    return ok({
      patch: {},
      log: [{ kind: "note_added" as const, details: { text: p.text } }],
      message: `Note added to ${reference}.`,
      also: async (tx) =>
        incident.channelId
          ? upsertOutbox(tx, [
              {
                incidentId: incident.id,
                dedupeKey: outboxKey.note(p.requestKey ?? randomUUID()),
                purpose: "note",
                channel: incident.channelId,
                message: noteMessage({ reference, author: p.actor, text: p.text }),
              },
            ])
          : [],
    });
  });
}

export interface UpdateInput {
  incidentId: string;
  actor: string;
  happening: string;
  customerImpact: string;
  nextUpdateAt: Date;
  requestKey?: string;
}

/**
 * "Post update": one stakeholder update, posted to the incident channel and each stakeholder
 * channel of the incident's type, each post its own outbox row (logged with its ts when sent).
 */
export function postStakeholderUpdate(deps: Deps, p: UpdateInput) {
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    if (!isOpenStatus(incident.status) && incident.status !== "resolved") {
      return err({ code: "closed", message: `${ref} is closed; reopen it before posting updates.` });
    }
    const now = deps.clock.now();
    const channels = [
      ...(incident.channelId ? [incident.channelId] : []),
      ...stakeholderChannelsFor(deps, incident.type)
        .filter((c) => c.hears("update"))
        .map((c) => c.id),
    ];
    return ok({
      patch: { lastUpdateAt: now, nextUpdateDueAt: p.nextUpdateAt },
      log: [
        {
          kind: "update_written" as const,
          details: { channels, nextUpdateAt: p.nextUpdateAt.toISOString() },
        },
      ],
      message: `Update for ${ref} is on its way to ${channels.length} channel${channels.length === 1 ? "" : "s"}.`,
      also: async (tx, updated) => {
        const row = await insertStakeholderUpdate(tx, {
          incidentId: incident.id,
          author: p.actor,
          happening: p.happening,
          customerImpact: p.customerImpact,
          nextUpdateAt: p.nextUpdateAt,
        });
        const message = stakeholderUpdateMessage(updated, row, deps.policy.timezone);
        return upsertOutbox(
          tx,
          [...new Set(channels)].map((channel) => ({
            incidentId: incident.id,
            dedupeKey: outboxKey.stakeholderUpdate(row.id, channel),
            purpose: "stakeholder_update",
            channel,
            message,
          })),
        );
      },
    });
  });
}
