import type { Tx } from "../db/client.js";
import type { IncidentRow } from "../db/schema/index.js";
import { type Impact, LEVEL_LABELS, type Priority, type Urgency } from "../domain/incident.js";
import { authorize, isDowngradeOfMajor } from "../domain/permissions.js";
import { derivePriority } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { err, ok, type Result } from "../domain/result.js";
import type { Deps } from "./deps.js";
import { type Change, type ChangeOutcome, changeIncident, type Refusal } from "./mutate-incident.js";
import { queuePlaybookChecklist } from "./playbook.js";

export interface Recategorisation {
  impact?: Impact;
  urgency?: Urgency;
  /** A priority to force, `null` to go back to the matrix, undefined to leave as is. */
  priorityOverride?: Priority | null;
  type?: string;
  major?: boolean;
}

export interface RecategoriseInput {
  incidentId: string;
  actor: string;
  /** The changes, or how to work them out from the locked row (null: nothing to change). */
  changes: Recategorisation | ((incident: IncidentRow) => Recategorisation | null);
  reason: string;
  requestKey?: string;
  /** More writes in the change's transaction (e.g. a DM about it); returns outbox ids to deliver. */
  also?: (tx: Tx, before: IncidentRow, after: IncidentRow) => Promise<string[]>;
}

const FIELDS = ["impact", "urgency", "matrixPriority", "priority", "type", "major"] as const;
type Field = (typeof FIELDS)[number];
type Values = Pick<IncidentRow, Field>;

/** One change as people say it: "impact Medium → High", "marked major". */
function changeWords(f: Field, from: Values, to: Values, typeLabel: (key: string) => string): string {
  switch (f) {
    case "major":
      return to.major ? "marked major" : "marked not major";
    case "impact":
    case "urgency":
      return `${f} ${LEVEL_LABELS[from[f]]} → ${LEVEL_LABELS[to[f]]}`;
    case "type":
      return `type ${typeLabel(from.type)} → ${typeLabel(to.type)}`;
    case "matrixPriority":
      return `the matrix now gives ${to.matrixPriority} (the priority set by hand stands at ${to.priority})`;
    case "priority":
      return `priority ${from.priority} → ${to.priority}`;
  }
}

/** "INC-000003 re-categorised: priority P3 → P1, marked major." for the person who did it. */
export function recategorisedMessage(
  ref: string,
  changed: readonly Field[],
  from: Values,
  to: Values,
  typeLabel: (key: string) => string,
): string {
  // The matrix's own priority is worth a word only when the priority itself did not change.
  const shown = changed.includes("priority") ? changed.filter((f) => f !== "matrixPriority") : changed;
  const words = shown.map((f) => changeWords(f, from, to, typeLabel));
  return `${ref} re-categorised: ${words.join(", ") || "override reason updated"}.`;
}

/**
 * Corrects how an incident is categorised. Each field that changes is logged with its old
 * and new value and the reason; the priority is recomputed from the matrix unless overridden;
 * lowering a P1/P2 needs a role the policy names.
 */
export function recategorise(deps: Deps, p: RecategoriseInput): Promise<ChangeOutcome> {
  return changeIncident(deps, p, (incident) => {
    const changes = typeof p.changes === "function" ? p.changes(incident) : p.changes;
    if (!changes) return err(noChange(incident));
    return decide(deps, incident, { ...p, changes });
  });
}

const noChange = (incident: IncidentRow): Refusal => ({
  code: "no_change",
  message: `${formatReference(incident.number)} already has that categorisation; nothing changed.`,
});

function decide(
  deps: Deps,
  incident: IncidentRow,
  p: Omit<RecategoriseInput, "changes"> & { changes: Recategorisation },
): Result<Change, Refusal> {
  const ref = formatReference(incident.number);
  if (!p.reason.trim())
    return err({ code: "reason_required", message: "Say why the categorisation changes." });
  if (p.changes.type !== undefined && !deps.policy.incidentTypes[p.changes.type]) {
    return err({
      code: "unknown_type",
      message: `There is no incident type \`${p.changes.type}\` in the policy.`,
    });
  }
  const next = nextValues(deps, incident, p.changes, p.reason);
  // Lowering a P1/P2, or clearing the major flag, is a manager's call (downgrade_major).
  if (isDowngradeOfMajor(incident.priority, next.priority) || (incident.major && !next.major)) {
    const allowed = authorize(deps.policy, {
      userId: p.actor,
      action: "downgrade_major",
      ownerId: incident.ownerId,
      reporterId: incident.reporterId,
    });
    if (!allowed.ok) {
      const message = isDowngradeOfMajor(incident.priority, next.priority)
        ? allowed.error.message
        : allowed.error.message.replace("lower the priority of a major incident", "clear the major flag");
      return err({ code: allowed.error.code, message: `${ref}: ${message}` });
    }
  }
  const changed = FIELDS.filter((f) => next[f] !== incident[f]);
  const overrideChanged = next.priorityOverrideReason !== incident.priorityOverrideReason;
  if (changed.length === 0 && !overrideChanged) return err(noChange(incident));
  return ok({
    patch: next,
    log: changed.map((field) => ({
      kind: "field_changed" as const,
      details: { field, from: incident[field], to: next[field], reason: p.reason },
    })),
    // A type with a playbook brings its checklist, unless the incident already has one.
    also: async (tx, updated) => [
      ...(updated.type !== incident.type ? await queuePlaybookChecklist(tx, deps.policy, updated) : []),
      ...((await p.also?.(tx, incident, updated)) ?? []),
    ],
    message: recategorisedMessage(
      ref,
      changed,
      incident,
      next,
      (key) => deps.policy.incidentTypes[key]?.label ?? key,
    ),
  });
}

function nextValues(deps: Deps, incident: IncidentRow, c: Recategorisation, reason: string) {
  const impact = c.impact ?? incident.impact;
  const urgency = c.urgency ?? incident.urgency;
  const matrixPriority = derivePriority(deps.policy.priorityMatrix, impact, urgency);
  const wasOverridden = incident.priority !== incident.matrixPriority;
  const override =
    c.priorityOverride === undefined ? (wasOverridden ? incident.priority : null) : c.priorityOverride;
  const priority = override ?? matrixPriority;
  const major = c.major ?? (incident.major || priority === "P1");
  return {
    impact,
    urgency,
    matrixPriority,
    priority,
    priorityOverrideReason:
      override && override !== matrixPriority
        ? c.priorityOverride === undefined
          ? incident.priorityOverrideReason
          : reason
        : null,
    type: c.type ?? incident.type,
    major,
  } satisfies Pick<IncidentRow, Field | "priorityOverrideReason">;
}
