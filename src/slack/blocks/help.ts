import { mrkdwn } from "./text.js";

const LINES = [
  "*`/incident`* — open the *Log an incident* form.",
  "*`/incident Card payments failing`* — open the form with the title filled in.",
  "*`/incident list`* — open incidents, highest priority first. `list mine`: the ones you reported or own.",
  "*`/incident show INC-000042`* — an incident's summary, just for you. In an incident channel, `show` alone is enough.",
  "*`/incident help`* — this message.",
  "",
  "You can also log a message as an incident: open its *⋯* menu and choose *Log as incident*.",
  "Priority comes from impact × urgency (the policy's matrix). Override it in the form only with a reason; the override is logged.",
  "The caller reference is personal data: it appears only in the incident's own channel and to the people working it.",
];

export function helpMessage() {
  const text = LINES.join("\n");
  return {
    text: "How to use /incident",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Switchboard: /incident" } },
      { type: "section", text: mrkdwn(text) },
    ],
  };
}
