import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../client.js";

/** A caller-volume crossing as logged (caller_volume_reached): what the raise job reads. */
export const VolumeCrossing = z.object({
  key: z.string().min(1),
  callers: z.number().int().min(1),
  threshold: z.number().int().min(1),
  withinMs: z.number().int().min(1),
});
export type VolumeCrossing = z.infer<typeof VolumeCrossing>;

/** The request key a crossing's raise records (processed_requests): once per crossing, ever. */
export const volumeRequestKey = (crossingKey: string) => `volume:${crossingKey}`;

/** The crossing logged on this incident under `key`; null when there is none. */
export async function getVolumeCrossing(
  db: DbOrTx,
  p: { incidentId: string; key: string },
): Promise<VolumeCrossing | null> {
  const [row] = await db.execute<{ details: unknown }>(sql`
    select details from incident_log
    where incident_id = ${p.incidentId}::uuid and kind = 'caller_volume_reached'
      and details->>'key' = ${p.key}
    limit 1`);
  const parsed = VolumeCrossing.safeParse(row?.details);
  return parsed.success ? parsed.data : null;
}

/**
 * Crossings logged between `after` and `before` on incidents still being worked whose raise
 * never ran to the end (no request key): the job was lost (Redis down or flushed after commit).
 */
export async function listUnraisedCrossings(
  db: DbOrTx,
  p: { before: Date; after: Date; limit: number },
): Promise<Array<{ incidentId: string; key: string }>> {
  const rows = await db.execute<{ incident_id: string; key: string }>(sql`
    select l.incident_id, l.details->>'key' as key
    from incidents i
    join incident_log l on l.incident_id = i.id and l.kind = 'caller_volume_reached'
    where i.status not in ('resolved', 'closed') and i.merged_into_id is null
      and l.at < ${p.before.toISOString()}::timestamptz and l.at > ${p.after.toISOString()}::timestamptz
      and not exists (
        select 1 from processed_requests r where r.key = 'volume:' || (l.details->>'key')
      )
    order by l.id
    limit ${p.limit}`);
  return rows.map((r) => ({ incidentId: r.incident_id, key: r.key }));
}

/** Whether the crossing's raise has run to the end (raised, or found nothing to raise). */
export async function volumeRaiseDone(db: DbOrTx, crossingKey: string): Promise<boolean> {
  const [row] = await db.execute<{ one: number }>(sql`
    select 1 as one from processed_requests where key = ${volumeRequestKey(crossingKey)}`);
  return row !== undefined;
}

/** Records that a crossing needs no raise (nothing would change), so the sweep leaves it. */
export async function markVolumeRaiseDone(db: DbOrTx, crossingKey: string): Promise<void> {
  await db.execute(sql`
    insert into processed_requests (key) values (${volumeRequestKey(crossingKey)}) on conflict do nothing`);
}
