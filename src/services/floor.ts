import { randomUUID } from "node:crypto";
import { teamLeadsFor, teamsOf } from "../config/policy.js";
import type { Tx } from "../db/client.js";
import {
  clearConfirmationsOf,
  confirmationsOf,
  getBriefing,
  insertBriefing,
  insertConfirmations,
} from "../db/queries/briefings.js";
import { appendLog } from "../db/queries/incident-log.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import { outboxKey } from "../delivery/purposes.js";
import {
  briefingStatus,
  helpDestination,
  type Impact,
  impactChanges,
  impactSummary,
  teamsLedBy,
} from "../domain/floor.js";
import { isOpenStatus } from "../domain/lifecycle.js";
import { formatReference } from "../domain/reference.js";
import { err, ok } from "../domain/result.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { briefingMessage, describeHelpDestination, helpRequestMessage } from "../messages/floor.js";
import { channelMention, escapeMrkdwn, slackDate, userMention } from "../messages/text.js";
import type { Deps } from "./deps.js";
import { type Change, type ChangeOutcome, changeIncident } from "./mutate-incident.js";

type Request = { incidentId: string; actor: string; requestKey?: string };

const notOpen = (ref: string) =>
  err({ code: "not_open", message: `${ref} is no longer open; this is for incidents still being worked.` });

/** Where to configure the agents' channels, for a refusal people can act on. */
export const NO_AGENT_CHANNELS =
  "No agents' channel is configured, so there is nowhere to post a briefing. Add `agent_channels: [C…]` to the policy file (POLICY_FILE) and restart Switchboard.";

export interface BriefingInput {
  affected: string;
  script: string;
  workaround: string | null;
  nextUpdateAt: Date | null;
}

/**
 * "Brief agents": stores the script and posts it to every agents' channel, each post its own
 * outbox row keyed by briefing and channel, all in the change's transaction.
 */
export function briefAgents(deps: Deps, p: Request & BriefingInput): Promise<ChangeOutcome> {
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    if (!isOpenStatus(incident.status)) return notOpen(ref);
    const channels = [...new Set(deps.policy.agentChannels)];
    if (channels.length === 0) return err({ code: "no_agent_channels", message: NO_AGENT_CHANNELS });
    // Known before the insert, so the log entry (written first) can name it.
    const briefingId = randomUUID();
    const where = channels.map((c) => channelMention(c)).join(", ");
    return ok({
      patch: {},
      log: [
        {
          kind: "briefing_posted" as const,
          details: { briefingId, channels, nextUpdateAt: p.nextUpdateAt?.toISOString() ?? null },
        },
      ],
      message: `Briefing for ${ref} is on its way to ${where}. Team leads confirm with *Team briefed*; the card shows who has.`,
      also: async (tx, updated) => {
        const briefing = await insertBriefing(tx, {
          id: briefingId,
          incidentId: incident.id,
          author: p.actor,
          affected: p.affected,
          script: p.script,
          workaround: p.workaround,
          nextUpdateAt: p.nextUpdateAt,
        });
        const status = briefingStatus(deps.policy.teams, []);
        const message = briefingMessage(updated, briefing, status, deps.policy.timezone);
        return upsertOutbox(
          tx,
          channels.map((channel) => ({
            incidentId: incident.id,
            dedupeKey: outboxKey.briefing(briefingId, channel),
            purpose: "briefing",
            channel,
            message,
          })),
        );
      },
    });
  });
}

/**
 * "Team briefed": one confirmation per team the clicker leads and that has not confirmed
 * yet. The incident's row lock serialises clicks, so a double click confirms once.
 */
export async function confirmBriefing(
  deps: Deps,
  p: { briefingId: string; actor: string; requestKey?: string },
): Promise<ChangeOutcome> {
  const briefing = await getBriefing(deps.db, p.briefingId);
  if (!briefing) return { ok: false, code: "not_found", message: "That briefing no longer exists." };
  const led = teamsLedBy(deps.policy.teams, p.actor);
  if (led.length === 0) {
    const leads = [...new Set(deps.policy.teams.flatMap((t) => t.leads))].map((u) => userMention(u));
    return {
      ok: false,
      code: "not_a_lead",
      message: `Only a team lead can confirm that their team has been briefed${leads.length ? ` (${leads.join(", ")})` : ""}.`,
    };
  }
  const outcome = await changeIncident(
    deps,
    { ...p, incidentId: briefing.incidentId },
    async (incident, tx) => {
      const ref = formatReference(incident.number);
      const existing = await confirmationsOf(tx, briefing.id);
      const done = new Map(existing.map((c) => [c.team, c]));
      const fresh = led.filter((t) => !done.has(t.key));
      if (fresh.length === 0) {
        const by = led.map((t) => {
          const c = done.get(t.key)!;
          return `${t.label} by ${userMention(c.leadId)} ${slackDate(c.confirmedAt, deps.policy.timezone)}`;
        });
        return err({ code: "already_confirmed", message: `Already confirmed for ${ref}: ${by.join("; ")}.` });
      }
      const now = deps.clock.now();
      return ok({
        patch: {},
        log: fresh.map((t) => ({
          kind: "briefing_confirmed" as const,
          details: { briefingId: briefing.id, team: t.key, teamLabel: t.label, lead: p.actor },
        })),
        message: `Thanks: ${fresh.map((t) => t.label).join(", ")} marked as briefed on ${ref}.`,
        also: async (tx2) => {
          await insertConfirmations(
            tx2,
            fresh.map((t) => ({ briefingId: briefing.id, team: t.key, leadId: p.actor, confirmedAt: now })),
          );
          return [];
        },
      });
    },
  );
  if (outcome.ok && !outcome.duplicate)
    await queueBriefingRefresh(deps, briefing.id, outcome.incident.version);
  return outcome;
}

