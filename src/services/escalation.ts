import { randomUUID } from "node:crypto";
import type { Tx } from "../db/client.js";
import { listLog } from "../db/queries/incident-log.js";
import { getIncidentById } from "../db/queries/incidents.js";
import { outboxRowsMatching, upsertOutbox } from "../db/queries/outbox.js";
import { getClock, lockClock, updateClock } from "../db/queries/sla-clocks.js";
import { editMessage } from "../delivery/edit.js";
import { outboxKey } from "../delivery/purposes.js";
import { ladderStep, recipients } from "../domain/escalation.js";
import { authorize, holdsAny, roleLabel, rolesAllowedTo } from "../domain/permissions.js";
import { DEFAULT_MANUAL_ESCALATION_COOLDOWN_MS } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { err, ok } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { acknowledgedDm, type DealtWith, escalationDm } from "../messages/sla.js";
import { slackDate, userMention } from "../messages/text.js";
import type { Deps } from "./deps.js";
import { acknowledgeChange } from "./lifecycle.js";
import { type Change, changeIncident } from "./mutate-incident.js";
import { type Cure, queueBreachDmEdit } from "./sla-clocks.js";
import { clockLabel } from "./sla-plan.js";

/**
 * "Acknowledge" on an escalation DM. On the respond clock of an incident nobody has
 * acknowledged, it does what the card's Acknowledge does (the incident becomes Acknowledged
 * and, if nobody owns it, the presser its owner); on any other clock it records that the
 * presser is on it. Either way that clock's ladder stops, the incident channel and the card
 * say who acknowledged, and every DM of the ladder is edited to say who and who owns it now:
 * one change, in the incident's transaction.
 */
export async function acknowledgeEscalation(
  deps: Deps,
  p: { clockId: string; actor: string; requestKey?: string },
): Promise<{ ok: boolean; message: string }> {
  const found = await getClock(deps.db, p.clockId);
  if (!found) return { ok: false, message: "That escalation no longer exists." };
  let pending: string | null = null;
  let breach: Cure | null = null;
  const outcome = await changeIncident(
    deps,
    { incidentId: found.incidentId, actor: p.actor, requestKey: p.requestKey },
    async (incident, tx) => {
      const ref = formatReference(incident.number);
      const clock = await lockClock(tx, p.clockId);
      if (!clock) return err({ code: "not_found", message: "That escalation no longer exists." });
      // Only someone this ladder messaged, or a manager, may answer for it.
      const messaged = await wasMessaged(tx, clock.id, p.actor);
      if (!messaged && !holdsAny(deps.policy, p.actor, rolesAllowedTo(deps.policy, "resolve"))) {
        return err({
          code: "forbidden",
          message: `Only the people this escalation of ${ref} was sent to, or a team lead or above, can acknowledge it.`,
        });
      }
      if (clock.ladderAcknowledgedBy) {
        const owner = incident.ownerId ? ` ${userMention(incident.ownerId)} owns it.` : "";
        return err({
          code: "already_acknowledged",
          message: `${userMention(clock.ladderAcknowledgedBy)} already acknowledged this escalation of ${ref}.${owner}`,
        });
      }
      const at = deps.clock.now();
      breach = {
        generation: clock.generation,
        reason: "acknowledged",
        by: p.actor,
        at,
        dueAt: clock.dueAt,
        targetMs: clock.durationMs,
      };
      const onLadder = clock.nextStep?.startsWith("escalate-") ?? false;
      pending =
        onLadder && clock.nextStep ? jobIds.slaStep(clock.id, clock.generation, clock.nextStep) : null;
      const stopLadder: Change["also"] = async (t) => {
        await updateClock(t, clock.id, {
          ladderAcknowledgedBy: p.actor,
          ladderAcknowledgedAt: at,
          ...(onLadder ? { nextStep: null, nextStepAt: null } : {}),
        });
        return [];
      };
      const acknowledged = {
        kind: "escalation_acknowledged" as const,
        details: { clock: clock.name, clockLabel: clockLabel(clock.name), generation: clock.generation },
      };
      if (clock.name === "respond" && incident.status === "open") {
        const change = acknowledgeChange(deps, incident, p.actor);
        if (!change.ok) return change;
        const owner = change.value.patch.ownerId ?? incident.ownerId;
        return ok({
          ...change.value,
          log: [...change.value.log, acknowledged],
          also: stopLadder,
          message:
            owner === p.actor
              ? `You acknowledged ${ref} and now own it. No further escalation messages go out about this breach.`
              : `You acknowledged ${ref}; ${userMention(owner)} owns it. No further escalation messages go out about this breach.`,
        });
      }
      const owner = incident.ownerId
        ? `${userMention(incident.ownerId)} owns it.`
        : "Nobody owns it yet: *Take ownership* if it is yours.";
      return ok({
        patch: {},
        log: [acknowledged],
        also: stopLadder,
        message: `Noted: you are on it. The ${clockLabel(clock.name).toLowerCase()} escalation of ${ref} stops here. ${owner}`,
      });
    },
  );
  if (!outcome.ok) return { ok: false, message: outcome.message };
  if (!outcome.duplicate) {
    if (pending) await deps.jobs.remove("sla.fire", pending).catch(() => {});
    if (breach) await queueBreachDmEdit(deps, p.clockId, breach);
  }
  return { ok: true, message: outcome.message };
}

