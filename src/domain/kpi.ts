import type { CallerKpi } from "./caller-figures.js";
import type { Priority } from "./incident.js";
import { joinWithOr } from "./lifecycle.js";
import { holdsAny, roleHolders } from "./permissions.js";
import type { Policy } from "./policy-types.js";

/**
 * The figures of a KPI report and how they are defined. Everything is about the incidents
 * LOGGED in the period (see report-period.ts), computed in SQL (db/queries/kpi.ts); this
 * module holds the vocabulary and the little arithmetic that is left.
 *
 * - Respond SLA: an incident has responded once acknowledged (or, if it was resolved without
 *   being acknowledged, once resolved). It MET the respond SLA when it responded by the respond
 *   clock's deadline and that clock never breached; it MISSED it when the clock breached, it
 *   responded late, or it is still unanswered past a running deadline. Anything else (still
 *   inside its deadline, or its clock paused) is PENDING and left out of the percentage.
 * - Resolve SLA: the same with the resolve clock and `resolved_at`. The resolve clock is paused
 *   while the incident is on hold, so its deadline already allows for time on hold.
 * - Compliance % = met / (met + missed); "–" when nothing is decided yet.
 * - MTTA (mean time to acknowledge, reported as median and 90th percentile): logged → acknowledged,
 *   over the acknowledged incidents. MTTR: logged → resolved over the incidents resolved now,
 *   in wall-clock time INCLUDING time on hold (what the caller lived through; the SLA above is
 *   where on-hold time is allowed for). Percentiles are PostgreSQL's percentile_cont (linear
 *   interpolation between the two nearest values).
 * - Reopen rate = incidents reopened at least once / incidents resolved at least once (resolved
 *   now, or reopened, which means they were resolved before).
 * - Breaches: SLA clocks of these incidents that breached (one per clock and plan), by clock.
 * - Escalations by level: escalation DMs sent (`escalation_sent` log entries), by the authority
 *   level they went to (1 = first rung), automatic ladder steps and manual escalations apart.
 * - Contacts per incident: caller reports of the period's incidents (wherever they were first
 *   added: a duplicate's callers count with its master), mean and median over every incident
 *   logged in the period (one without callers counts 0), per priority, and by each report's
 *   own report channel.
 * - Improvement actions: every action open now, and how many of them are past their due time;
 *   the backlog is not limited to the period, it is what is left to do today.
 */

export type SlaOutcomeCounts = { met: number; missed: number };

export interface PriorityFigures {
  /** null on the row for all priorities together. */
  priority: Priority | null;
  incidents: number;
  respond: SlaOutcomeCounts;
  resolve: SlaOutcomeCounts;
  acknowledged: number;
  resolved: number;
  /** Seconds; null when no incident qualifies. */
  mttaMedian: number | null;
  mttaP90: number | null;
  mttrMedian: number | null;
  mttrP90: number | null;
  /** Resolved at least once, and of those reopened at least once. */
  everResolved: number;
  reopened: number;
}

export interface DayFigures {
  day: string;
  priority: Priority;
  incidents: number;
  respond: SlaOutcomeCounts;
  resolve: SlaOutcomeCounts;
}

export interface Counted {
  key: string;
  count: number;
}

export interface EscalationFigures {
  level: number;
  manual: boolean;
  sent: number;
  incidents: number;
}

export interface KpiFigures {
  byType: Counted[];
  byChannel: Counted[];
  /** One row per priority that has incidents, then the total row (priority null). */
  byPriority: PriorityFigures[];
  daily: DayFigures[];
  /** Clock name → breached clocks. */
  breaches: Counted[];
  escalations: EscalationFigures[];
  rootCauses: Counted[];
  services: Counted[];
  actions: { open: number; overdue: number };
  /**
   * Communications about the period's incidents by channel ("Slack", "email", "webhook",
   * "phone", …): posts to stakeholders, emails and webhooks sent, and those logged by hand.
   */
  communications?: Counted[];
  /** Contacts (caller reports) per incident: mean, median, per priority, per report channel. */
  callers?: CallerKpi;
}

/** met / (met + missed) as a percentage, or null when nothing is decided. */
export function compliancePercent(c: SlaOutcomeCounts): number | null {
  const decided = c.met + c.missed;
  return decided === 0 ? null : (100 * c.met) / decided;
}

export function ratePercent(part: number, whole: number): number | null {
  return whole === 0 ? null : (100 * part) / whole;
}

/**
 * Team leads and above see the KPIs: every lead listed in `teams`, and holders of the roles in
 * the policy's `permissions.report`.
 */
export function mayRunReport(
  policy: Pick<Policy, "roles" | "teams" | "permissions">,
  userId: string,
): boolean {
  return (
    holdsAny(policy, userId, policy.permissions.report) ||
    policy.teams.some((team) => team.leads.includes(userId))
  );
}

/** Why a report was refused, naming who may run one. */
export function reportRefusal(policy: Pick<Policy, "permissions">): string {
  const roles = roleHolders(policy.permissions.report.filter((role) => role !== "team_lead"));
  const others = roles.length > 0 ? ` and anyone who is ${joinWithOr(roles)}` : "";
  return `KPI reports are for team leads${others}. Ask one of them, or your Switchboard admin if you should have access.`;
}

/** "42 min", "3 h 05 min", "2 d 4 h": a duration in seconds for a summary line. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "–";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatPercent(value: number | null): string {
  return value === null ? "–" : `${value.toFixed(1)}%`;
}
