import type { Tx } from "../db/client.js";
import { appendLog, type LogEntry } from "../db/queries/incident-log.js";
import { lockIncident, markRequestProcessed, updateIncident } from "../db/queries/mutate.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { queueDeliveries } from "../delivery/queue.js";
import { joinWithOr } from "../domain/lifecycle.js";
import { roleHolders, rolesAllowedTo } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import type { Result } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { communicateChange, refreshBriefings } from "./communicate.js";
import type { Deps } from "./deps.js";
import { queueExternal } from "./external-comms.js";
import { promoteIfDue } from "./promotion-queue.js";
import { type ClockUpdate, type ExplicitClockChanges, scheduleClocks, syncClocks } from "./sla-clocks.js";

export interface Refusal {
  code: string;
  message: string;
}

/** What one change does: the new field values, its log entries, and any extra writes. */
export interface Change {
  patch: Partial<IncidentRow>;
  log: Array<Omit<LogEntry, "incidentId" | "actor">>;
  /** More writes in the same transaction (e.g. outbox rows); returns outbox ids to deliver. */
  also?: (tx: Tx, updated: IncidentRow) => Promise<string[]>;
  /** Emails and webhook calls written in the same transaction, after `also`; returns their ids. */
  external?: (tx: Tx, updated: IncidentRow) => Promise<string[]>;
  /** What to tell the person who asked. */
  message: string;
  /** Extra clocks to start or stop by name (e.g. the regulator's clock). */
  clocks?: ExplicitClockChanges;
}

export type ChangeOutcome =
  | { ok: true; incident: IncidentRow; message: string; duplicate: boolean }
  | { ok: false; code: string; message: string };

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

/**
 * Runs one change to an incident: locks its row (so concurrent changes queue and each sees
 * the other's result), records the request key (so a redelivered request or a double click
 * changes nothing), asks `decide` whether and how to change, writes the row, its log entries
 * and outbox rows in one transaction (with what it tells stakeholders, the incident channel,
 * the reporter and the floor: communicateChange), then queues the card refresh and the posts.
 */
export async function changeIncident(
  deps: Deps,
  p: {
    incidentId: string;
    actor: string;
    requestKey?: string;
    /** Only a status change (a permitted reopen) may touch a closed incident; it checks itself. */
    closedToo?: boolean;
  },
  /** Runs inside the transaction, after the lock; `tx` lets it read rows the lock guards. */
  decide: (incident: IncidentRow, tx: Tx) => Result<Change, Refusal> | Promise<Result<Change, Refusal>>,
): Promise<ChangeOutcome> {
  let outboxIds: string[] = [];
  let briefings: string[] = [];
  let externalIds: string[] = [];
  let clockUpdates: ClockUpdate[] = [];
  let outcome: ChangeOutcome;
  try {
    outcome = await deps.db.transaction(async (tx) => {
      const incident = await lockIncident(tx, p.incidentId);
      if (!incident) throw new Refused({ code: "not_found", message: "That incident no longer exists." });
      // Closed means closed, whichever button, form or command asks (a form opened before it
      // was closed included): only reopening, by whom the policy allows, changes it again.
      if (incident.status === "closed" && !p.closedToo) throw new Refused(closedRefusal(deps, incident));
      if (p.requestKey && !(await markRequestProcessed(tx, p.requestKey))) {
        return { ok: true, incident, message: "Already done.", duplicate: true } as const;
      }
      const decision = await decide(incident, tx);
      if (!decision.ok) throw new Refused(decision.error);
      const change = decision.value;
      const updated = await updateIncident(tx, incident.id, change.patch);
      await appendLog(
        tx,
        change.log.map((entry) => ({ ...entry, incidentId: incident.id, actor: p.actor })),
      );
      outboxIds = (await change.also?.(tx, updated)) ?? [];
      const told = await communicateChange(tx, deps, updated, change.log, p.actor);
      outboxIds.push(...(await upsertOutbox(tx, told.posts)));
      externalIds = [...((await change.external?.(tx, updated)) ?? []), ...told.external];
      briefings = told.briefings;
      clockUpdates = await syncClocks(tx, deps, incident, updated, change.clocks, p.actor);
      return { ok: true, incident: updated, message: change.message, duplicate: false } as const;
    });
  } catch (err) {
    if (err instanceof Refused) return { ok: false, ...err.refusal };
    throw err;
  }
  if (outcome.ok && !outcome.duplicate) {
    await afterChange(deps, outcome.incident, outboxIds, p.actor);
    await refreshBriefings(deps, briefings, outcome.incident.version);
    await queueExternal(deps, externalIds);
    await scheduleClocks(deps, clockUpdates).catch((err: unknown) =>
      deps.logger.warn(
        { incidentId: p.incidentId, err: describeError(err) },
        "clocks not re-queued; the reconciler will",
      ),
    );
  }
  return outcome;
}

/** Why a closed incident refuses a change, and who may reopen it. */
export function closedRefusal(deps: Deps, incident: IncidentRow): Refusal {
  const who = roleHolders(rolesAllowedTo(deps.policy, "reopen_closed"));
  const reopen = who.length ? ` ${capitalise(joinWithOr(who))} can reopen it first.` : "";
  return {
    code: "closed",
    message: `${formatReference(incident.number)} is closed, so nothing about it can change.${reopen} Nothing was recorded.`,
  };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Work that follows a committed change. If Redis is down, the sweep catches up later. */
async function afterChange(
  deps: Deps,
  incident: IncidentRow,
  outboxIds: string[],
  actor: string,
): Promise<void> {
  try {
    await deps.jobs.enqueue(
      "card.refresh",
      { incidentId: incident.id },
      { jobId: jobIds.cardRefresh(incident.id, incident.version) },
    );
    const people = new Set([incident.ownerId, incident.reporterId, actor].filter((u): u is string => !!u));
    for (const userId of people) {
      const jobId = jobIds.homeRefresh(userId, incident.id, incident.version);
      await deps.jobs.enqueue("home.refresh", { userId }, { jobId });
    }
    await queueDeliveries(deps, outboxIds);
    // A rise into the policy's `incident_channel` set moves a routine incident to a channel.
    await promoteIfDue(deps, incident);
  } catch (err) {
    deps.logger.warn(
      { incidentId: incident.id, reference: formatReference(incident.number), err: describeError(err) },
      "follow-up not queued; the sweep will deliver",
    );
  }
}
