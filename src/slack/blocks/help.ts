import { mrkdwn } from "./text.js";

const LOGGING = [
  "*`/incident`*: open the *Log an incident* form. *`/incident Card payments failing`*: the same, with the title filled in.",
  "Or log a message as an incident: its *⋯* menu → *Log as incident*.",
];

const READING = [
  "*`/incident list`*: open incidents, highest priority first. `list mine`: the ones you reported or own.",
  "*`/incident show INC-000042`*: an incident's summary, just for you.",
  "*`/incident timeline`*: its log, page by page. *`/incident export`*: the whole log as Markdown and CSV, uploaded to the incident channel.",
  "*`/incident actions`*: your open improvement actions. `actions overdue`: every overdue one. `actions all`: every open one.",
];

const WORKING = [
  "*`/incident status in_progress`*: move it on (`acknowledged`, `in_progress`, `on_hold`, `resolved`, `closed`); on hold and resolved open a short form.",
  "*`/incident assign @someone`*: make someone the owner. *`/incident note Called the carrier`*: add a note to the log and the channel.",
  "*`/incident update`*: post a stakeholder update. *`/incident resolve`*, *`close`*, *`reopen`*: as they say.",
  "*`/incident escalate Callers queueing 20 minutes`*: one level up the escalation ladder now, with your reason.",
  "In an incident's own channel the incident is implied; elsewhere add its reference, e.g. `/incident note INC-000042 Carrier confirmed`.",
  "The buttons on the pinned card do the same: Acknowledge, Take ownership, Post update, Put on hold, Resolve, Re-categorise…",
];

const RULES = [
  "Priority comes from impact × urgency (the policy's matrix). Overriding or re-categorising needs a reason, and both are logged; lowering a P1 or P2 needs a duty manager or above.",
  "SLA clocks run from the moment an incident is logged; warnings go to the incident channel and breaches are escalated by DM until someone acknowledges.",
  "The caller reference is personal data: it appears only in the incident's own channel and to the people working it.",
];

export function helpMessage() {
  const section = (title: string, lines: string[]) => ({
    type: "section",
    text: mrkdwn(`*${title}*\n${lines.join("\n")}`),
  });
  return {
    text: "How to use /incident",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Switchboard: /incident" } },
      section("Log", LOGGING),
      section("Look up", READING),
      section("Work an incident", WORKING),
      section("Good to know", RULES),
    ],
  };
}
