import { and, desc, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import { type IncidentRow, incidents } from "../schema/index.js";
import { listedTo, OPEN_STATUSES } from "./incidents.js";

/**
 * Open incidents whose escalation ladder has messaged `userId` and is still climbing: a clock
 * breached, nobody has acknowledged its ladder, and one of that breach's escalation DMs went to
 * them (found through the outbox's index on incident, not a scan of every delivery). The DM's
 * outbox key carries the clock's generation (outboxKey.escalationDm), so DMs of an earlier
 * breach of the same clock, since cured (an update posted), do not count. Each comes with the
 * names of those clocks (`escalatedClocks`), so Home can say what is still wrong.
 */
export async function incidentsEscalatedTo(
  db: DbOrTx,
  p: { userId: string; limit: number },
): Promise<Array<IncidentRow & { escalatedClocks: string[] }>> {
  const climbing = sql`c.incident_id = ${incidents.id} and c.state = 'running' and c.breached_at is not null
      and c.ladder_acknowledged_by is null
      and exists (
        select 1 from outbox o
        where o.incident_id = c.incident_id and o.purpose = 'escalation_dm' and o.channel = ${p.userId}
          and o.dedupe_key like 'esc:' || c.id::text || ':' || c.generation::text || ':%')`;
  const rows = await db
    .select({
      incident: incidents,
      escalatedClocks: sql<
        string[]
      >`array(select c.name from sla_clocks c where ${climbing} order by c.name)`,
    })
    .from(incidents)
    .where(
      and(
        inArray(incidents.status, OPEN_STATUSES),
        sql`exists (select 1 from sla_clocks c where ${climbing})`,
        listedTo(p.userId),
      ),
    )
    .orderBy(incidents.priority, desc(incidents.loggedAt))
    .limit(p.limit);
  return rows.map((r) => ({ ...r.incident, escalatedClocks: r.escalatedClocks }));
}
