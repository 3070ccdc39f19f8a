import { and, inArray, ne } from "drizzle-orm";
import type { DbOrTx } from "../client.js";
import { type SlaClockRow, slaClocks } from "../schema/index.js";

export type ListClock = Pick<
  SlaClockRow,
  | "incidentId"
  | "name"
  | "state"
  | "dueAt"
  | "startedAt"
  | "durationMs"
  | "hours"
  | "pausedMs"
  | "warnOffsetsMs"
>;

/**
 * The clocks still running or paused of the listed incidents, in one read: what the App Home
 * and `/incident list` need to say which deadline presses and from when it is due soon.
 */
export function listClocksOf(db: DbOrTx, incidentIds: string[]): Promise<ListClock[]> {
  if (incidentIds.length === 0) return Promise.resolve([]);
  return db
    .select({
      incidentId: slaClocks.incidentId,
      name: slaClocks.name,
      state: slaClocks.state,
      dueAt: slaClocks.dueAt,
      startedAt: slaClocks.startedAt,
      durationMs: slaClocks.durationMs,
      hours: slaClocks.hours,
      pausedMs: slaClocks.pausedMs,
      warnOffsetsMs: slaClocks.warnOffsetsMs,
    })
    .from(slaClocks)
    .where(and(inArray(slaClocks.incidentId, incidentIds), ne(slaClocks.state, "stopped")));
}
