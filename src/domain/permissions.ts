import { assertNever, type Priority } from "./incident.js";
import { joinWithOr } from "./lifecycle.js";
import type { Policy } from "./policy-types.js";
import { priorityRank } from "./priority-matrix.js";
import { err, ok, type Result } from "./result.js";

/**
 * Who may do what to an incident. Pure: the caller passes the policy and the incident's
 * owner and reporter; the lifecycle (lifecycle.ts) separately decides whether the move is legal.
 */

/** Only the parts of the policy that decide permissions, so callers and tests need no more. */
export type PermissionPolicy = Pick<Policy, "roles" | "permissions">;

/** Actions restricted to role holders (and sometimes the owner). */
export type GuardedAction =
  | "resolve"
  | "close"
  | "reopen"
  | "reopen_closed"
  | "downgrade_major"
  | "escalate"
  | "view_personal_data"
  | "practice";

export type AuthorizableAction =
  | "acknowledge"
  | "start"
  | "hold"
  | "resume"
  | "resolve"
  | "close"
  | "reopen"
  | "reopen_closed"
  | "note"
  | "update"
  | "assign"
  | "take_ownership"
  | "recategorise"
  | "downgrade_major"
  | "escalate";

export interface AuthorizeParams {
  userId: string;
  action: AuthorizableAction;
  ownerId: string | null;
  reporterId: string;
}

export interface Forbidden {
  code: "forbidden";
  /** User-facing: says who may do it. */
  message: string;
}

/** The role names `userId` holds, in policy order. */
export function rolesOf(policy: PermissionPolicy, userId: string): string[] {
  return Object.entries(policy.roles)
    .filter(([, members]) => members.includes(userId))
    .map(([role]) => role);
}

/** The role names the policy lets perform a guarded action. Reopening a resolved incident is a resolver's call. */
export function rolesAllowedTo(policy: PermissionPolicy, action: GuardedAction): string[] {
  switch (action) {
    case "resolve":
    case "reopen":
      return policy.permissions.resolve;
    case "close":
      return policy.permissions.close;
    case "reopen_closed":
      return policy.permissions.reopenClosed;
    case "downgrade_major":
      return policy.permissions.downgradeMajor;
    case "escalate":
      return policy.permissions.escalate;
    case "view_personal_data":
      return policy.permissions.viewPersonalData;
    case "practice":
      return policy.permissions.practice;
    default:
      return assertNever(action);
  }
}

/** Role words people write in capitals: "dpo" → "DPO". */
const ACRONYMS: Readonly<Record<string, string>> = { dpo: "DPO", ciso: "CISO", cto: "CTO", it: "IT" };

/** "team_lead" → "team lead", "dpo" → "DPO". */
export function roleLabel(role: string): string {
  return role
    .replace(/_+/g, " ")
    .trim()
    .split(" ")
    .map((word) => ACRONYMS[word.toLowerCase()] ?? word)
    .join(" ");
}

/** "a team lead", "an on-call engineer": each role (once) as one of its holders. */
export function roleHolders(roles: readonly string[]): string[] {
  return [...new Set(roles)].map(roleLabel).map((label) => `${indefiniteArticle(label)} ${label}`);
}

/** Whether `userId` holds any of `roles` in the policy. */
export function holdsAny(policy: Pick<Policy, "roles">, userId: string, roles: readonly string[]): boolean {
  return roles.some(
    (role) => Object.hasOwn(policy.roles, role) && (policy.roles[role] ?? []).includes(userId),
  );
}

