import { eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../client.js";
import { type IncidentRow, incidents, processedRequests, slaClocks } from "../schema/index.js";

/** Locks the incident row for the rest of the transaction: concurrent changes queue up. */
export async function lockIncident(tx: Tx, id: string): Promise<IncidentRow | null> {
  const [row] = await tx.select().from(incidents).where(eq(incidents.id, id)).for("update");
  return row ?? null;
}

/** Locks the incidents of these clocks, in id order (the order every multi-incident lock takes). */
export function lockIncidentsOfClocks(tx: Tx, clockIds: string[]): Promise<IncidentRow[]> {
  if (clockIds.length === 0) return Promise.resolve([]);
  const owners = tx
    .select({ id: slaClocks.incidentId })
    .from(slaClocks)
    .where(inArray(slaClocks.id, clockIds));
  return tx.select().from(incidents).where(inArray(incidents.id, owners)).orderBy(incidents.id).for("update");
}

export async function updateIncident(tx: Tx, id: string, patch: Partial<IncidentRow>): Promise<IncidentRow> {
  const [row] = await tx
    .update(incidents)
    .set({ ...patch, version: sql`${incidents.version} + 1`, updatedAt: sql`now()` })
    .where(eq(incidents.id, id))
    .returning();
  if (!row) throw new Error(`incident ${id} vanished inside its own transaction`);
  return row;
}

/** True the first time a request key is seen; false for a redelivery or a double click. */
export async function markRequestProcessed(tx: Tx, key: string): Promise<boolean> {
  const rows = await tx
    .insert(processedRequests)
    .values({ key })
    .onConflictDoNothing()
    .returning({ key: processedRequests.key });
  return rows.length > 0;
}
