import type { IncidentRow } from "../db/schema/index.js";
import { authorize, holdsAny, rolesAllowedTo } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import type { Deps } from "./deps.js";
import { type Change, type ChangeOutcome, changeIncident, type Refusal } from "./mutate-incident.js";

/**
 * "Take ownership". When two people press it together the row lock makes one wait; it then
 * sees the other as owner and is told so, unless it holds a manager role and may take over.
 */
export function takeOwnership(deps: Deps, p: { incidentId: string; actor: string; requestKey?: string }) {
  return changeIncident(deps, p, (incident) => {
    const ref = formatReference(incident.number);
    if (incident.ownerId === p.actor)
      return err({ code: "already_owner", message: `You already own ${ref}.` });
    if (incident.ownerId && !isManager(deps, p.actor)) {
      return err({
        code: "owned",
        message: `<@${incident.ownerId}> owns ${ref}. Ask them, or a team lead, to hand it over (\`/incident assign @you\`).`,
      });
    }
    return ok(ownerChange(incident, p.actor, `You now own ${ref}.`));
  });
}

/** `/incident assign @user`: anyone may assign an unowned incident; reassigning needs the owner or a manager. */
export function assignOwner(
  deps: Deps,
  p: { incidentId: string; actor: string; ownerId: string; requestKey?: string },
): Promise<ChangeOutcome> {
  return changeIncident(deps, p, (incident): Result<Change, Refusal> => {
    const ref = formatReference(incident.number);
    if (incident.ownerId === p.ownerId) {
      return err({ code: "already_owner", message: `<@${p.ownerId}> already owns ${ref}.` });
    }
    const allowed = authorize(deps.policy, {
      userId: p.actor,
      action: "assign",
      ownerId: incident.ownerId,
      reporterId: incident.reporterId,
    });
    if (!allowed.ok) return err(allowed.error);
    return ok(ownerChange(incident, p.ownerId, `<@${p.ownerId}> now owns ${ref}.`));
  });
}

function ownerChange(incident: IncidentRow, to: string, message: string): Change {
  return {
    patch: { ownerId: to },
    log: [{ kind: "owner_changed", details: { from: incident.ownerId, to } }],
    message,
  };
}

function isManager(deps: Deps, userId: string): boolean {
  return holdsAny(deps.policy, userId, rolesAllowedTo(deps.policy, "resolve"));
}
