import { randomUUID } from "node:crypto";
import { like } from "drizzle-orm";
import { appendLog } from "../db/queries/incident-log.js";
import { lockIncidentOfClock } from "../db/queries/mutate.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import { lockClock, updateClock } from "../db/queries/sla-clocks.js";
import { outbox } from "../db/schema/index.js";
import { ladderStep, recipients } from "../domain/escalation.js";
import { formatReference } from "../domain/reference.js";
import { err, ok } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { acknowledgedDm, escalationDm } from "../slack/blocks/sla.js";
import { classifySlackError } from "../slack/errors.js";
import { RetryLater } from "./deliver.js";
import type { Deps } from "./deps.js";
import { changeIncident } from "./mutate-incident.js";
import { clockLabel } from "./sla-plan.js";

/**
 * "Acknowledge" on an escalation DM: stops that clock's ladder (no further rungs), logs who
 * acknowledged, and queues the edit of every DM already sent so the others see it is handled.
 */
export async function acknowledgeEscalation(deps: Deps, p: { clockId: string; actor: string }) {
  const now = deps.clock.now();
  const result = await deps.db.transaction(async (tx) => {
    const incident = await lockIncidentOfClock(tx, p.clockId);
    const clock = await lockClock(tx, p.clockId);
    if (!clock) return { ok: false as const, message: "That escalation no longer exists." };
    const ref = incident ? formatReference(incident.number) : "the incident";
    if (clock.ladderAcknowledgedBy) {
      return {
        ok: false as const,
        message: `<@${clock.ladderAcknowledgedBy}> already acknowledged this escalation of ${ref}.`,
      };
    }
    const onLadder = clock.nextStep?.startsWith("escalate-") ?? false;
    const pending =
      onLadder && clock.nextStep ? jobIds.slaStep(clock.id, clock.generation, clock.nextStep) : null;
    await updateClock(tx, clock.id, {
      ladderAcknowledgedBy: p.actor,
      ladderAcknowledgedAt: now,
      ...(onLadder ? { nextStep: null, nextStepAt: null } : {}),
    });
    await appendLog(tx, {
      incidentId: clock.incidentId,
      actor: p.actor,
      kind: "escalation_acknowledged",
      details: { clock: clock.name, generation: clock.generation },
    });
    return { ok: true as const, message: `Acknowledged: the escalation of ${ref} stops here.`, pending };
  });
  if (result.ok) {
    if (result.pending) await deps.jobs.remove("sla.fire", result.pending).catch(() => {});
    await deps.jobs.enqueue(
      "escalation.ack-edit",
      { clockId: p.clockId },
      { jobId: `ack-edit-${p.clockId}` },
    );
  }
  return result;
}

/** Edits each escalation DM of the clock that has been sent, to say who acknowledged and when. */
export async function editAcknowledgedDms(deps: Deps, clockId: string): Promise<number> {
  const clock = await deps.db.query.slaClocks.findFirst({ where: (t, { eq }) => eq(t.id, clockId) });
  if (!clock?.ladderAcknowledgedBy || !clock.ladderAcknowledgedAt) return 0;
  const rows = await deps.db
    .select()
    .from(outbox)
    .where(like(outbox.dedupeKey, `esc:${clockId}:%`));
  let edited = 0;
  for (const sent of rows) {
    if (sent.status !== "sent" || !sent.postedChannel || !sent.ts) continue;
    const message = acknowledgedDm(sent.message as { blocks?: unknown[]; text?: string }, {
      by: clock.ladderAcknowledgedBy,
      at: clock.ladderAcknowledgedAt,
      timezone: deps.policy.timezone,
    });
    try {
      await deps.slack.chat.update({ channel: sent.postedChannel, ts: sent.ts, ...message } as never);
      edited++;
    } catch (e) {
      const failure = classifySlackError(e);
      if (failure.kind !== "permanent")
        throw new RetryLater(failure.kind === "rate_limited" ? failure.retryAfterMs : null, failure.detail);
    }
  }
  return edited;
}

/** `/incident escalate <reason>`: one level up the incident type's ladder at once, with the reason. */
export function escalateByHand(
  deps: Deps,
  p: { incidentId: string; actor: string; reason: string; requestKey?: string },
) {
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    const ladder = deps.policy.incidentTypes[incident.type]?.escalation ?? [];
    if (ladder.length === 0)
      return err({ code: "no_ladder", message: `${ref}'s type has no escalation ladder in the policy.` });
    if (!p.reason.trim())
      return err({
        code: "reason_required",
        message: "Say why: `/incident escalate Callers queueing 20 min`.",
      });
    const rung = ladderStep(ladder, Math.min(incident.escalationLevel, ladder.length - 1));
    const to = recipients(deps.policy.roles, rung.role);
    const dm = escalationDm(incident, {
      clockId: "",
      clock: clockLabel("manual"),
      overdueMs: 0,
      ...rung,
      manualReason: p.reason,
    });
    const id = randomUUID();
    return ok({
      patch: { escalationLevel: rung.level },
      log: [
        {
          kind: "escalation_sent" as const,
          details: { manual: true, level: rung.level, role: rung.role, to, reason: p.reason },
        },
      ],
      message: `${ref} escalated to level ${rung.level} (${rung.role.replace(/_/g, " ")}): ${to.map((u) => `<@${u}>`).join(", ") || "nobody holds that role"}.`,
      also: (tx) =>
        upsertOutbox(
          tx,
          to.map((user) => ({
            incidentId: incident.id,
            dedupeKey: `manual-esc:${id}:${user}`,
            purpose: "escalation_dm",
            channel: user,
            message: dm,
          })),
        ),
    });
  });
}
