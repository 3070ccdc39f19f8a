import { MILESTONES, type Milestone } from "../domain/milestones.js";
import { roleLabel } from "../domain/permissions.js";
import type { IncidentTypePolicy, PlaybookStep, Policy } from "../domain/policy-types.js";
import { linkLabel } from "./playbook.js";
import { clip, escapeMrkdwn, mrkdwn, plain } from "./text.js";

type HelpPolicy = Pick<Policy, "incidentTypes" | "roles" | "review"> & Partial<Pick<Policy, "notify">>;

/** Mentions shown per role on the ladder; more holders are counted, not listed. */
const HOLDERS_SHOWN = 5;

const section = (text: string) => ({ type: "section", text: mrkdwn(text) });

/**
 * The built-in classification guide: what belongs in Switchboard at all, and what makes an
 * incident major. Phrased for an agent deciding mid-call.
 */
export function classificationGuide(policy: Pick<Policy, "review">) {
  const review = policy.review.requiredForClose
    ? "it cannot be closed until its post-incident review is done"
    : "it gets a post-incident review";
  return [
    section(
      [
        "*Incident, service request or complaint?*",
        "• *Incident*: something is broken or degraded for customers or the floor (a service down, slow or wrong; calls not routing; customer data exposed). Log it here with `/incident`.",
        "• *Service request*: someone asks for something standard (a password reset, a change of address, a callback). Nothing is broken: handle it in the usual queue, not here.",
        "• *Complaint*: one unhappy customer is a complaint case for the complaints process. Many customers complaining about the same thing point to an incident: log it.",
        "Logged something that is not an incident? Close it with the code `not_an_incident`: the record stays and the reclassification is logged.",
      ].join("\n"),
    ),
    section(
      [
        "*Major or routine?*",
        "• *Major*: priority P1 or P2 (from impact × urgency), or flagged major by hand. For a major incident " +
          `${review}; agents on the floor are briefed so callers hear one consistent message; updates are due more often and breaches escalate faster.`,
        "• *Routine*: P3 to P5. The owner works it through the usual lifecycle; its SLA clocks still run.",
      ].join("\n"),
    ),
  ];
}

function stepText(step: PlaybookStep, index: number): string {
  const links = step.links.map((url) => `<${url}|${escapeMrkdwn(linkLabel(url))}>`).join(" · ");
  return [
    `*${index + 1}. ${escapeMrkdwn(step.step)}*`,
    step.guidance ? escapeMrkdwn(step.guidance) : null,
    links ? `📖 ${links}` : null,
  ]
    .filter((l): l is string => l !== null)
    .join("\n");
}

function ladder(policy: HelpPolicy, type: IncidentTypePolicy): string {
  return type.escalation
    .map((role, i) => {
      const holders = policy.roles[role] ?? [];
      const shown = holders.slice(0, HOLDERS_SHOWN).map((u) => `<@${u}>`);
      const more = holders.length > HOLDERS_SHOWN ? ` and ${holders.length - HOLDERS_SHOWN} more` : "";
      const who = holders.length ? ` (${shown.join(", ")}${more})` : " (nobody holds this role)";
      return `${i + 1}. ${roleLabel(role)}${who}`;
    })
    .join("\n");
}

const MILESTONE_WORDS: Record<Milestone, string> = {
  logged: "logged",
  acknowledged: "acknowledged",
  owner_changed: "its owner changes",
  update: "each update",
  priority_changed: "its priority changes",
  major_changed: "it becomes or stops being major",
  on_hold: "put on hold",
  resumed: "resumed",
  resolved: "resolved",
  reopened: "reopened",
  closed: "closed",
};

/** "when it is logged, resolved and closed", from the type's (or the policy's) notify list. */
function heardList(policy: HelpPolicy, type: IncidentTypePolicy): string {
  const list = type.notify ?? policy.notify ?? MILESTONES;
  if (list.length === MILESTONES.length)
    return "at every milestone: logged, acknowledged, each update, each change of owner, priority or status, resolved and closed";
  if (list.length === 0) return "nothing";
  const words = list.map((m) => MILESTONE_WORDS[m]);
  return `when ${words.length === 1 ? words[0] : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`}`;
}

/** `/incident help <type>`: when to choose the type, its playbook, who hears, who is escalated to. */
export function typeHelpMessage(policy: HelpPolicy, type: IncidentTypePolicy) {
  const steps = type.playbook.slice(0, 20);
  const channels = type.stakeholderChannels.map((c) => `<#${c}>`).join(", ");
  return {
    text: `Incident type ${type.label} (${type.key})`,
    blocks: [
      { type: "header", text: plain(`Incident type: ${type.label}`, 150) },
      section(
        `*When to choose it* (key \`${type.key}\`)\n${type.guidance ? escapeMrkdwn(type.guidance) : "_The policy says nothing more about this type._"}`,
      ),
      section(
        steps.length
          ? `*Playbook*: ${steps.length} step${steps.length === 1 ? "" : "s"}, posted in the incident channel as a checklist; each tick is logged.`
          : "*Playbook*: none for this type.",
      ),
      ...steps.map((step, i) => section(clip(stepText(step, i), 3000))),
      section(
        `*Stakeholder channels* (told ${heardList(policy, type)}): ${channels || "none"}\n*Escalation ladder*, lowest first:\n${ladder(policy, type)}`,
      ),
      { type: "divider" },
      ...classificationGuide(policy),
    ],
  };
}

/** `/incident help types`, or a topic that names no type: every type with its key, then the guide. */
export function typesHelpMessage(policy: HelpPolicy, unknownTopic: string | null) {
  const lines = Object.values(policy.incidentTypes).map(
    (t) =>
      `• *${escapeMrkdwn(t.label)}* (\`${t.key}\`)${t.guidance ? `: ${escapeMrkdwn(clip(t.guidance, 200))}` : ""}`,
  );
  // The topic is whatever was typed after `help`: shown clipped and escaped, never as given.
  const shown = unknownTopic ? escapeMrkdwn(clip(unknownTopic, 80)) : null;
  const head = shown ? `There is no incident type \`${shown}\`. The types are:` : "*Incident types*";
  return {
    text: shown ? `No incident type ${shown}` : "Incident types",
    blocks: [
      section(clip(`${head}\n${lines.join("\n")}`, 3000)),
      {
        type: "context",
        elements: [mrkdwn("`/incident help <type>` shows a type's playbook and escalation ladder.")],
      },
      { type: "divider" },
      ...classificationGuide(policy),
    ],
  };
}
