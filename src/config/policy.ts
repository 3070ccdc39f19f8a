import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { Priority } from "../domain/incident";
import type { IncidentTypePolicy, Policy, SlaPolicy, TeamPolicy } from "../domain/policy-types.js";
import { err, ok, type Result } from "../domain/result";
import { formatIssue, policyErrorMap } from "./policy-errors";
import { policySchema } from "./policy-schema";

export type {
  BuiltInClock,
  BusinessHours,
  CustomClockPolicy,
  IncidentTypePolicy,
  Permissions,
  PlaybookStep,
  Policy,
  SlaHours,
  SlaPolicy,
  TeamPolicy,
  Weekday,
} from "../domain/policy-types.js";
export { BUILT_IN_CLOCKS, DEFAULT_PERMISSIONS, SLA_HOURS, WEEKDAYS } from "../domain/policy-types.js";

export const DEFAULT_POLICY_URL = new URL("./default-policy.yaml", import.meta.url);

/** Logged at start-up when POLICY_FILE is unset: escalations would go to users who do not exist. */
export const BUILT_IN_POLICY_WARNING =
  "using the built-in example policy: its channel and user ids are placeholders; copy src/config/default-policy.yaml, put in your workspace's ids and set POLICY_FILE to the copy (see docs/policy.md)";

function formatYamlError(error: YAMLError, lines: LineCounter, source: string): string {
  const { line, col } = lines.linePos(error.pos[0]);
  const reason = error.message.split("\n")[0] ?? error.code;
  return `${source}:${line}:${col}: ${reason}`;
}

function roleNamesOf(raw: unknown): ReadonlySet<string> | null {
  if (typeof raw !== "object" || raw === null) return null;
  const roles: unknown = (raw as Record<string, unknown>).roles;
  if (typeof roles !== "object" || roles === null || Array.isArray(roles)) return null;
  return new Set(Object.keys(roles));
}

/**
 * Parses and validates a policy document. On failure the error lists every problem found, one
 * line each, as `path: reason` (YAML syntax errors as `source:line:column: reason`).
 */
export function parsePolicy(yamlText: string, source = "policy"): Result<Policy, string[]> {
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) return err(doc.errors.map((e) => formatYamlError(e, lines, source)));
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (cause) {
    return err([`${source}: ${cause instanceof Error ? cause.message : String(cause)}`]);
  }
  if (raw === null || raw === undefined) return err([`${source}: the policy is empty`]);
  const result = policySchema(roleNamesOf(raw)).safeParse(raw, { error: policyErrorMap });
  return result.success ? ok(result.data) : err(result.error.issues.flatMap(formatIssue));
}

function describeReadError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "policy file not found";
  if (code === "EISDIR") return "is a directory, not a policy file";
  if (code === "EACCES") return "policy file is not readable (permission denied)";
  return `cannot read policy file (${cause instanceof Error ? cause.message : String(cause)})`;
}

/** Reads the policy at `path` (POLICY_FILE), or the built-in default policy when unset. */
export function loadPolicy(path: string | undefined): Result<Policy, string[]> {
  const source = path ?? "default-policy.yaml";
  let text: string;
  try {
    text = readFileSync(path ?? DEFAULT_POLICY_URL, "utf8");
  } catch (cause) {
    return err([`${source}: ${describeReadError(cause)}`]);
  }
  return parsePolicy(text, source);
}

/** Incident type keys in file order. */
export function incidentTypeKeys(policy: Policy): string[] {
  return Object.keys(policy.incidentTypes);
}

export function incidentTypeFor(policy: Policy, type: string): IncidentTypePolicy | undefined {
  return Object.hasOwn(policy.incidentTypes, type) ? policy.incidentTypes[type] : undefined;
}

/** Stakeholder channels for an incident type; none for a type the policy does not know. */
export function stakeholderChannelsFor(policy: Policy, type: string): string[] {
  return incidentTypeFor(policy, type)?.stakeholderChannels ?? [];
}

export function slaFor(policy: Policy, priority: Priority): SlaPolicy {
  return policy.sla[priority];
}

/** Slack user ids holding a role; none for a role the policy does not define. */
export function roleMembers(policy: Policy, role: string): string[] {
  return Object.hasOwn(policy.roles, role) ? (policy.roles[role] ?? []) : [];
}

/** ISO weekday number (Monday 1 … Sunday 7), the numbering luxon's `weekday` uses. */
export { isoWeekday } from "../domain/policy-types.js";

/** The teams that list a user as a member. */
export function teamsOf(policy: Policy, userId: string): TeamPolicy[] {
  return policy.teams.filter((team) => team.members.includes(userId));
}

/**
 * Whom a user answers to: the leads of their teams; for someone on no team (or who leads
 * their only team), the holders of team_lead; for a team lead with no one above on the floor,
 * the duty managers. Never the user themselves.
 */
export function teamLeadsFor(policy: Policy, userId: string): string[] {
  const others = (ids: string[]) => [...new Set(ids)].filter((id) => id !== userId);
  const candidates = [
    others(teamsOf(policy, userId).flatMap((team) => team.leads)),
    others(roleMembers(policy, "team_lead")),
    others(roleMembers(policy, "duty_manager")),
  ];
  return candidates.find((ids) => ids.length > 0) ?? [];
}
