import { randomUUID } from "node:crypto";
import { upsertOutbox } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { planFor } from "../domain/communications.js";
import type { LoggedChannel, LoggedDirection } from "../domain/log-describe.js";
import { authorize } from "../domain/permissions.js";
import { readableTime } from "../domain/readable-time.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import { postAt, workPlaceOf } from "../domain/work-place.js";
import { communicationLoggedMessage } from "../messages/comms-modal.js";
import type { Deps } from "./deps.js";
import { type ChangeOutcome, changeIncident, type Refusal } from "./mutate-incident.js";
import { cadenceClockName } from "./sla-plan.js";

/** With whom: an audience of the incident's plan (by key), the customers, or someone else. */
export type CommunicationParty =
  | { with: "audience"; audience: string }
  | { with: "customers" }
  | { with: "other"; other: string };

export interface CommunicationInput {
  incidentId: string;
  actor: string;
  requestKey?: string;
  party: CommunicationParty;
  channel: LoggedChannel;
  direction: LoggedDirection;
  /** What was said, as the person wrote it (the form asks for no caller details). */
  summary: string;
  /** When it happened. */
  at: Date;
}

/** A communication may have started the incident: a day before it was logged, no earlier. */
const EARLIEST_BEFORE_LOGGED_MS = 86_400_000;
/** A browser clock running a little fast is not "the future". */
const FUTURE_GRACE_MS = 60_000;

/**
 * "Log a communication": records a call, letter or email made outside Switchboard as one log
 * entry and tells the incident channel in one line. Allowed to whoever may post updates on the
 * incident; a closed incident refuses it like every change (changeIncident).
 */
export function logCommunication(deps: Deps, p: CommunicationInput): Promise<ChangeOutcome> {
  const key = p.requestKey ?? randomUUID();
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    const place = workPlaceOf(incident);
    const allowed = authorize(deps.policy, {
      userId: p.actor,
      action: "update",
      ownerId: incident.ownerId,
      reporterId: incident.reporterId,
    });
    if (!allowed.ok) return err(allowed.error);
    const time = checkTime(deps, incident, p.at);
    if (!time.ok) return time;
    const whom = resolveParty(deps, incident, p.party);
    if (!whom.ok) return whom;
    return ok({
      patch: {},
      log: [
        {
          kind: "communication_logged" as const,
          details: {
            ...whom.value.details,
            channel: p.channel,
            direction: p.direction,
            summary: p.summary,
            at: p.at.toISOString(),
          },
        },
      ],
      message: `Logged on ${ref}.`,
      // Keeping in touch with an audience that has its own update cadence meets it, as an update
      // sent to it does: its clock starts again, from now. A resolved incident's has stopped.
      ...(whom.value.cadence && incident.status !== "resolved"
        ? { clocks: { restart: [whom.value.cadence] } }
        : {}),
      also: async (tx) =>
        place
          ? upsertOutbox(tx, [
              {
                incidentId: incident.id,
                // Keyed by the request, so a resubmitted form posts nothing more.
                dedupeKey: outboxKey.note(`comms:${key}`),
                purpose: "note",
                ...postAt(
                  place,
                  communicationLoggedMessage({
                    reference: ref,
                    author: p.actor,
                    channel: p.channel,
                    direction: p.direction,
                    whom: whom.value.words,
                    at: p.at,
                    timezone: deps.policy.timezone,
                    summary: p.summary,
                  }),
                ),
              },
            ])
          : [],
    });
  });
}

/** Never in the future; not long before the incident was logged. */
function checkTime(deps: Deps, incident: IncidentRow, at: Date): Result<true, Refusal> {
  if (at.getTime() > deps.clock.now().getTime() + FUTURE_GRACE_MS) {
    return err({ code: "in_future", message: "That time is in the future: give the time it happened." });
  }
  const earliest = new Date(incident.loggedAt.getTime() - EARLIEST_BEFORE_LOGGED_MS);
  if (at.getTime() < earliest.getTime()) {
    return err({
      code: "too_early",
      message: `That is more than a day before ${formatReference(incident.number)} was logged: give a time after ${readableTime(earliest, deps.policy.timezone)}.`,
    });
  }
  return ok(true);
}

/** The party as the log stores it and as people read it. */
function resolveParty(
  deps: Deps,
  incident: IncidentRow,
  party: CommunicationParty,
): Result<{ details: Record<string, string>; words: string; cadence: string | null }, Refusal> {
  switch (party.with) {
    case "customers":
      return ok({ details: { with: "customers" }, words: "customers", cadence: null });
    case "other":
      return ok({ details: { with: "other", other: party.other }, words: party.other, cadence: null });
    case "audience": {
      // The form listed the plan when it opened; a change of type since may have changed it.
      const audience = planFor(deps.policy, incident.type).find((a) => a.key === party.audience);
      if (!audience) {
        return err({
          code: "unknown_audience",
          message: `That audience is no longer in ${formatReference(incident.number)}'s communication plan (its type may have changed). Close this form and open it again.`,
        });
      }
      return ok({
        details: { with: "audience", audience: audience.key, audienceLabel: audience.label },
        words: audience.label,
        cadence: audience.updateEveryMs === null ? null : cadenceClockName(audience.key),
      });
    }
  }
}
