import type { Policy } from "../domain/policy-types.js";
import { mrkdwn } from "./text.js";
import { typeHelpMessage, typesHelpMessage } from "./type-help.js";

const LOGGING = [
  "*`/incident`*: open the *Log an incident* form. *`/incident Card payments failing`*: the same, with the title filled in.",
  "Or log a message as an incident: its *⋯* menu → *Log as incident*.",
  "Already logged? The form lists the open incidents under *Already known?*: *Add this caller* records the customer on that incident instead. *`/incident caller INC-000042`* (or the card's *Add a caller*) opens the same form.",
];

const READING = [
  "*`/incident list`*: open incidents, highest priority first. `list mine`: the ones you reported or own.",
  "*`/incident show INC-000042`*: an incident's summary, just for you.",
  "*`/incident timeline`*: what happened, page by page; `timeline all` adds every post and delivery. *`/incident export`*: the whole log as Markdown and CSV, uploaded to the incident channel.",
  "*`/incident help Service failure`*: a type's playbook, who hears about it, and how to tell an incident from a service request or complaint. `help types` lists the types.",
];

const WORKING = [
  "*`/incident status In progress`*: move it on (Acknowledged, In progress, On hold, Resolved, Closed); On hold and Resolved open a short form.",
  "*`/incident assign @someone`*: make someone the owner. *`/incident note Called the carrier`*: add a note to the log and the channel.",
  "*`/incident update`*: post a stakeholder update. *`/incident resolve`*, *`close`*, *`reopen`*: as they say.",
  "*`/incident escalate Callers queueing 20 minutes`*: one level up the escalation ladder now, with your reason.",
  "*`/incident handover @someone Carrier on site, next update 16:00`*: at a shift change, give your incident to the next owner with a note.",
  "*`/incident comms`*: log a communication made outside Switchboard (a call to a customer, an email or letter to the regulator): with whom, how, when and what was said. The card's *Log a communication* button does the same.",
  "In an incident's own channel the incident is implied; elsewhere add its reference, e.g. `/incident note INC-000042 Carrier confirmed`.",
  "The buttons on the pinned card do the same: Acknowledge, Take ownership, Post update, Put on hold, Resolve, Re-categorise…",
  "For the floor, the card also has *Brief agents* (a script for the agents' channel that each team lead confirms), *Record impact* (calls queued, abandonment, queue) and *Ask for help*.",
];

const LEARNING = [
  "*`/incident review`*: write the post-incident review of a resolved incident (key times and SLA results filled in). Major incidents are prompted on resolve.",
  "*`/incident actions`*: your open improvement actions. `actions overdue`: every overdue one. `actions all`: every open one.",
  "*`/incident report`*: KPIs for the last 7 days (team leads and above); `report 30d` or `report 2026-10-01 2026-10-31`. The chart and a CSV come by DM.",
  "*`/incident practice`*: team leads start a practice drill for trainees: a scenario, the trainees and a speed (1×–30×). It runs in a `practice-…` channel, and nothing leaves it. `/incident practice end` in that channel ends it with a debrief; `/incident practice history @someone` shows a trainee's drills and trend.",
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
      section("Learn from incidents", LEARNING),
      section("Good to know", RULES),
    ],
  };
}

/**
 * `/incident help [<topic>]`: the general help, `types` (every type and the classification
 * guide), or one type by key or label in any case; an unknown topic lists the types.
 */
export function helpReply(policy: Pick<Policy, "incidentTypes" | "roles" | "review">, topic: string | null) {
  if (topic === null) return helpMessage();
  const wanted = normaliseTopic(topic);
  if (wanted === "types" || wanted === "type") return typesHelpMessage(policy, null);
  const type = Object.values(policy.incidentTypes).find(
    (t) => normaliseTopic(t.key) === wanted || normaliseTopic(t.label) === wanted,
  );
  return type ? typeHelpMessage(policy, type) : typesHelpMessage(policy, topic);
}

/** "Service failure", "service-failure" and "SERVICE_FAILURE" all mean service_failure. */
function normaliseTopic(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}
