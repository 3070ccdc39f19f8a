import type { ClaimedCallback } from "../db/queries/callbacks.js";
import type { IncidentRow } from "../db/schema/index.js";
import {
  type CallbackTally,
  type ClaimSize,
  callbackHeadline,
  callbackProgress,
  claimChoices,
  REACHED_NO_ONE,
  stillToMake,
} from "../domain/callbacks.js";
import { CALLBACK_OUTCOME_LABELS, CALLBACK_OUTCOMES, CALLBACK_WANTED_LABELS } from "../domain/callers.js";
import { DEFAULT_CALLERS_NOW } from "../domain/floor.js";
import { REPORT_CHANNEL_LABELS, type ReportChannel } from "../domain/incident.js";
import { formatReference } from "../domain/reference.js";
import { CALLBACK_ACTION, CALLBACKS_VIEW } from "./ids.js";
import { option } from "./inputs.js";
import { clip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention, workPlaceMention } from "./text.js";

type ListIncident = Pick<IncidentRow, "id" | "number" | "title" | "status">;
/** The claimer's view also says what to tell the callers (the resolve form's "What to tell callers now"). */
type CallbacksIncident = ListIncident & Partial<Pick<IncidentRow, "callersNow">>;

const section = (text: string) => ({ type: "section", text: mrkdwn(text) });

const TAKE_BUTTONS: Array<{ size: ClaimSize; id: string; label: string }> = [
  { size: "one", id: CALLBACK_ACTION.takeOne, label: "Take it" },
  { size: "five", id: CALLBACK_ACTION.takeFive, label: "Take 5" },
  { size: "ten", id: CALLBACK_ACTION.takeTen, label: "Take 10" },
  { size: "all", id: CALLBACK_ACTION.takeAll, label: "Take all" },
];

/** The action id of a claim button → how many it takes. */
export const CLAIM_BUTTONS: Readonly<Record<string, ClaimSize>> = Object.fromEntries(
  TAKE_BUTTONS.map((b) => [b.id, b.size]),
);

/**
 * The callback list, posted where the incident is worked when it is resolved and edited as
 * callbacks are taken and made. Counts only: each caller's details are shown to whoever takes
 * them, privately.
 */
export function callbackList(i: ListIncident, t: CallbackTally) {
  const ref = formatReference(i.number);
  const head = `:telephone_receiver: *Callbacks for ${ref}* · ${escapeMrkdwn(clip(i.title, 150))}`;
  const live = i.status !== "closed" && t.outstanding > 0;
  const unclaimed = t.outstanding - t.claimed;
  // Once every callback still to make is taken, nobody can take more: ask the takers to record.
  const ask = !live
    ? ""
    : unclaimed > 0
      ? " Take some and record what happened."
      : " All are taken: record what happened under *My callbacks*.";
  const text = `${head}\n${callbackHeadline(t)}${ask}`;
  const blocks: Record<string, unknown>[] = [
    section(text),
    { type: "context", elements: [mrkdwn(callbackProgress(t))] },
  ];
  const buttons = [
    ...(live
      ? TAKE_BUTTONS.filter((b) => claimChoices(unclaimed).includes(b.size)).map((b) => ({
          type: "button",
          action_id: b.id,
          text: plain(b.label),
          value: i.id,
        }))
      : []),
    ...(t.claimed > 0 || t.wanted > t.outstanding
      ? [{ type: "button", action_id: CALLBACK_ACTION.mine, text: plain("My callbacks"), value: i.id }]
      : []),
  ];
  if (buttons.length) blocks.push({ type: "actions", block_id: "callback_list", elements: buttons });
  return { text: `Callbacks for ${ref}: ${callbackProgress(t)}`, blocks };
}

/**
 * The DM to an agent who took calls about the incident, once its callbacks are listed: "INC-000123
 * is resolved: 3 callbacks to make, 2 of them for callers you spoke to. Take them in #inc-…".
 * Counts only: the callers' details are in the list's private window.
 */
export function callbackTakersDm(
  i: Pick<IncidentRow, "number" | "title" | "channelId" | "workingChannelId">,
  p: { total: number; yours: number },
) {
  const ref = formatReference(i.number);
  const toMake = `${p.total} callback${p.total === 1 ? "" : "s"} to make`;
  const yours =
    p.yours >= p.total
      ? p.total === 1
        ? "for the caller you spoke to"
        : "all for callers you spoke to"
      : `${p.yours} of them for callers you spoke to`;
  const where = workPlaceMention(i);
  const text = `${ref} is resolved: ${toMake}, take them in ${where}.`;
  return {
    text,
    blocks: [
      section(
        `:telephone_receiver: *${ref} is resolved* · ${escapeMrkdwn(clip(i.title, 150))}\n` +
          `${toMake}, ${yours}. Take them from the callback list in ${where}: it shows what to tell callers now.`,
      ),
    ],
  };
}

/** Slack allows 100 blocks in a modal: show this many callbacks at a time. */
export const CALLBACKS_SHOWN = 40;

/**
 * The claimer's callbacks, privately: each caller's reference and contact (personal data), how
 * they want to be called back, what they said, and a choice of what happened.
 */
