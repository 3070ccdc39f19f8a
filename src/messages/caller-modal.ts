import type { KnownIncident } from "../db/queries/known-incidents.js";
import { CALLBACK_WANTED, CALLBACK_WANTED_LABELS, CALLER_LIMITS } from "../domain/callers.js";
import { LIMITS, REPORT_CHANNEL_LABELS, type ReportChannel } from "../domain/incident.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { CALLER_ACTION, CALLER_FIELDS as F, KNOWN_BLOCKS, VIEW } from "./ids.js";
import { input, option, textInput } from "./inputs.js";
import { clip, escapeClip, mrkdwn, plain } from "./text.js";

/** How a caller can get in touch: every report channel but internal monitoring (not a caller). */
export const CALLER_CHANNELS = [
  "phone",
  "email",
  "chat",
  "social",
  "in_person",
] as const satisfies readonly Exclude<ReportChannel, "internal_monitoring">[];

const PERSONAL = "Personal data: shown only to the people allowed to see it, and each viewing is logged.";

/** The incident a caller is added to, as the form names it. */
export interface CallerFormIncident {
  id: string;
  number: number;
  title: string;
}

/**
 * *Add a caller*: one more customer about a known incident. Its private_metadata is the
 * incident's id; block ids are the parser's field names (see parse/caller-form.ts).
 */
export function addCallerModal(i: CallerFormIncident, now: Date) {
  const channelOptions = CALLER_CHANNELS.map((c) => option(c, REPORT_CHANNEL_LABELS[c]));
  const callbackOptions = CALLBACK_WANTED.map((c) => option(c, CALLBACK_WANTED_LABELS[c]));
  return {
    type: "modal" as const,
    callback_id: VIEW.addCaller,
    title: plain("Add a caller", 24),
    submit: plain("Add caller", 24),
    close: plain("Cancel", 24),
    private_metadata: i.id,
    blocks: [
      {
        type: "context",
        elements: [mrkdwn(`to *${formatReference(i.number)}* · ${escapeClip(i.title, LIMITS.title)}`)],
      },
      input(
        F.callerReference,
        "Caller reference (caller ID or customer account)",
        textInput(LIMITS.callerReference),
        {
          optional: true,
          hint: plain(PERSONAL),
        },
      ),
      input(F.reportChannel, "How they contacted us", {
        type: "static_select",
        action_id: "value",
        options: channelOptions,
        initial_option: option("phone", REPORT_CHANNEL_LABELS.phone),
      }),
      input(
        F.contactedAt,
        "When",
        { type: "datetimepicker", action_id: "value", initial_date_time: Math.floor(now.getTime() / 1000) },
        { hint: plain("Defaults to now; set it earlier if they got in touch before you added them.") },
      ),
      input(F.said, "What they said", textInput(CALLER_LIMITS.said, { multiline: true }), { optional: true }),
      input(F.callback, "Callback wanted", {
        type: "radio_buttons",
        action_id: "value",
        options: callbackOptions,
        initial_option: option("no", CALLBACK_WANTED_LABELS.no),
      }),
      input(
        F.callbackContact,
        "Callback contact (phone number or email)",
        textInput(CALLER_LIMITS.callbackContact),
        { optional: true, hint: plain(`Required when a callback is wanted. ${PERSONAL}`) },
      ),
    ],
  };
}

/** What the form becomes once the caller is recorded. */
export function callerAddedModal(p: { reference: string; callers: number; again: boolean }) {
  const said = p.again
    ? `This caller was already added to ${p.reference}; nothing more was recorded.`
    : `Caller added to ${p.reference}.`;
  return {
    type: "modal" as const,
    callback_id: VIEW.logged,
    title: plain("Caller added", 24),
    close: plain("Done", 24),
    blocks: [
      {
        type: "section",
        text: mrkdwn(`:white_check_mark: ${said} Callers so far: ${p.callers}.`),
      },
      {
        type: "context",
        elements: [
          mrkdwn(`Another caller about it? \`/incident caller ${p.reference}\` opens this form again.`),
        ],
      },
    ],
  };
}

/** One known incident as a line: "INC-000123 · P1 · Payments down" (an option's 75 characters). */
export function knownIncidentLabel(i: Pick<KnownIncident, "number" | "priority" | "title">): string {
  return clip(`${formatReference(i.number)} · ${i.priority} · ${i.title}`, 75);
}

/** The options answer of the Log form's search (Slack allows 100; the query gives at most 10). */
export function knownIncidentOptions(found: readonly KnownIncident[]) {
  return {
    options: found.slice(0, 100).map((i) => ({ text: plain(knownIncidentLabel(i), 75), value: i.id })),
  };
}

const callersWord = (n: number) => (n === 1 ? "1 caller" : `${n} callers`);

/**
 * The Log form's "Already known?" part: up to five open incidents, each with *Add this caller*,
 * and a search of all open ones. Choosing one turns the form into Add a caller for it.
 */
export function knownIncidentBlocks(known: readonly KnownIncident[]): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [
    {
      type: "section",
      block_id: KNOWN_BLOCKS.heading,
      text: mrkdwn(
        known.length > 0
          ? "*Already known?* If the caller is reporting one of these, add them to it instead of logging a new incident."
          : "*Already known?* No incident is open right now: log a new one below.",
      ),
    },
  ];
  known.slice(0, 5).forEach((i, n) => {
    const service = i.affectedService ? ` · ${escapeClip(i.affectedService, 60)}` : "";
    const major = isMajor(i) ? " · :rotating_light: major" : "";
    blocks.push({
      type: "section",
      block_id: KNOWN_BLOCKS.incident(n),
      text: mrkdwn(
        `*${formatReference(i.number)}* · ${i.priority}${major} · ${escapeClip(i.title, 150)}${service}\n` +
          `${callersWord(i.callers)} so far`,
      ),
      accessory: {
        type: "button",
        action_id: CALLER_ACTION.addThisCaller,
        text: plain("Add this caller", 75),
        value: i.id,
      },
    });
  });
  if (known.length > 0) {
    blocks.push(
      input(
        KNOWN_BLOCKS.search,
        "Or search the open incidents",
        {
          type: "external_select",
          action_id: CALLER_ACTION.searchKnown,
          min_query_length: 2,
          placeholder: plain("Type a title, service or INC-…", 150),
        },
        {
          optional: true,
          dispatch_action: true,
          hint: plain("Choosing one switches to adding the caller to it."),
        },
      ),
    );
  }
  blocks.push({ type: "divider" });
  return blocks;
}

/** Pushed over the Log form when the chosen incident cannot take the caller (Back returns to it). */
export function callerNoticeModal(text: string) {
  return {
    type: "modal" as const,
    callback_id: VIEW.logged,
    title: plain("Add a caller", 24),
    close: plain("Back", 24),
    blocks: [{ type: "section", text: mrkdwn(`:warning: ${text}`) }],
  };
}
