import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../client.js";

/** The latest reopen of an incident: who, why and when (from its log); null if never reopened. */
export interface Reopen {
  by: string;
  reason: string | null;
  at: Date;
}

const ReopenRow = z.object({ actor: z.string(), reason: z.string().nullable(), at: z.coerce.date() });

/**
 * Read only for an incident that has been reopened (its `reopen_count`), so the card of one that
 * never was costs no walk through its log.
 */
export async function lastReopenOf(db: DbOrTx, incidentId: string): Promise<Reopen | null> {
  const [raw] = await db.execute(sql`
    select actor, details->>'reason' as reason, at from incident_log
    where incident_id = ${incidentId}::uuid and kind = 'status_changed' and details->>'action' = 'reopen'
    order by id desc
    limit 1`);
  if (!raw) return null;
  const row = ReopenRow.parse(raw);
  return { by: row.actor, reason: row.reason || null, at: row.at };
}