export function myCallbacksModal(
  i: CallbacksIncident,
  callbacks: readonly ClaimedCallback[],
  p: { timezone: string; justTook?: number; notice?: string },
) {
  const ref = formatReference(i.number);
  const open = callbacks.filter((c) => c.outcome === null).length;
  const noOne = callbacks.filter((c) => c.outcome === REACHED_NO_ONE).length;
  const took = p.justTook !== undefined ? `You took ${p.justTook}. ` : "";
  const retry =
    noOne > 0
      ? ` ${noOne === 1 ? "1 call" : `${noOne} calls`} reached no one: try again, and choose *Reached* if you get through.`
      : "";
  const intro =
    `*${ref}* · ${escapeMrkdwn(clip(i.title, 150))}\n` +
    (open > 0
      ? `${took}You have ${open} to make. Choose what happened after each call.${retry}`
      : `${took}All your callbacks for ${ref} are recorded.${retry || " Thank you."}`);
  const shown = callbacks.slice(0, CALLBACKS_SHOWN);
  const more = callbacks.length - shown.length;
  return {
    type: "modal",
    callback_id: CALLBACKS_VIEW,
    title: plain("Your callbacks", 24),
    close: plain("Done", 24),
    private_metadata: JSON.stringify({ incidentId: i.id, ids: shown.map((c) => c.id) }),
    blocks: [
      ...(p.notice ? [section(p.notice)] : []),
      section(intro),
      ...tellCallers(i),
      {
        type: "context",
        elements: [mrkdwn("Personal data: keep it out of shared channels. That you viewed it is logged.")],
      },
      { type: "divider" },
      ...shown.map((c) => callbackBlock(c, p.timezone)),
      ...(more > 0 ? [section(`…and ${more} more: record these, then open *My callbacks* again.`)] : []),
    ],
  };
}

/**
 * What to tell each caller, as the floor was told at the resolve (the built-in words when the
 * resolver wrote none). Nothing while the incident is being worked again: it is not fixed.
 */
function tellCallers(i: CallbacksIncident) {
  if (i.status !== "resolved" && i.status !== "closed") return [];
  const tell = escapeMrkdwn(clip(i.callersNow ?? DEFAULT_CALLERS_NOW, 2500));
  return [section(`*What to tell callers now*\n${tell}`)];
}

function callbackBlock(c: ClaimedCallback, timezone: string) {
  const erased = c.callerReference === null && c.callbackContact === null;
  const who = erased
    ? "_Caller details erased_"
    : `*${escapeMrkdwn(clip(c.callerReference ?? "No caller reference", 200))}*`;
  const how = `${CALLBACK_WANTED_LABELS[c.way]}${c.callbackContact ? `: ${escapeMrkdwn(clip(c.callbackContact, 200))}` : ""}`;
  const channel = REPORT_CHANNEL_LABELS[c.reportChannel as ReportChannel] ?? c.reportChannel;
  const said = c.said ? `\n“${escapeMrkdwn(clip(c.said, 500))}”` : "";
  const text = `${who} · ${how}\nGot in touch ${slackDate(c.contactedAt, timezone)} (${channel.toLowerCase()})${said}`;
  const options = CALLBACK_OUTCOMES.map((o) => option(`${c.id}:${o}`, CALLBACK_OUTCOME_LABELS[o]));
  const chosen = c.outcome ? options.find((o) => o.value === `${c.id}:${c.outcome}`) : undefined;
  return {
    type: "section",
    block_id: `callback_${c.id}`,
    text: mrkdwn(text),
    accessory: {
      type: "static_select",
      action_id: CALLBACK_ACTION.outcome,
      placeholder: plain("What happened?"),
      options,
      ...(chosen ? { initial_option: chosen } : {}),
    },
  };
}

/**
 * The callback clock's notice where the incident is worked: "Callbacks for INC-000123: 4 of
 * 12 still to make, due by 16:00", and on the breach who it escalates to.
 */
export function callbackClockNotice(
  i: Pick<IncidentRow, "number" | "ownerId">,
  p: {
    tally: CallbackTally;
    dueAt: Date;
    timezone: string;
    breached: boolean;
    escalatingTo?: string | null;
    dmed?: readonly string[];
  },
) {
  const ref = formatReference(i.number);
  const left = `${p.tally.outstanding} of ${p.tally.wanted} still to make`;
  const due = slackDate(p.dueAt, p.timezone);
  const text = p.breached
    ? `:rotating_light: Callbacks for *${ref}*: ${left}, were due by ${due}.` +
      (p.escalatingTo
        ? ` Escalating to the ${escapeMrkdwn(p.escalatingTo)}${p.dmed?.length ? `: ${p.dmed.map((u) => userMention(u)).join(", ")} messaged` : ""}.`
        : "") +
      ` Owner: ${userMention(i.ownerId)}.`
    : `:hourglass_flowing_sand: Callbacks for *${ref}*: ${left}, due by ${due}. ${i.ownerId ? `${userMention(i.ownerId)}: ` : ""}${
        p.tally.claimed < p.tally.outstanding
          ? "take some from the callback list and record what happened."
          : "all are taken; whoever took them, record what happened under *My callbacks*."
      }`;
  return { text, blocks: [section(text)] };
}

/** The answer to a close while callbacks are still to make: confirm with *Close anyway*. */
export function closeAnywayReply(i: Pick<IncidentRow, "id" | "number">, outstanding: number) {
  const ref = formatReference(i.number);
  const text = `${ref}: ${stillToMake(outstanding)}. Close anyway?`;
  return {
    text,
    blocks: [
      section(
        `${text}\nThe callers who asked to be called back will not hear from us unless someone takes them from the callback list.`,
      ),
      {
        type: "actions",
        block_id: "close_anyway",
        elements: [
          {
            type: "button",
            action_id: CALLBACK_ACTION.closeAnyway,
            text: plain("Close anyway"),
            style: "danger",
            value: i.id,
          },
        ],
      },
    ],
  };
}
