import type { Policy, TeamPolicy } from "./policy-types.js";

/**
 * Supporting the floor during an incident: which teams have confirmed a briefing, what a
 * recorded contact-centre impact changed, and where a request for help goes. Pure.
 */

export const FLOOR_LIMITS = {
  affected: 500,
  script: 2000,
  workaround: 1000,
  affectedQueue: 100,
  helpRequest: 500,
} as const;

export interface Confirmation {
  team: string;
  leadId: string;
  confirmedAt: Date;
}

export type TeamBriefingStatus =
  | { team: string; label: string; state: "confirmed"; leadId: string; confirmedAt: Date }
  | { team: string; label: string; state: "waiting"; leads: string[] };

/**
 * Each team of the policy, confirmed or waiting, in the policy's order. A confirmation for a
 * team the policy no longer has still counts as on record, so it is listed after them.
 */
export function briefingStatus(teams: readonly TeamPolicy[], confirmations: readonly Confirmation[]) {
  const byTeam = new Map(confirmations.map((c) => [c.team, c]));
  const known = new Set(teams.map((t) => t.key));
  const status: TeamBriefingStatus[] = teams.map((t) => {
    const c = byTeam.get(t.key);
    return c
      ? { team: t.key, label: t.label, state: "confirmed", leadId: c.leadId, confirmedAt: c.confirmedAt }
      : { team: t.key, label: t.label, state: "waiting", leads: t.leads };
  });
  for (const c of confirmations) {
    if (known.has(c.team)) continue;
    status.push({
      team: c.team,
      label: c.team,
      state: "confirmed",
      leadId: c.leadId,
      confirmedAt: c.confirmedAt,
    });
  }
  return status;
}

/** The teams a user leads: the ones whose briefing they may confirm. */
export function teamsLedBy(teams: readonly TeamPolicy[], userId: string): TeamPolicy[] {
  return teams.filter((t) => t.leads.includes(userId));
}

export interface Impact {
  callsQueued: number | null;
  abandonmentRate: number | null;
  affectedQueue: string | null;
}

export const IMPACT_FIELDS = ["callsQueued", "abandonmentRate", "affectedQueue"] as const;

/** The fields a new recording changes, each with its old and new value (for the log). */
export function impactChanges(before: Impact, after: Impact) {
  return IMPACT_FIELDS.filter((f) => before[f] !== after[f]).map((field) => ({
    field,
    from: before[field],
    to: after[field],
  }));
}

/** "42 calls queued · 12.5% abandoned · queue Billing"; null when nothing is recorded. */
export function impactSummary(i: Impact): string | null {
  const parts = [
    i.callsQueued === null ? null : `${i.callsQueued} call${i.callsQueued === 1 ? "" : "s"} queued`,
    i.abandonmentRate === null ? null : `${formatRate(i.abandonmentRate)}% abandoned`,
    i.affectedQueue === null ? null : `queue ${i.affectedQueue}`,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(" · ") : null;
}

/** One decimal at most, no trailing ".0" (a `real` column may hold 12.499999). */
export function formatRate(rate: number): string {
  return String(Math.round(rate * 10) / 10);
}

export type HelpDestination =
  | { via: "incident_type" | "team" | "policy"; channels: [string]; teamLabel?: string }
  | { via: "team_leads"; channels: string[] };

type HelpPolicy = Pick<Policy, "incidentTypes" | "supportChannel">;

/**
 * Where "Ask for help" goes: the incident type's support channel, else the asker's team's
 * (the first of their teams that names one), else the policy's, else a DM to each lead the
 * asker answers to (`leads`, from teamLeadsFor). No leads at all: nowhere (channels empty).
 */
export function helpDestination(
  policy: HelpPolicy,
  p: { type: string; askerTeams: readonly TeamPolicy[]; leads: readonly string[] },
): HelpDestination {
  const typeChannel = Object.hasOwn(policy.incidentTypes, p.type)
    ? policy.incidentTypes[p.type]?.supportChannel
    : null;
  if (typeChannel) return { via: "incident_type", channels: [typeChannel] };
  const team = p.askerTeams.find((t) => t.supportChannel);
  if (team?.supportChannel) return { via: "team", channels: [team.supportChannel], teamLabel: team.label };
  if (policy.supportChannel) return { via: "policy", channels: [policy.supportChannel] };
  return { via: "team_leads", channels: [...new Set(p.leads)] };
}

/** What agents tell callers once an outage is resolved, when the resolver wrote nothing else. */
export const DEFAULT_CALLERS_NOW =
  "The problem has been fixed. Thank you for your patience. If you still have any trouble, tell us and we will look into it straight away.";
