import { sql } from "drizzle-orm";
import { parse, stringify } from "yaml";
import { insertClocks } from "../../src/db/queries/sla-clocks.js";
import { incidents, type SlaClockRow } from "../../src/db/schema/index.js";
import type { Priority } from "../../src/domain/incident.js";
import { isMajorPriority } from "../../src/domain/priority-matrix.js";
import type { Deps } from "../../src/services/deps.js";
import { scheduleClocks } from "../../src/services/sla-clocks.js";
import { initialClocks, scheduleFields } from "../../src/services/sla-plan.js";
import { USERS } from "./harness.js";

/** One incident to seed: already set up (its channel and pinned card exist in Slack). */
export interface SeedIncident {
  type: string;
  priority: Priority;
  loggedAt: Date;
  channelId?: string;
  summaryTs?: string;
}

export interface SeededIncident {
  id: string;
  number: number;
  clocks: SlaClockRow[];
}

const ROWS_PER_INSERT = 1_000;
const ARM_CHUNK = 200;
const ARM_PARALLEL = 16;

/**
 * Bulk seeding for benchmarks and drills that need tens of thousands of open incidents, far
 * faster than logging each one. The clocks are planned by the production planner
 * (initialClocks, then scheduleFields at the real now, so a warning whose time has passed is
 * treated as fired) and armed by the production scheduler (scheduleClocks).
 */
export async function seedIncidents(
  deps: Deps,
  specs: SeedIncident[],
  opts: { arm?: boolean } = {},
): Promise<SeededIncident[]> {
  const seeded: SeededIncident[] = [];
  const now = deps.clock.now();
  for (let start = 0; start < specs.length; start += ROWS_PER_INSERT) {
    const batch = specs.slice(start, start + ROWS_PER_INSERT);
    const rows = await deps.db
      .insert(incidents)
      .values(
        batch.map((s, i) => ({
          title: `Seeded incident ${start + i}`,
          description: "Seeded for a benchmark or drill.",
          type: s.type,
          reportChannel: "phone" as const,
          impact: "high" as const,
          urgency: "high" as const,
          matrixPriority: s.priority,
          priority: s.priority,
          major: isMajorPriority(s.priority),
          reporterId: USERS.agent,
          channelId: s.channelId ?? null,
          summaryTs: s.summaryTs ?? null,
          setupCompletedAt: now,
          reportedAt: s.loggedAt,
          loggedAt: s.loggedAt,
        })),
      )
      .returning({ id: incidents.id, number: incidents.number });
    const planned = rows.flatMap((row, i) => {
      const spec = batch[i]!;
      return initialClocks(deps.policy, {
        incidentId: row.id,
        type: spec.type,
        priority: spec.priority,
        loggedAt: spec.loggedAt,
      }).map((clock) => ({
        ...clock,
        ...scheduleFields(deps.policy, { pausedMs: 0, warnOffsetsMs: [], ...clock }, spec.priority, now),
      }));
    });
    const clocks = await insertClocks(deps.db, planned);
    const byIncident = new Map<string, SlaClockRow[]>();
    for (const clock of clocks)
      byIncident.set(clock.incidentId, [...(byIncident.get(clock.incidentId) ?? []), clock]);
    for (const row of rows) seeded.push({ ...row, clocks: byIncident.get(row.id) ?? [] });
  }
  await deps.db.execute(sql`
    update incidents i set
      respond_due_at = (select due_at from sla_clocks where incident_id = i.id and name = 'respond'),
      resolve_due_at = (select due_at from sla_clocks where incident_id = i.id and name = 'resolve'),
      next_update_due_at = (select due_at from sla_clocks where incident_id = i.id and name = 'update_every')
    where respond_due_at is null`);
  if (opts.arm ?? true)
    await armClocks(
      deps,
      seeded.flatMap((s) => s.clocks),
    );
  return seeded;
}

/** Queues each clock's next step through scheduleClocks, a few chunks at a time. */
export async function armClocks(deps: Deps, clocks: SlaClockRow[]): Promise<void> {
  const chunks: SlaClockRow[][] = [];
  for (let i = 0; i < clocks.length; i += ARM_CHUNK) chunks.push(clocks.slice(i, i + ARM_CHUNK));
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < chunks.length; i = next++) {
      await scheduleClocks(
        deps,
        chunks[i]!.map((clock) => ({ clock, supersededJobId: null })),
      );
    }
  };
  await Promise.all(Array.from({ length: ARM_PARALLEL }, lane));
}

/** The test policy's SLAs with this P1 line; P2–P5 are a contact centre's usual scale. */
const slaWithP1 = (p1: string) => `
sla:
  P1: ${p1}
  P2: { respond: 1h, update_every: 2h, resolve: 8h, hours: always, repeat: 1h }
  P3: { respond: 4h, update_every: 1d, resolve: 3d, hours: always, repeat: 2h }
  P4: { respond: 1d, update_every: 2d, resolve: 5d, hours: always, repeat: 4h }
  P5: { respond: 2d, update_every: 3d, resolve: 10d, hours: always, repeat: 4h }
warn_at: 0.5
`;

/**
 * SLAs whose P1 steps all fall within the timer horizon (an hour) and whose P4 steps are half
 * a day and more away: for tests of which timers Redis holds.
 */
export const NEAR_AND_FAR_SLA = slaWithP1(
  "{ respond: 10m, update_every: 30m, resolve: 50m, hours: always, repeat: 1h }",
);

/**
 * SLAs of a contact centre's usual scale with a ten-minute P1 respond clock, so incidents
 * seeded as logged ten minutes ago are due to breach now (benchmarks and batch tests).
 */
export const TEN_MINUTE_RESPOND_SLA = slaWithP1(
  "{ respond: 10m, update_every: 2h, resolve: 4h, hours: always, repeat: 1h }",
);

export const leadUser = (i: number) => `U0L${i}`;
export const teamType = (i: number, teams: number) => `team_${i % teams}`;

/**
 * Edits a harness policy to have `teams` incident types, each escalating first to its own
 * team lead (leadUser(i)), then the duty manager and the head of operations: escalations
 * spread over many people, as in a contact centre with many teams.
 */
export function teamsPolicy(teams: number): (yaml: string) => string {
  return (yaml) => {
    const doc = parse(yaml) as Record<string, Record<string, unknown>>;
    for (let i = 0; i < teams; i++) {
      doc.roles![`lead_${i}`] = [leadUser(i)];
      doc.incident_types![teamType(i, teams)] = {
        label: `Team ${i}`,
        stakeholder_channels: [],
        escalation: [`lead_${i}`, "duty_manager", "head_of_operations"],
      };
    }
    return stringify(doc);
  };
}