/** Whether the clock's ladder sent `user` a DM (escalation outbox keys end with the user). */
async function wasMessaged(tx: Tx, clockId: string, user: string): Promise<boolean> {
  const rows = await outboxRowsMatching(tx, {
    keyPattern: outboxKey.escalationDmsOfClock(clockId),
    channel: user,
    limit: 1,
  });
  return rows.length > 0;
}

/** A breach dealt with, as its edit job carries it (sla-clocks.ts Cure, times in epoch ms). */
export interface CureEdit {
  generation: number;
  reason: DealtWith;
  by: string;
  at: number;
  dueAt: number;
  targetMs: number;
  task?: string;
}

/**
 * Edits each escalation DM of one breach that has been sent, to say who dealt with it, how,
 * when, and who owns it now. Without `cure`: the clock's current breach, acknowledged. With it:
 * the breach of `cure.generation`, put right another way; a later breach keeps its own DMs.
 */
export async function editAcknowledgedDms(deps: Deps, clockId: string, cure?: CureEdit): Promise<number> {
  const clock = await getClock(deps.db, clockId);
  if (!clock) return 0;
  const dealt = cure
    ? {
        generation: cure.generation,
        by: cure.by,
        at: new Date(cure.at),
        reason: cure.reason,
        task: cure.task,
        dueAt: new Date(cure.dueAt),
        targetMs: cure.targetMs,
      }
    : clock.ladderAcknowledgedBy && clock.ladderAcknowledgedAt
      ? {
          generation: clock.generation,
          by: clock.ladderAcknowledgedBy,
          at: clock.ladderAcknowledgedAt,
          reason: "acknowledged" as const,
          task: undefined,
          dueAt: clock.dueAt,
          targetMs: clock.durationMs,
        }
      : null;
  if (!dealt) return 0;
  const incident = await getIncidentById(deps.db, clock.incidentId);
  if (!incident) return 0;
  const rows = await outboxRowsMatching(deps.db, {
    keyPattern: outboxKey.escalationDmsOfBreach(clockId, dealt.generation),
  });
  let edited = 0;
  for (const sent of rows) {
    if (sent.status !== "sent" || !sent.postedChannel || !sent.ts) continue;
    const message = acknowledgedDm(sent.message as { blocks?: unknown[]; text?: string }, {
      by: dealt.by,
      at: dealt.at,
      reason: dealt.reason,
      task: dealt.task,
      timezone: deps.policy.timezone,
      incident,
      clock: {
        label: clockLabel(clock.name),
        name: clock.name,
        dueAt: dealt.dueAt,
        targetMs: dealt.targetMs,
      },
    });
    // A DM Slack will never let us edit (deleted, user gone) keeps its old words.
    if ((await editMessage(deps.slack, { channel: sent.postedChannel, ts: sent.ts }, message)).ok) edited++;
  }
  return edited;
}