/**
 * A reopened incident's floor is briefed again: in the reopen's transaction every team's
 * confirmation goes back to waiting, and the log keeps who had confirmed. The card, the
 * briefing posts (redrawn after every reopen) and the Team briefed button follow.
 */
export function withRebriefing(deps: Deps, change: Change, actor: string): Change {
  return {
    ...change,
    also: async (tx, updated) => {
      const ids = (await change.also?.(tx, updated)) ?? [];
      await askToBriefAgain(tx, deps, updated.id, actor);
      return ids;
    },
  };
}

async function askToBriefAgain(tx: Tx, deps: Deps, incidentId: string, actor: string): Promise<void> {
  const cleared = await clearConfirmationsOf(tx, incidentId);
  if (cleared.length === 0) return;
  const labels = new Map(deps.policy.teams.map((t) => [t.key, t.label]));
  await appendLog(tx, {
    incidentId,
    actor,
    kind: "briefing_confirmations_cleared",
    details: {
      cleared: cleared.map((c) => ({
        briefingId: c.briefingId,
        team: c.team,
        teamLabel: labels.get(c.team) ?? c.team,
        lead: c.leadId,
        confirmedAt: c.confirmedAt.toISOString(),
      })),
    },
  });
}

/** The briefing posts show who has confirmed; if Redis is down the card still shows it. */
async function queueBriefingRefresh(deps: Deps, briefingId: string, version: number): Promise<void> {
  await deps.jobs
    .enqueue("briefing.refresh", { briefingId }, { jobId: jobIds.briefingRefresh(briefingId, version) })
    .catch((e: unknown) =>
      deps.logger.warn({ briefingId, err: describeError(e) }, "briefing post refresh not queued"),
    );
}

/** "Record impact": replaces the recorded contact-centre impact; the log keeps old and new. */
export function recordImpact(deps: Deps, p: Request & Impact): Promise<ChangeOutcome> {
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    if (!isOpenStatus(incident.status)) return notOpen(ref);
    const next: Impact = {
      callsQueued: p.callsQueued,
      abandonmentRate: p.abandonmentRate,
      affectedQueue: p.affectedQueue,
    };
    return ok({
      patch: { ...next, impactRecordedAt: deps.clock.now() },
      log: [
        { kind: "impact_recorded" as const, details: { changes: impactChanges(incident, next), ...next } },
      ],
      // The queue's name is typed by a person: escaped like every text Slack reads as markup.
      message: `Impact recorded on ${ref}: ${escapeMrkdwn(impactSummary(next) ?? "nothing known")}. It shows on the card and in the next update.`,
    });
  });
}

/**
 * "Ask for help": the incident's summary and the request go to the type's support channel,
 * else the asker's team's, else the policy's, else to the asker's team leads by DM.
 */
export function askForHelp(deps: Deps, p: Request & { request: string }): Promise<ChangeOutcome> {
  const key = p.requestKey ?? randomUUID();
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    if (!isOpenStatus(incident.status)) return notOpen(ref);
    const destination = helpDestination(deps.policy, {
      type: incident.type,
      askerTeams: teamsOf(deps.policy, p.actor),
      leads: teamLeadsFor(deps.policy, p.actor),
    });
    if (destination.channels.length === 0) {
      return err({
        code: "nobody_to_ask",
        message:
          "There is no one to send this to: the policy names no support channel and no team lead. Add `support_channel: C…` or team leads to the policy file.",
      });
    }
    return ok({
      patch: {},
      log: [
        {
          kind: "help_requested" as const,
          details: { via: destination.via, to: destination.channels, request: p.request },
        },
      ],
      message: `Your request for help with ${ref} is on its way to ${describeHelpDestination(destination)}.`,
      also: (tx, updated) =>
        upsertOutbox(
          tx,
          destination.channels.map((channel) => ({
            incidentId: incident.id,
            dedupeKey: outboxKey.helpRequest(key, channel),
            purpose: "help_request",
            channel,
            message: helpRequestMessage(updated, {
              asker: p.actor,
              request: p.request,
              privateChannel: deps.policy.incidentChannels === "private",
            }),
          })),
        ),
    });
  });
}
