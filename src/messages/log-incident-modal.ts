import type { KnownIncident } from "../db/queries/known-incidents.js";
import {
  type Impact,
  LEVEL_LABELS,
  LEVELS,
  LIMITS,
  PRIORITIES,
  type Priority,
  REPORT_CHANNEL_LABELS,
  REPORT_CHANNELS,
  type Urgency,
} from "../domain/incident.js";
import { knownIncidentBlocks } from "./caller-modal.js";
import { ACTION, LOG_FIELDS, PRIORITY_PREVIEW_BLOCK, VIEW } from "./ids.js";
import { input, option, textInput } from "./inputs.js";
import { clip, mrkdwn, plain } from "./text.js";

export interface ModalMetadata {
  /** Channel the command was typed in (for replies). */
  originChannel?: string;
  /** The message a "Log as incident" shortcut started from. */
  source?: { channel: string; ts: string };
}

export interface LogIncidentModalInput {
  types: Array<{ key: string; label: string }>;
  now: Date;
  title?: string;
  description?: string;
  metadata: ModalMetadata;
  /** Priority the matrix gives for the selected impact × urgency, once both are chosen. */
  preview?: { impact: Impact; urgency: Urgency; priority: Priority };
  /**
   * Open incidents the caller may be reporting again ("Already known?"), each with *Add this
   * caller*; undefined when they could not be read in time (the form opens without them).
   */
  known?: readonly KnownIncident[];
}

const levelOptions = LEVELS.map((l) => option(l, LEVEL_LABELS[l]));

export function priorityPreviewText(preview: LogIncidentModalInput["preview"]): string {
  if (!preview) return "*Priority:* choose impact and urgency and the priority matrix sets it.";
  const { impact, urgency, priority } = preview;
  return `*Priority from the matrix: ${priority}* (${LEVEL_LABELS[impact]} impact × ${LEVEL_LABELS[urgency]} urgency)`;
}

/** The "Log an incident" modal. Block ids are the form's field names (see parse/log-incident.ts). */
export function logIncidentModal(m: LogIncidentModalInput) {
  const f = LOG_FIELDS;
  const blocks = [
    {
      type: "context",
      elements: [mrkdwn("Log what the caller reported. You can correct any field later, with a reason.")],
    },
    ...(m.known ? knownIncidentBlocks(m.known) : []),
    input(
      f.title,
      "Title",
      textInput(LIMITS.title, { initial: m.title, placeholder: "e.g. Card payments failing" }),
    ),
    input(
      f.description,
      "What is happening (nature of the incident)",
      textInput(LIMITS.description, { multiline: true, initial: m.description }),
    ),
    input(f.type, "Incident type", {
      type: "static_select",
      action_id: "value",
      options: m.types.slice(0, 100).map((t) => option(t.key, t.label)),
    }),
    input(f.reportChannel, "Reported via", {
      type: "static_select",
      action_id: "value",
      options: REPORT_CHANNELS.map((c) => option(c, REPORT_CHANNEL_LABELS[c])),
      initial_option: option("phone", REPORT_CHANNEL_LABELS.phone),
    }),
    input(
      f.impact,
      "Impact",
      withInitial(
        { type: "static_select", action_id: ACTION.impact, options: levelOptions },
        m.preview?.impact,
      ),
      { dispatch_action: true, hint: plain("How many customers or services are affected.") },
    ),
    input(
      f.urgency,
      "Urgency",
      withInitial(
        { type: "static_select", action_id: ACTION.urgency, options: levelOptions },
        m.preview?.urgency,
      ),
      { dispatch_action: true, hint: plain("How fast it must be fixed to avoid harm.") },
    ),
    { type: "section", block_id: PRIORITY_PREVIEW_BLOCK, text: mrkdwn(priorityPreviewText(m.preview)) },
    input(f.affectedService, "Affected service", textInput(LIMITS.affectedService, {}), {
      optional: true,
    }),
    input(
      f.callerReference,
      "Caller reference (caller ID or customer account)",
      textInput(LIMITS.callerReference, {}),
      {
        optional: true,
        hint: plain(
          "Personal data: shown only in the incident channel and to responders. Optional for internal reports.",
        ),
      },
    ),
    input(
      f.reportedAt,
      "When did the customer report it?",
      { type: "datetimepicker", action_id: "value", initial_date_time: Math.floor(m.now.getTime() / 1000) },
      { hint: plain("Defaults to now; set it earlier if the report came in before you logged it.") },
    ),
    input(
      f.priorityOverride,
      "Override priority",
      { type: "static_select", action_id: "value", options: PRIORITIES.map((p) => option(p, p)) },
      { optional: true, hint: plain("Only when the matrix gets it wrong. A reason is required.") },
    ),
    input(
      f.overrideReason,
      "Reason for the override",
      textInput(LIMITS.overrideReason, { multiline: true }),
      {
        optional: true,
      },
    ),
  ];
  return {
    type: "modal" as const,
    callback_id: VIEW.logIncident,
    title: plain("Log an incident", 24),
    submit: plain("Log incident", 24),
    close: plain("Cancel", 24),
    private_metadata: JSON.stringify(m.metadata),
    blocks,
  };
}

function withInitial(select: Record<string, unknown>, level: Impact | Urgency | undefined) {
  return level ? { ...select, initial_option: option(level, LEVEL_LABELS[level]) } : select;
}

/**
 * Shown in place of the form once the incident is committed. `delayed`: the follow-ups could
 * not be queued (Redis unreachable); the record stands and the sweep will do them later.
 */
export function incidentLoggedModal(p: {
  reference: string;
  priority: Priority;
  title: string;
  delayed?: boolean;
  /** A routine incident's working channel: it is worked in a thread there, not a channel of its own. */
  workingChannel?: string | null;
}) {
  const opening = p.workingChannel
    ? `I'm posting its card in <#${p.workingChannel}>, where it is worked in the thread under the card, and telling the stakeholders now.`
    : "I'm opening its channel and telling the stakeholders now; I'll message you the link in a moment.";
  const next = p.delayed
    ? ":hourglass_flowing_sand: Its channel, the stakeholder announcements and your DM may be delayed for a few minutes: " +
      "the job queue is not answering right now. The incident is safely recorded and they will follow as soon as it is back."
    : opening;
  return {
    type: "modal" as const,
    callback_id: VIEW.logged,
    title: plain("Incident logged", 24),
    close: plain("Done", 24),
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:white_check_mark: *${p.reference}* (${p.priority}) is logged: _${clip(p.title, 150)}_\n${next}`,
        ),
      },
    ],
  };
}
