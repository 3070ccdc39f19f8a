import { listDebriefedRunsOf } from "../db/queries/practice.js";
import { holdsAny } from "../domain/permissions.js";
import type { DrillSummary } from "../domain/practice-history.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import type { Deps } from "./deps.js";
import type { Refusal } from "./mutate-incident.js";
import { storedDebriefOf } from "./practice-debrief.js";

/** A trainee's drill history (issue 23): who may see it, and what it holds. */

/** The trainee themselves, a lead of one of their teams, or anyone the policy lets run drills. */
export function mayViewHistory(deps: Pick<Deps, "policy">, viewer: string, trainee: string): boolean {
  if (viewer === trainee) return true;
  if (holdsAny(deps.policy, viewer, deps.policy.permissions.practice)) return true;
  return deps.policy.teams.some((t) => t.leads.includes(viewer) && t.members.includes(trainee));
}

type Summary = DrillSummary & { trainees: string[] };

async function summaries(
  deps: Deps,
  p: { trainees: string[]; leadId?: string; limit: number },
): Promise<Summary[]> {
  const rows = await listDebriefedRunsOf(deps.db, p);
  return rows.flatMap(({ run, number }) => {
    const d = storedDebriefOf(run);
    if (!d) return [];
    return [
      {
        startedAt: run.startedAt,
        reference: formatReference(number),
        scenarioLabel: d.scenarioLabel,
        overall: run.score ?? d.score.overall,
        points: d.score.points.map((p) => ({ point: p.point, score: p.score })),
        trainees: run.traineeIds,
      },
    ];
  });
}

export async function practiceHistory(
  deps: Deps,
  p: { viewer: string; trainee: string },
): Promise<Result<Summary[], Refusal>> {
  if (!mayViewHistory(deps, p.viewer, p.trainee)) {
    return err({
      code: "forbidden",
      message: `Only <@${p.trainee}> and their team leads can see their practice drills.`,
    });
  }
  return ok(await summaries(deps, { trainees: [p.trainee], limit: 50 }));
}

/**
 * The last five drills of the members of the teams `leadId` leads, and of the drills they ran
 * themselves (a policy without `teams` lists no members); none for someone who leads no team.
 */
export async function teamDrills(deps: Deps, leadId: string): Promise<Summary[]> {
  const led = deps.policy.teams.filter((t) => t.leads.includes(leadId));
  if (led.length === 0) return [];
  const members = [...new Set(led.flatMap((t) => t.members))];
  return summaries(deps, { trainees: members, leadId, limit: 5 });
}
