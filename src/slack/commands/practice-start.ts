import { authorizePractice } from "../../domain/permissions.js";
import { scenariosFor } from "../../domain/practice-scenarios.js";
import { practiceStartModal } from "../../messages/practice-modal.js";
import type { Deps } from "../../services/deps.js";
import { openModal } from "../open-modal.js";
import type { CommandContext, Reply } from "./work.js";

/**
 * `/incident practice`: the *Start a practice drill* form, for holders of `permissions.practice`
 * (team leads and above by default); anyone else is told who may run drills.
 */
export async function openPracticeForm(deps: Deps, ctx: CommandContext): Promise<Reply | null> {
  const allowed = authorizePractice(deps.policy, ctx.userId);
  if (!allowed.ok) {
    return { text: `${allowed.error.message} Ask your team lead if you would like to practise an incident.` };
  }
  const scenarios = scenariosFor(deps.policy);
  if (scenarios.length === 0) {
    return {
      text: "No practice scenario fits this policy's incident types. Add one under `practice_scenarios` in the policy (see the practice drills guide).",
    };
  }
  const problem = await openModal(deps, ctx.client, {
    triggerId: ctx.triggerId,
    view: practiceStartModal(scenarios),
    retry: "run `/incident practice`",
    context: { kind: "practice_start", user: ctx.userId },
  });
  return problem ? { text: problem } : null;
}