/** `/incident escalate <reason>`: one level up the incident type's ladder at once, with the reason. */
export function escalateByHand(
  deps: Deps,
  p: { incidentId: string; actor: string; reason: string; requestKey?: string },
) {
  return changeIncident(deps, p, async (incident, tx) => {
    const ref = formatReference(incident.number);
    const allowed = authorize(deps.policy, {
      userId: p.actor,
      action: "escalate",
      ownerId: incident.ownerId,
      reporterId: incident.reporterId,
    });
    if (!allowed.ok) return err({ code: allowed.error.code, message: `${ref}: ${allowed.error.message}` });
    if (incident.status === "resolved")
      return err({
        code: "resolved",
        message: `${ref} is resolved: there is nothing to escalate. Reopen it first.`,
      });
    const ladder = deps.policy.incidentTypes[incident.type]?.escalation ?? [];
    if (ladder.length === 0)
      return err({ code: "no_ladder", message: `${ref}'s type has no escalation ladder in the policy.` });
    if (!p.reason.trim())
      return err({
        code: "reason_required",
        message: "Say why: `/incident escalate Callers queueing 20 min`.",
      });
    // One level above the highest reached so far, by the clocks' ladders or by hand.
    const sent = (await listLog(tx, incident.id)).filter((e) => e.kind === "escalation_sent");
    const reached = Math.max(incident.escalationLevel, ...sent.map((e) => Number(e.details.level) || 0));
    const rung = ladderStep(ladder, Math.min(reached, ladder.length - 1));
    const to = recipients(deps.policy.roles, rung.role);
    const cooldownMs = deps.policy.manualEscalationCooldownMs ?? DEFAULT_MANUAL_ESCALATION_COOLDOWN_MS;
    const now = deps.clock.now();
    const recent = sent.findLast(
      (e) =>
        e.details.manual === true &&
        e.details.level === rung.level &&
        now.getTime() - e.at.getTime() < cooldownMs,
    );
    if (recent) {
      const whom = to.map((u) => `<@${u}>`).join(", ") || "nobody";
      const again = new Date(recent.at.getTime() + cooldownMs);
      return err({
        code: "cooldown",
        message: `${ref} was escalated by hand to the ${roleLabel(rung.role)} (${whom}) ${slackDate(recent.at, deps.policy.timezone)}. They are not messaged again before ${slackDate(again, deps.policy.timezone)}; add what is new with \`/incident note\`.`,
      });
    }
    const told = toldBefore(sent);
    const dm = (recipient: string) =>
      escalationDm(incident, {
        clockId: "",
        clock: clockLabel("manual"),
        overdueMs: 0,
        ...rung,
        manualReason: p.reason,
        alreadyTold: told,
        timezone: deps.policy.timezone,
        recipient,
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
            dedupeKey: outboxKey.manualEscalation(id, user),
            purpose: "escalation_dm",
            channel: user,
            message: dm(user),
          })),
        ),
    });
  });
}

/** Who earlier escalations of the incident reached and when: each role's latest, oldest first. */
function toldBefore(sent: ReadonlyArray<{ at: Date; details: Record<string, unknown> }>) {
  const latest = new Map<string, { role: string; holders: string[]; at: Date }>();
  for (const e of sent) {
    const role = typeof e.details.role === "string" ? e.details.role : null;
    const holders = Array.isArray(e.details.to)
      ? e.details.to.filter((u): u is string => typeof u === "string")
      : [];
    if (!role) continue;
    latest.delete(role);
    latest.set(role, { role, holders, at: e.at });
  }
  return [...latest.values()].slice(-5);
}