export function authorize(policy: PermissionPolicy, p: AuthorizeParams): Result<true, Forbidden> {
  const isOwner = p.ownerId !== null && p.ownerId === p.userId;
  const guard = (action: GuardedAction, ownerMay: boolean, doing: string) =>
    allowIf(policy, p.userId, { roles: rolesAllowedTo(policy, action), ownerMay, isOwner, doing });
  switch (p.action) {
    // Keeping the record moving is everyone's job on a contact-centre floor.
    case "acknowledge":
    case "start":
    case "hold":
    case "resume":
    case "note":
    case "update":
    case "take_ownership":
    // Recategorising is open to all; lowering a major incident's priority is checked as downgrade_major.
    case "recategorise":
      return ok(true);
    case "assign":
      // Anyone may hand out an unowned incident; once someone owns it, reassigning is theirs or a manager's.
      if (p.ownerId === null) return ok(true);
      return guard("resolve", true, "reassign an incident that already has an owner");
    case "resolve":
      return guard("resolve", true, "resolve an incident");
    case "reopen":
      return guard("reopen", true, "reopen an incident");
    case "reopen_closed":
      return guard("reopen_closed", false, "reopen a closed incident");
    case "close":
      return guard("close", false, "close an incident");
    case "downgrade_major":
      return guard("downgrade_major", false, "lower the priority of a major incident");
    case "escalate": {
      // Whoever reported it may call for help too; a stranger may not page managers.
      if (p.userId === p.reporterId) return ok(true);
      const allowed = guard("escalate", true, "escalate an incident by hand");
      return allowed.ok
        ? allowed
        : err({
            ...allowed.error,
            message: allowed.error.message.replace("Only the owner or", "Only the owner, the reporter or"),
          });
    }
    default:
      return assertNever(p.action);
  }
}

/** Starting a practice drill (`/incident practice`): the roles in `permissions.practice` only. */
export function authorizePractice(policy: PermissionPolicy, userId: string): Result<true, Forbidden> {
  return allowIf(policy, userId, {
    roles: rolesAllowedTo(policy, "practice"),
    ownerMay: false,
    isOwner: false,
    doing: "start a practice drill",
  });
}

interface Rule {
  roles: readonly string[];
  ownerMay: boolean;
  isOwner: boolean;
  /** "resolve an incident": completes "Only … can ___." */
  doing: string;
}

function allowIf(policy: PermissionPolicy, userId: string, rule: Rule): Result<true, Forbidden> {
  if (rule.ownerMay && rule.isOwner) return ok(true);
  if (holdsAny(policy, userId, rule.roles)) return ok(true);
  return err({ code: "forbidden", message: whoMayMessage(rule) });
}

function whoMayMessage(rule: Rule): string {
  const roles = [...new Set(rule.roles)].map(roleLabel);
  const who: string[] = [];
  if (rule.ownerMay) who.push("the owner");
  if (roles.length > 0) who.push(`${indefiniteArticle(roles[0] ?? "")} ${joinWithOr(roles)}`);
  if (who.length === 0) return `Nobody can ${rule.doing}: the policy gives no role that permission.`;
  return `Only ${who.join(" or ")} can ${rule.doing}.`;
}

function indefiniteArticle(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** A P1 or P2 moved to a less urgent priority: only some roles may do that (permissions.downgrade_major). */
export function isDowngradeOfMajor(from: Priority, to: Priority): boolean {
  return priorityRank(from) <= 2 && priorityRank(to) > priorityRank(from);
}

/** The caller's details are for the reporter, the owner and the roles in view_personal_data. */
export function mayViewPersonalData(
  policy: PermissionPolicy,
  p: { userId: string; ownerId: string | null; reporterId: string },
): boolean {
  return (
    p.userId === p.reporterId ||
    p.userId === p.ownerId ||
    holdsAny(policy, p.userId, rolesAllowedTo(policy, "view_personal_data"))
  );
}

/**
 * Who may take callbacks, and so see those callers' contacts: whoever may see personal data,
 * the agents and leads of the policy's teams (the floor that makes the calls), and anyone who
 * took a call about this incident (they have spoken to its callers already).
 */
export function mayTakeCallbacks(
  policy: PermissionPolicy & Pick<Policy, "teams">,
  p: { userId: string; ownerId: string | null; reporterId: string; tookACall: boolean },
): boolean {
  return (
    p.tookACall ||
    mayViewPersonalData(policy, p) ||
    policy.teams.some((team) => team.members.includes(p.userId) || team.leads.includes(p.userId))
  );
}

/** "the reporter, the owner, or a team lead, duty manager or dpo": who mayViewPersonalData lets in. */
export function personalDataViewers(policy: PermissionPolicy): string {
  const roles = [...new Set(rolesAllowedTo(policy, "view_personal_data"))].map(roleLabel);
  return roles.length
    ? `the reporter, the owner, or ${indefiniteArticle(roles[0] ?? "")} ${joinWithOr(roles)}`
    : "the reporter or the owner";
}
