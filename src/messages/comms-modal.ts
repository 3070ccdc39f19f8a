import type { IncidentRow } from "../db/schema/index.js";
import type { Audience, CommunicationVia } from "../domain/communications.js";
import { LIMITS } from "../domain/incident.js";
import {
  LOGGED_CHANNEL_WORDS,
  LOGGED_CHANNELS,
  type LoggedChannel,
  type LoggedDirection,
  loggedCommunicationWords,
} from "../domain/log-describe.js";
import { formatReference } from "../domain/reference.js";
import { COMMS_FIELDS as F, VIEW } from "./ids.js";
import { input, option, select, textInput } from "./inputs.js";
import { clip, escapeClip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention } from "./text.js";
import { modal, type WorkModalMetadata } from "./work-modals.js";

/** How long "who, if other" may be: a name or a role, not a story. */
export const COMMS_OTHER_MAX = 150;

/** "With whom" values besides the plan's audiences, which are `audience:<key>`. */
export const COMMS_CUSTOMERS = "customers";
export const COMMS_OTHER = "other";
const AUDIENCE_PREFIX = "audience:";
export const audienceChoice = (key: string) => `${AUDIENCE_PREFIX}${key}`;
/** The audience key a "with whom" value names, or null when it names none. */
export const audienceOfChoice = (value: string) =>
  value.startsWith(AUDIENCE_PREFIX) && value.length > AUDIENCE_PREFIX.length
    ? value.slice(AUDIENCE_PREFIX.length)
    : null;

const VIA_WORDS: Record<CommunicationVia, string> = { slack: "Slack", email: "email", webhook: "webhook" };

// A static select holds at most 100 options; two are Customer(s) and Other.
const MAX_AUDIENCES = 98;

const DIRECTION_LABELS: Record<LoggedDirection, string> = {
  outbound: "Outbound: we contacted them",
  inbound: "Inbound: they contacted us",
};

type Subject = Pick<IncidentRow, "id" | "number" | "title">;

/**
 * *Log a communication*: a call, letter or email made outside Switchboard, recorded on the
 * incident. Asks for no caller details: those belong with the caller, not in the log.
 */
export function logCommunicationModal(
  i: Subject,
  meta: WorkModalMetadata,
  audiences: ReadonlyArray<Pick<Audience, "key" | "label" | "via">>,
  now: Date,
) {
  const whom = [
    ...audiences
      .slice(0, MAX_AUDIENCES)
      .map((a) => ({ value: audienceChoice(a.key), label: `${a.label} (${VIA_WORDS[a.via]})` })),
    { value: COMMS_CUSTOMERS, label: "Customer(s)" },
    { value: COMMS_OTHER, label: "Other" },
  ];
  const outbound = option("outbound", DIRECTION_LABELS.outbound);
  return modal(VIEW.logCommunication, "Log a communication", "Log it", meta, [
    {
      type: "context",
      elements: [mrkdwn(`*${formatReference(i.number)}* · ${clip(i.title, 150).replace(/[<>&]/g, "")}`)],
    },
    input(F.with, "With whom", select(whom)),
    input(
      F.other,
      "Who, if other",
      textInput(COMMS_OTHER_MAX, { placeholder: "e.g. the client's account manager" }),
      {
        optional: true,
        hint: plain("Required when you chose Other: a role or an organisation."),
      },
    ),
    input(
      F.channel,
      "Channel",
      select(LOGGED_CHANNELS.map((c) => ({ value: c, label: LOGGED_CHANNEL_WORDS[c].label }))),
    ),
    input(F.direction, "Direction", {
      type: "radio_buttons",
      action_id: "value",
      options: [outbound, option("inbound", DIRECTION_LABELS.inbound)],
      initial_option: outbound,
    }),
    input(F.summary, "What was said", textInput(LIMITS.note, { multiline: true }), {
      hint: plain(
        "No caller names, numbers or account details: they are recorded with the caller, not here.",
      ),
    }),
    input(
      F.at,
      "When",
      { type: "datetimepicker", action_id: "value", initial_date_time: Math.floor(now.getTime() / 1000) },
      { hint: plain("Defaults to now; set it earlier if it happened before you logged it.") },
    ),
  ]);
}

/**
 * The incident channel's line for a logged communication, e.g. ":telephone_receiver: @Dana
 * logged a phone call to Regulator on INC-000123 (outbound, today 14:05): …". Everything
 * people typed, and the audience's label from the policy, is escaped so it cannot ping or link.
 */
export function communicationLoggedMessage(p: {
  reference: string;
  author: string;
  channel: LoggedChannel;
  direction: LoggedDirection;
  whom: string;
  at: Date;
  timezone: string;
  summary: string;
}) {
  const what = loggedCommunicationWords(p.channel, p.direction, escapeClip(p.whom, 200));
  const article = p.channel === "email" || p.channel === "sms" ? "an" : "a";
  const head = `${CHANNEL_EMOJI[p.channel]} ${userMention(p.author)} logged ${article} ${what} on ${p.reference} (${p.direction}, ${slackDate(p.at, p.timezone)}):`;
  const body = `${head}\n${escapeClip(p.summary, 2500)}`;
  return {
    text: `${head} ${escapeMrkdwn(clip(p.summary, 200))}`,
    blocks: [{ type: "section", text: mrkdwn(body) }],
  };
}

const CHANNEL_EMOJI: Record<LoggedChannel, string> = {
  phone: ":telephone_receiver:",
  email: ":email:",
  sms: ":iphone:",
  letter: ":envelope:",
  radio: ":radio:",
  in_person: ":busts_in_silhouette:",
  other: ":speech_balloon:",
};
