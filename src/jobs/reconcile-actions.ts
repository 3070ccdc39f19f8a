import type { Queue } from "bullmq";
import { actionSteps, listScheduledActions, listUnplannedActions } from "../db/queries/action-steps.js";
import { getAction } from "../db/queries/improvement-actions.js";
import type { Deps } from "../services/deps.js";
import { followUpActions } from "../services/improvement-actions.js";
import { TIMER_HORIZON_MS } from "../services/sla-clocks.js";
import { jobIds } from "./catalog.js";
import { ensureJob } from "./ensure-job.js";
import { queuedJobIds } from "./reconcile.js";

const PAGE = 2_000;
/** An action younger than this is probably being followed up by its creator right now. */
const FOLLOW_UP_GRACE_MS = 30_000;

export interface ActionReconcileResult {
  checked: number;
  added: number;
  removed: number;
  followedUp: number;
}

/**
 * Makes Redis hold the reminder jobs PostgreSQL plans for improvement actions, like
 * reconcileClocks does for SLA clocks: arms the job of every open action whose next step is
 * due within the timer horizon and has no job (Redis flushed, enqueue lost after commit, or
 * the step just came within range; one due meanwhile runs at once), removes delayed jobs
 * whose action has moved on, and follows up actions whose creator died before doing so.
 * Cheap: a few Redis range reads and queries on the partial index of planned steps.
 */
export async function reconcileActions(
  deps: Deps,
  opts: { horizonMs?: number; followUpGraceMs?: number } = {},
): Promise<ActionReconcileResult> {
  const result: ActionReconcileResult = { checked: 0, added: 0, removed: 0, followedUp: 0 };
  const grace = opts.followUpGraceMs ?? FOLLOW_UP_GRACE_MS;
  const unplanned = await listUnplannedActions(deps.db, {
    createdBefore: new Date(deps.clock.now().getTime() - grace),
    limit: PAGE,
  });
  await followUpActions(
    deps,
    unplanned.map((a) => a.id),
  );
  result.followedUp = unplanned.length;

  const queue = deps.jobs.queue("actions");
  // Redis first: a job is only queued after its action committed, so every job in this
  // snapshot is either still planned by the rows read afterwards or truly superseded.
  const queued = await queuedJobIds(queue);
  const planned = new Set<string>();
  const before = new Date(Date.now() + (opts.horizonMs ?? TIMER_HORIZON_MS));
  let afterId: string | null = null;
  for (;;) {
    const page = await listScheduledActions(deps.db, { before, afterId, limit: PAGE });
    if (page.length === 0) break;
    for (const a of page) {
      if (!a.nextStep || !a.nextStepAt) continue;
      const step = a.nextStep as "remind" | "overdue" | "escalate";
      const jobId = jobIds.actionStep(a.id, a.generation, step);
      planned.add(jobId);
      result.checked++;
      if (queued.all.has(jobId)) continue;
      const stillDue = async () => {
        const now = await getAction(deps.db, a.id);
        return now?.status === "open" && now.generation === a.generation && now.nextStep === a.nextStep;
      };
      result.added += await ensureJob(
        deps,
        "action.fire",
        { actionId: a.id, generation: a.generation, step },
        { jobId, at: a.nextStepAt, stillDue },
      );
    }
    afterId = page.at(-1)?.id ?? null;
  }
  result.removed = await removeSuperseded(
    deps,
    queue,
    queued.delayed.filter((id) => !planned.has(id)),
  );
  if (result.added + result.removed + result.followedUp > 0)
    deps.logger.info(result, "action jobs reconciled");
  return result;
}

/** Removes delayed jobs whose action is no longer open at that generation and step. */
async function removeSuperseded(deps: Deps, queue: Queue, candidates: string[]): Promise<number> {
  let removed = 0;
  for (let start = 0; start < candidates.length; start += PAGE) {
    const jobs = candidates
      .slice(start, start + PAGE)
      .map((id) => ({ id, step: jobIds.parseActionStep(id) }));
    const ids = jobs.flatMap((j) => (j.step ? [j.step.actionId] : []));
    const actions = new Map((ids.length ? await actionSteps(deps.db, ids) : []).map((a) => [a.id, a]));
    for (const { id, step } of jobs) {
      const a = step ? actions.get(step.actionId) : undefined;
      const live = a?.status === "open" && a.generation === step?.generation && a.nextStep === step.step;
      if (!live) removed += await queue.remove(id).catch(() => 0);
    }
  }
  return removed;
}
