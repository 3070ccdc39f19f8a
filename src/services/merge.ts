import type { Tx } from "../db/client.js";
import { callersSince, moveCallerReports } from "../db/queries/caller-reports.js";
import { appendLog } from "../db/queries/incident-log.js";
import { getIncidentById, getIncidentByNumber } from "../db/queries/incidents.js";
import { lockIncident, updateIncident } from "../db/queries/mutate.js";
import { upsertOutbox } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { volumeCrossed } from "../domain/callers.js";
import { MAX_MERGE_CHAIN, type MergeCandidate, mergeRefusal } from "../domain/duplicates.js";
import { callerVolumeOf } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import { workPlacePost } from "../domain/work-place.js";
import { jobIds } from "../jobs/catalog.js";
import { describeError } from "../lib/logger.js";
import { duplicateMovedPost } from "../messages/duplicate.js";
import { listCallbacksOnResolve, queueListRefresh } from "./callbacks.js";
import { queueVolumeRaise, recordVolumeCrossing } from "./caller-volume.js";
import type { Deps } from "./deps.js";
import type { Change, Refusal } from "./mutate-incident.js";

/** A merge decided and its caller reports moved, inside the resolve's transaction. */
export interface Merge {
  master: IncidentRow;
  moved: number;
  /** Set when the moved callers took the master over its caller-volume threshold. */
  crossingKey: string | null;
}

/**
 * Resolving with close code `duplicate`: checks the master asked for (locked, so it cannot be
 * closed or merged meanwhile) and moves the duplicate's caller reports to it, so that the
 * callback list and clock of the resolve see them already gone. A moved report keeps the
 * duplicate in `moved_from_incident_id`; moved callers count towards the master's volume.
 */
export async function mergeIntoMaster(
  tx: Tx,
  deps: Deps,
  duplicate: IncidentRow,
  masterNumber: number | undefined,
): Promise<Result<Merge, Refusal>> {
  if (masterNumber === undefined || !Number.isSafeInteger(masterNumber) || masterNumber <= 0) {
    return err({
      code: "duplicate_unknown",
      message: "Say which incident this one duplicates (like INC-000123).",
    });
  }
  const found = await getIncidentByNumber(tx, masterNumber);
  const master = found && found.id !== duplicate.id ? await lockIncident(tx, found.id) : found;
  const refusal = mergeRefusal(duplicate, masterNumber, master, master ? await chainOf(tx, master) : []);
  if (refusal || !master) return err(refusal ?? { code: "duplicate_unknown", message: "No such incident." });
  const rule = callerVolumeOf(deps.policy, master.type);
  const since = rule ? new Date(deps.clock.now().getTime() - rule.withinMs) : null;
  const before = since ? await callersSince(tx, master.id, since) : 0;
  const moved = await moveCallerReports(tx, { from: duplicate.id, to: master.id });
  const after = since && moved > 0 ? await callersSince(tx, master.id, since) : before;
  let crossingKey: string | null = null;
  if (rule && volumeCrossed(before, after, rule.threshold)) {
    crossingKey = `merge-${duplicate.id}-${duplicate.version}`;
    const crossing = { key: crossingKey, callers: after, threshold: rule.threshold, withinMs: rule.withinMs };
    if (!(await recordVolumeCrossing(tx, master.id, crossing, deps.clock.now()))) crossingKey = null;
  }
  return ok({ master, moved, crossingKey });
}

/**
 * The merge's part of the resolve: `mergedIntoId` set, the move logged on both incidents, the
 * master's version bumped (its card shows the new counts, and the sweep redraws it if the
 * redraw is lost), and the duplicate's channel or thread told where the work continues.
 */
export function withMerge(change: Change, merge: Merge, actor: string): Change {
  const { master, moved } = merge;
  // The resolve's own entry names the master, so the resolved milestone can say where to follow it.
  const log = change.log.map((e) =>
    e.kind === "status_changed"
      ? { ...e, details: { ...e.details, duplicateOf: formatReference(master.number) } }
      : e,
  );
  return {
    ...change,
    log,
    patch: { ...change.patch, mergedIntoId: master.id },
    also: async (tx, updated) => {
      const ids = (await change.also?.(tx, updated)) ?? [];
      await appendLog(tx, [
        {
          incidentId: updated.id,
          actor,
          kind: "caller_reports_moved",
          details: { count: moved, to: formatReference(master.number) },
        },
        {
          incidentId: master.id,
          actor,
          kind: "caller_reports_moved",
          details: { count: moved, from: formatReference(updated.number) },
        },
      ]);
      // Its version moves on so the card is redrawn with the new counts (afterMerge reads it).
      const bumped = await updateIncident(tx, master.id, {});
      merge.master = bumped;
      // A master already resolved lists the callbacks that moved in (once; later, its list is redrawn).
      if (bumped.status === "resolved") ids.push(...(await listCallbacksOnResolve(tx, bumped)));
      const post = workPlacePost(updated, duplicateMovedPost(updated, bumped, moved));
      if (!post) return ids;
      return [
        ...ids,
        ...(await upsertOutbox(tx, [
          {
            incidentId: updated.id,
            dedupeKey: outboxKey.change("duplicate_notice", updated, "notice"),
            purpose: "duplicate_notice",
            channel: post.channel,
            message: post.message,
          },
        ])),
      ];
    },
    message: `${change.message} Its callers moved to ${formatReference(master.number)}${moved > 0 ? ` (${moved})` : ""}.`,
  };
}

/** After commit: the master's card shows its new caller counts; a crossing raises it. */
export async function afterMerge(deps: Deps, merge: Merge): Promise<void> {
  const { id, version } = merge.master;
  try {
    await deps.jobs.enqueue("card.refresh", { incidentId: id }, { jobId: jobIds.cardRefresh(id, version) });
  } catch (e) {
    deps.logger.warn(
      { incidentId: id, err: describeError(e) },
      "master card redraw not queued; the sweep will",
    );
  }
  if (merge.crossingKey) await queueVolumeRaise(deps, id, merge.crossingKey);
  if (merge.master.status === "resolved" && merge.moved > 0) await queueListRefresh(deps, id);
}

/**
 * Runs `run` again (a few times) when PostgreSQL aborted it to break a deadlock: two merges of
 * a pair into each other, or a merge and a change locking both incidents in id order. The
 * aborted transaction wrote nothing; run again, it sees what the other committed.
 */
export async function againAfterDeadlock<T>(run: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= tries || !isDeadlock(e)) throw e;
    }
  }
}

const isDeadlock = (e: unknown): boolean =>
  typeof e === "object" &&
  e !== null &&
  ((e as { code?: unknown }).code === "40P01" || isDeadlock((e as { cause?: unknown }).cause));

/** What the master was merged into, and that one's master, and so on (bounded). */
async function chainOf(tx: Tx, master: MergeCandidate): Promise<MergeCandidate[]> {
  const chain: MergeCandidate[] = [];
  let next = master.mergedIntoId;
  while (next && chain.length < MAX_MERGE_CHAIN) {
    const row = await getIncidentById(tx, next);
    if (!row) break;
    chain.push(row);
    next = row.mergedIntoId;
  }
  return chain;
}
