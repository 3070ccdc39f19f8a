import type { IncidentRow } from "../db/schema/index.js";
import { DEFAULT_CALLERS_NOW } from "../domain/floor.js";
import { CLOSE_CODES, LEVEL_LABELS, LEVELS, LIMITS, PRIORITIES } from "../domain/incident.js";
import { HOLD_REASON_LABELS, HOLD_REASONS } from "../domain/lifecycle.js";
import { formatReference } from "../domain/reference.js";
import { WORK_FIELDS as F, VIEW } from "./ids.js";
import { input, option, select, textInput } from "./inputs.js";
import { clip, mrkdwn, plain } from "./text.js";

/** Carried in private_metadata: which incident, and where the form was opened from. */
export interface WorkModalMetadata {
  incidentId: string;
  channel?: string;
}

/** A form about one incident: its callback id, title, submit label and metadata. */
export function modal(
  callbackId: string,
  title: string,
  submit: string,
  meta: WorkModalMetadata,
  blocks: unknown[],
) {
  return {
    type: "modal" as const,
    callback_id: callbackId,
    title: plain(title, 24),
    submit: plain(submit, 24),
    close: plain("Cancel", 24),
    private_metadata: JSON.stringify(meta),
    blocks,
  };
}

type Subject = Pick<IncidentRow, "id" | "number" | "title">;

/** Room for a reference typed with some slack (INC-000123, or a pasted line naming one). */
export const DUPLICATE_OF_MAX = 100;

const context = (i: Subject) => ({
  type: "context",
  elements: [mrkdwn(`*${formatReference(i.number)}* · ${clip(i.title, 150).replace(/[<>&]/g, "")}`)],
});

export function holdModal(i: Subject, meta: WorkModalMetadata) {
  return modal(VIEW.hold, "Put on hold", "Put on hold", meta, [
    context(i),
    input(
      F.holdReason,
      "Why is it on hold?",
      select(HOLD_REASONS.map((r) => ({ value: r, label: HOLD_REASON_LABELS[r] }))),
    ),
    input(F.holdNote, "Details", textInput(LIMITS.reason, { multiline: true }), {
      optional: true,
      hint: plain("Required when the reason is Other. The resolve clock pauses while on hold."),
    }),
  ]);
}

export function resolveModal(i: Subject, meta: WorkModalMetadata, summary?: string) {
  return modal(VIEW.resolve, "Resolve incident", "Resolve", meta, [
    context(i),
    input(
      F.summary,
      "Resolution summary",
      textInput(LIMITS.resolution, { multiline: true, initial: summary }),
    ),
    input(
      F.closeCode,
      "Close code",
      select(
        CLOSE_CODES.map((c) => ({
          value: c,
          label: c.replace(/_/g, " ").replace(/^./, (s) => s.toUpperCase()),
        })),
      ),
      { hint: plain("Not an incident: a service request or complaint logged by mistake. The record stays.") },
    ),
    input(F.duplicateOf, "Duplicate of (INC-…)", textInput(DUPLICATE_OF_MAX, { placeholder: "INC-000123" }), {
      optional: true,
      hint: plain(
        "Required for the close code Duplicate: the incident the work continues in. This incident's callers move there.",
      ),
    }),
    input(F.rootCause, "Root cause, if known", textInput(LIMITS.resolution, { multiline: true }), {
      optional: true,
    }),
    input(F.callersNow, "What to tell callers now", textInput(LIMITS.callersNow, { multiline: true }), {
      optional: true,
      hint: plain(
        `Shown to the agents on the phones. Left empty, they are told: "${DEFAULT_CALLERS_NOW}"`,
        2000,
      ),
    }),
  ]);
}

export function reopenModal(i: Subject, meta: WorkModalMetadata, reason?: string) {
  return modal(VIEW.reopen, "Reopen incident", "Reopen", meta, [
    context(i),
    input(F.reason, "Why reopen it?", textInput(LIMITS.reason, { multiline: true, initial: reason })),
  ]);
}

/** One audience of the plan as a checkbox of the *Post update* form. */
export interface AudienceOption {
  value: string;
  text: { type: "mrkdwn"; text: string };
  description: { type: "mrkdwn"; text: string };
}

export function updateModal(
  i: Subject,
  meta: WorkModalMetadata,
  nextUpdateDefault: Date,
  /** The plan's audiences that hear updates; none: the form has no choice to make. */
  audiences: readonly AudienceOption[] = [],
  /** Typed after `/incident update`: starts "What is happening". */
  happening?: string,
) {
  const sendTo =
    audiences.length > 0
      ? [
          input(
            F.audiences,
            "Send to",
            {
              type: "checkboxes",
              action_id: "value",
              options: audiences.slice(0, 10),
              initial_options: audiences.slice(0, 10),
            },
            {
              optional: true,
              hint: plain("Untick anyone this update is not for. The incident channel always gets it."),
            },
          ),
        ]
      : [];
  return modal(VIEW.update, "Post update", "Post update", meta, [
    context(i),
    input(
      F.happening,
      "What is happening",
      textInput(LIMITS.update, { multiline: true, initial: happening }),
    ),
    input(F.customerImpact, "Customer impact now", textInput(LIMITS.update, { multiline: true }), {
      hint: plain(
        audiences.length > 0
          ? "Goes to everyone ticked below: no caller names, numbers or account details."
          : "Goes to every stakeholder channel: no caller names, numbers or account details.",
      ),
    }),
    input(
      F.nextUpdate,
      "Next update by",
      {
        type: "datetimepicker",
        action_id: "value",
        initial_date_time: Math.floor(nextUpdateDefault.getTime() / 1000),
      },
      { hint: plain("Defaults to the update cadence of this priority.") },
    ),
    ...sendTo,
  ]);
}

export function recategoriseModal(
  i: Subject & Pick<IncidentRow, "impact" | "urgency" | "priority" | "matrixPriority" | "type" | "major">,
  types: Array<{ key: string; label: string }>,
  meta: WorkModalMetadata,
) {
  const levels = LEVELS.map((l) => ({ value: l, label: LEVEL_LABELS[l] }));
  const priorities = [
    { value: "matrix", label: "From the matrix" },
    ...PRIORITIES.map((p) => ({ value: p, label: p })),
  ];
  const overridden = i.priority !== i.matrixPriority ? i.priority : "matrix";
  const majorOption = option("major", "Major incident");
  return modal(VIEW.recategorise, "Re-categorise", "Save", meta, [
    context(i),
    input(F.impact, "Impact", select(levels, i.impact)),
    input(F.urgency, "Urgency", select(levels, i.urgency)),
    input(F.priority, "Priority", select(priorities, overridden), {
      hint: plain("Lowering a P1 or P2 needs a duty manager or head of operations."),
    }),
    input(
      F.type,
      "Incident type",
      select(
        types.map((t) => ({ value: t.key, label: t.label })),
        i.type,
      ),
    ),
    input(
      F.major,
      "Major incident",
      {
        type: "checkboxes",
        action_id: "value",
        options: [majorOption],
        ...(i.major ? { initial_options: [majorOption] } : {}),
      },
      { optional: true },
    ),
    input(F.reason, "Reason for the change", textInput(LIMITS.reason, { multiline: true }), {
      hint: plain("Logged with the old and new values."),
    }),
  ]);
}
