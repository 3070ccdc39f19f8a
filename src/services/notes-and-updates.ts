import { randomUUID } from "node:crypto";
import { callerCountsOf } from "../db/queries/caller-reports.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import { insertStakeholderUpdate } from "../db/queries/stakeholder-updates.js";
import type { IncidentRow, StakeholderUpdateRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { audiencesFor, planFor } from "../domain/communications.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { formatReference } from "../domain/reference.js";
import { err, ok } from "../domain/result.js";
import { postAt, workPlaceOf, workPlacePost } from "../domain/work-place.js";
import { noteMessage, stakeholderUpdateMessage } from "../messages/update.js";
import { stakeholderChannelsFor } from "./communicate.js";
import type { Deps } from "./deps.js";
import { externalAudiences, writeExternalDeliveries } from "./external-comms.js";
import { changeIncident } from "./mutate-incident.js";
import { cadenceClockName } from "./sla-plan.js";

/** A note is logged and shown where the incident is worked (its channel or its thread). */
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
      also: async (tx) => {
        const post = workPlacePost(incident, noteMessage({ reference, author: p.actor, text: p.text }));
        return post
          ? upsertOutbox(tx, [
              {
                incidentId: incident.id,
                dedupeKey: outboxKey.note(p.requestKey ?? randomUUID()),
                purpose: "note",
                ...post,
              },
            ])
          : [];
      },
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
  /**
   * The audience keys of the plan the author chose (the *Post update* form ticks every one by
   * default); unset: every audience that hears updates.
   */
  audiences?: readonly string[];
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
    const only = p.audiences ? new Set(p.audiences) : null;
    const place = workPlaceOf(incident);
    const channels = [
      ...(place ? [place.channel] : []),
      ...stakeholderChannelsFor(deps, incident, only)
        .filter((c) => c.hears("update"))
        .map((c) => c.id),
    ];
    const outside = externalAudiences(deps, incident, "update").filter((a) => !only || only.has(a.key));
    let written: StakeholderUpdateRow | null = null;
    return ok({
      patch: { lastUpdateAt: now, nextUpdateDueAt: p.nextUpdateAt },
      log: [
        {
          kind: "update_written" as const,
          details: {
            channels,
            nextUpdateAt: p.nextUpdateAt.toISOString(),
            ...(p.audiences ? { audiences: [...p.audiences] } : {}),
            ...(outside.length > 0 ? { outside: outside.map((a) => `${a.via}: ${a.label}`) } : {}),
          },
        },
      ],
      message: `Update for ${ref} is on its way to ${reach(channels.length, outside.length)}.`,
      // The audiences with a cadence of their own that this update reaches start theirs again.
      ...(incident.status === "resolved"
        ? {}
        : { clocks: { restart: reachedAudiences(deps, incident, only).map(cadenceClockName) } }),
      external: async (tx, updated) => {
        if (!written) return [];
        const event = {
          milestone: "update" as const,
          by: p.actor,
          happening: written.happening,
          customerImpact: written.customerImpact,
          nextUpdateAt: written.nextUpdateAt.toISOString(),
        };
        return writeExternalDeliveries(tx, deps, updated, event, {
          occasion: written.id,
          occurredAt: now,
          only,
        });
      },
      also: async (tx, updated) => {
        const row = await insertStakeholderUpdate(tx, {
          incidentId: incident.id,
          author: p.actor,
          happening: p.happening,
          customerImpact: p.customerImpact,
          nextUpdateAt: p.nextUpdateAt,
        });
        written = row;
        const { callers } = await callerCountsOf(tx, incident.id, now);
        const message = stakeholderUpdateMessage(updated, row, deps.policy.timezone, callers);
        // In a thread, the incident's copy is a reply there; the working channel may also be a
        // stakeholder channel, which then gets its own copy at the top.
        const thread = place?.threadTs ? place : null;
        const top = thread ? channels.slice(1) : channels;
        return upsertOutbox(tx, [
          ...(thread
            ? [
                {
                  incidentId: incident.id,
                  dedupeKey: outboxKey.stakeholderUpdate(row.id, `${thread.channel}:${thread.threadTs}`),
                  purpose: "stakeholder_update",
                  ...postAt(thread, message),
                },
              ]
            : []),
          ...[...new Set(top)].map((channel) => ({
            incidentId: incident.id,
            dedupeKey: outboxKey.stakeholderUpdate(row.id, channel),
            purpose: "stakeholder_update",
            channel,
            message,
          })),
        ]);
      },
    });
  });
}

/** "2 channels", "2 channels and 1 audience outside Slack". */
function reach(channels: number, outside: number): string {
  const inSlack = `${channels} channel${channels === 1 ? "" : "s"}`;
  return outside === 0
    ? inSlack
    : `${inSlack} and ${outside} audience${outside === 1 ? "" : "s"} outside Slack`;
}

/** Keys of the plan's audiences (any channel) an update reaches, given the author's choice. */
function reachedAudiences(
  deps: Deps,
  incident: { type: string; priority: IncidentRow["priority"] },
  only: ReadonlySet<string> | null,
): string[] {
  return audiencesFor(planFor(deps.policy, incident.type), "update", incident.priority)
    .filter((a) => !only || only.has(a.key))
    .map((a) => a.key);
}
