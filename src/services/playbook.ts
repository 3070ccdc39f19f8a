import type { Tx } from "../db/client.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { lockIncident, markRequestProcessed } from "../db/queries/mutate.js";
import { getOutboxByKey, upsertOutbox } from "../db/queries/outbox.js";
import {
  deletePlaybookTick,
  getPlaybookTick,
  getPostedPlaybook,
  insertPlaybookTick,
  listPlaybookTicks,
} from "../db/queries/playbook.js";
import type { IncidentRow } from "../db/schema/index.js";
import { editMessage } from "../delivery/edit.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueDeliveries } from "../delivery/queue.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import type { Policy } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { postAt, workPlaceOf } from "../domain/work-place.js";
import { PlaybookSnapshot, type PlaybookTick, playbookChecklist } from "../messages/playbook.js";
import { escapeMrkdwn } from "../messages/text.js";
import type { Deps } from "./deps.js";

/**
 * Queues the checklist of the incident's type for its channel, in the caller's transaction
 * (the incident row must be locked, so set-up and a re-categorisation cannot both log it).
 * Returns the outbox ids to deliver: none when the type has no playbook, the channel does not
 * exist yet (set-up posts it then, from the type current at that moment) or a checklist was
 * already queued — an incident keeps the checklist it was first given, because its ticks are
 * indexed to those steps.
 */
export async function queuePlaybookChecklist(
  tx: Tx,
  policy: Policy,
  incident: IncidentRow,
): Promise<string[]> {
  const type = policy.incidentTypes[incident.type];
  const place = workPlaceOf(incident);
  if (!place || !type || type.playbook.length === 0) return [];
  // One checklist per incident: its key makes a retried set-up or re-categorisation one post.
  const key = outboxKey.playbook(incident.id);
  const existing = await getOutboxByKey(tx, key);
  if (existing) return existing.status === "pending" ? [existing.id] : [];
  const snapshot: PlaybookSnapshot = { type: type.key, typeLabel: type.label, steps: type.playbook };
  const message = playbookChecklist({
    incidentId: incident.id,
    reference: formatReference(incident.number),
    snapshot,
    ticks: [],
    timezone: policy.timezone,
  });
  const ids = await upsertOutbox(tx, [
    { incidentId: incident.id, dedupeKey: key, purpose: "playbook", ...postAt(place, message) },
  ]);
  // The steps go into the log: the record of what the incident was worked against, and what
  // the checklist is re-drawn from after each tick, whatever the policy says by then.
  await appendLog(tx, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "playbook_posted",
    details: { ...snapshot, channel: place.channel },
  });
  return ids;
}

/**
 * The set-up step: queue the checklist (if the type has one) and deliver it. `read` is the
 * incident as the set-up read it: most types have no playbook, and that says so without
 * taking the lock. (A change of type after that read finds the channel in place and queues
 * the checklist itself.)
 */
export async function postPlaybookChecklist(deps: Deps, read: IncidentRow): Promise<void> {
  if ((deps.policy.incidentTypes[read.type]?.playbook.length ?? 0) === 0) return;
  const ids = await deps.db.transaction(async (tx) => {
    const incident = await lockIncident(tx, read.id);
    return incident ? queuePlaybookChecklist(tx, deps.policy, incident) : [];
  });
  await queueDeliveries(deps, ids);
}

export type TickOutcome =
  | { ok: true; changed: boolean; duplicate: boolean; message: string }
  | { ok: false; message: string };

/**
 * Ticks (done) or unticks one step: the tick row and its log entry in one transaction under
 * the incident's lock, then the message is redrawn. A redelivered click (same request key)
 * and a click that finds the step already in the wanted state change nothing.
 */
export async function tickPlaybookStep(
  deps: Deps,
  p: { incidentId: string; actor: string; step: number; done: boolean; requestKey: string },
): Promise<TickOutcome> {
  const outcome = await deps.db.transaction(async (tx): Promise<TickOutcome> => {
    const incident = await lockIncident(tx, p.incidentId);
    if (!incident) return { ok: false, message: "That incident no longer exists." };
    const ref = formatReference(incident.number);
    // Refusals come before the request key is recorded, so a retry is refused the same way.
    if (incident.status === "closed") {
      return {
        ok: false,
        message: `${ref} is closed, so its checklist can no longer change. Nothing was recorded.`,
      };
    }
    const posted = PlaybookSnapshot.safeParse(await getPostedPlaybook(tx, incident.id));
    if (!posted.success || p.step >= posted.data.steps.length) {
      return { ok: false, message: "That checklist is out of date; nothing was recorded." };
    }
    if (!(await markRequestProcessed(tx, p.requestKey))) {
      return { ok: true, changed: false, duplicate: true, message: "Already done." };
    }
    const n = p.step + 1;
    // The step's words come from the checklist as posted, never from the button that was clicked.
    const text = posted.data.steps[p.step]?.step ?? `step ${n}`;
    const key = { incidentId: incident.id, step: p.step };
    if (p.done && !(await insertPlaybookTick(tx, { ...key, tickedBy: p.actor }))) {
      const tick = await getPlaybookTick(tx, key);
      const by = tick ? ` by <@${tick.tickedBy}>` : "";
      return { ok: true, changed: false, duplicate: false, message: `Step ${n} was already ticked${by}.` };
    }
    if (!p.done && !(await deletePlaybookTick(tx, key))) {
      return { ok: true, changed: false, duplicate: false, message: `Step ${n} is not ticked.` };
    }
    await appendLog(tx, {
      incidentId: incident.id,
      actor: p.actor,
      kind: "playbook_step_ticked",
      details: { step: p.step, text, done: p.done },
    });
    const message = p.done
      ? `Step ${n} ticked: ${escapeMrkdwn(text)}.`
      : `Step ${n} unticked: ${escapeMrkdwn(text)}.`;
    return { ok: true, changed: true, duplicate: false, message };
  });
  return outcome;
}

const signature = (ticks: PlaybookTick[]) =>
  ticks.map((t) => `${t.step}:${t.tickedBy}:${t.tickedAt.getTime()}`).join(",");

/**
 * Redraws the posted checklist from the logged steps and the stored ticks. Two people ticking
 * at once each redraw after their own commit, and their chat.update calls may land in either
 * order; so after updating, the ticks are read again and the message redrawn if they moved on.
 */
export async function refreshPlaybookChecklist(
  deps: Deps,
  incidentId: string,
): Promise<"updated" | "skipped"> {
  const row = await getOutboxByKey(deps.db, outboxKey.playbook(incidentId));
  const incident = await getIncidentById(deps.db, incidentId);
  const posted = PlaybookSnapshot.safeParse(await getPostedPlaybook(deps.db, incidentId));
  if (!incident || !row?.ts || !row.postedChannel || !posted.success) return "skipped";
  let ticks = await listPlaybookTicks(deps.db, incidentId);
  for (let attempt = 0; attempt < 3; attempt++) {
    const message = playbookChecklist({
      incidentId,
      reference: formatReference(incident.number),
      snapshot: posted.data,
      ticks,
      timezone: deps.policy.timezone,
      closed: incident.status === "closed",
    });
    // A passing fault throws for the refresh job to retry; anything else will not get better.
    const edited = await editMessage(deps.slack, { channel: row.postedChannel, ts: row.ts }, message);
    if (!edited.ok) {
      deps.logger.warn({ incidentId, error: edited.error }, "playbook checklist not updated");
      return "skipped";
    }
    const now = await listPlaybookTicks(deps.db, incidentId);
    if (signature(now) === signature(ticks)) return "updated";
    ticks = now;
  }
  return "updated";
}
