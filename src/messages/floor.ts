import type { BriefingRow, IncidentRow } from "../db/schema/index.js";
import {
  DEFAULT_CALLERS_NOW,
  formatRate,
  type HelpDestination,
  type Impact,
  type TeamBriefingStatus,
} from "../domain/floor.js";
import { STATUS_LABELS } from "../domain/incident.js";
import { isMajor } from "../domain/priority-matrix.js";
import { formatReference } from "../domain/reference.js";
import { CARD_ACTION, FLOOR_ACTION } from "./ids.js";
import {
  channelMention,
  clip,
  escapeMrkdwn,
  mrkdwn,
  plain,
  slackDate,
  userMention,
  workPlaceMention,
} from "./text.js";

/**
 * Messages for the floor: the agents' briefing, its status on the card, the contact-centre
 * impact, and a request for help. None of them carries the caller reference.
 */

type Briefing = Pick<
  BriefingRow,
  "id" | "affected" | "script" | "workaround" | "nextUpdateAt" | "author" | "postedAt"
>;
type Subject = Pick<IncidentRow, "number" | "title" | "priority" | "major">;
/** The incident as a briefing post shows it: a resolved or closed one turns it into a banner. */
type BriefingSubject = Subject & Partial<Pick<IncidentRow, "status" | "resolvedAt" | "callersNow">>;

/** One line per team: confirmed by whom and when, or still waiting (and on whom). */
export function teamStatusLines(status: readonly TeamBriefingStatus[], timezone: string): string[] {
  return status.map((t) => {
    const label = escapeMrkdwn(clip(t.label, 80));
    if (t.state === "confirmed")
      return `:white_check_mark: *${label}*: briefed, confirmed by ${userMention(t.leadId)} ${slackDate(t.confirmedAt, timezone)}`;
    const leads = t.leads.length > 0 ? ` (${t.leads.map((l) => userMention(l)).join(", ")})` : "";
    return `:hourglass_flowing_sand: *${label}*: waiting for confirmation${leads}`;
  });
}

function statusText(status: readonly TeamBriefingStatus[], timezone: string): string {
  const done = status.filter((t) => t.state === "confirmed").length;
  const head = `*Teams briefed: ${done} of ${status.length}*`;
  // A section's text holds 3,000 characters: a long team list is cut, never rejected.
  return clip([head, ...teamStatusLines(status, timezone)].join("\n"), 3000);
}

/**
 * The briefing as agents read it, with the button their team lead presses once the team knows.
 * `reopenedAt`: when the incident last came back, if it is being worked again; a briefing
 * posted before then applies again and asks the team leads to brief their teams again.
 */
export function briefingMessage(
  i: BriefingSubject,
  b: Briefing,
  status: readonly TeamBriefingStatus[],
  timezone: string,
  reopenedAt: Date | null = null,
) {
  if (i.status === "resolved" || i.status === "closed") return resolvedBriefing(i, b, timezone);
  const ref = formatReference(i.number);
  const heading = `Agent briefing · ${ref} · ${i.priority}${isMajor(i) ? " · MAJOR" : ""}`;
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: plain(heading, 150) },
    { type: "context", elements: [mrkdwn(escapeMrkdwn(clip(i.title, 150)))] },
    ...(briefedBefore(b, reopenedAt)
      ? [
          {
            type: "section",
            text: mrkdwn(
              `:leftwards_arrow_with_hook: *This is back* (reopened ${slackDate(reopenedAt, timezone)}): this briefing applies again.${status.some((t) => t.state === "waiting") ? " Team leads, brief your teams again and press *Team briefed*." : ""}`,
            ),
          },
        ]
      : []),
    { type: "section", text: mrkdwn(`*What is affected*\n${escapeMrkdwn(clip(b.affected, 2900))}`) },
    { type: "section", text: mrkdwn(`*What to tell callers*\n${escapeMrkdwn(clip(b.script, 2900))}`) },
  ];
  if (b.workaround)
    blocks.push({ type: "section", text: mrkdwn(`*Workaround*\n${escapeMrkdwn(clip(b.workaround, 2900))}`) });
  blocks.push({
    type: "section",
    text: mrkdwn(
      `*Next update*\n${b.nextUpdateAt ? slackDate(b.nextUpdateAt, timezone) : "_not set yet: we will tell you_"}`,
    ),
  });
  blocks.push({ type: "section", text: mrkdwn(statusText(status, timezone)) });
  // The button is for the teams still waiting: once every team has confirmed, none is left.
  const waiting = status.filter((t) => t.state === "waiting");
  if (waiting.length > 0)
    blocks.push({
      type: "actions",
      block_id: "briefing_actions",
      elements: [
        {
          type: "button",
          action_id: FLOOR_ACTION.teamBriefed,
          text: plain("Team briefed", 75),
          value: b.id,
          style: "primary",
        },
      ],
    });
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(clip(`Briefing by ${userMention(b.author)} · ${briefingPrompt(status, waiting)}`, 3000)),
    ],
  });
  return {
    text: escapeMrkdwn(`${heading}: ${clip(b.affected, 200)}`),
    blocks,
  };
}

/** The briefing was posted before the incident last came back, so the floor is briefed again. */
const briefedBefore = (b: Pick<BriefingRow, "postedAt">, reopenedAt: Date | null): reopenedAt is Date =>
  reopenedAt !== null && b.postedAt.getTime() <= reopenedAt.getTime();

/** Who is still to press "Team briefed": every lead at first, then the teams still waiting. */
function briefingPrompt(
  status: readonly TeamBriefingStatus[],
  waiting: readonly TeamBriefingStatus[],
): string {
  if (waiting.length === 0) return "every team has been briefed";
  if (waiting.length === status.length) return "team leads: press *Team briefed* once your team knows";
  const teams = waiting.map((t) => escapeMrkdwn(clip(t.label, 80))).join(", ");
  return `still waiting for ${teams}: team leads, press *Team briefed* once your team knows`;
}

/**
 * A briefing once its incident is resolved: a banner that says so first, what to tell callers
 * now, and the earlier script kept below for reference, with no button left to press.
 */
function resolvedBriefing(i: BriefingSubject, b: Briefing, timezone: string) {
  const ref = formatReference(i.number);
  const when = i.resolvedAt ? ` ${slackDate(i.resolvedAt, timezone)}` : "";
  const heading = `RESOLVED · ${ref} · no longer affecting callers`;
  return {
    text: escapeMrkdwn(`${heading}: ${clip(i.title, 200)}`),
    blocks: [
      { type: "header", text: plain(`✅ ${heading}`, 150) },
      {
        type: "section",
        text: mrkdwn(
          `*${escapeMrkdwn(clip(i.title, 150))}* was resolved${when}. Stop using the briefing below.
` +
            `*What to tell callers now*
${escapeMrkdwn(clip(i.callersNow ?? DEFAULT_CALLERS_NOW, 2500))}`,
        ),
      },
      { type: "divider" },
      {
        type: "context",
        elements: [
          mrkdwn(
            clip(
              `~Earlier briefing~ by ${userMention(b.author)}: *What was affected:* ${escapeMrkdwn(clip(b.affected, 800))} · *What we told callers:* ${escapeMrkdwn(clip(b.script, 1500))}`,
              3000,
            ),
          ),
        ],
      },
    ],
  };
}

/** The post in the agents' channels when an incident they were briefed on is resolved. */
export function floorResolvedPost(i: Subject & Pick<IncidentRow, "callersNow">) {
  const ref = formatReference(i.number);
  const text = `:white_check_mark: *${ref} is resolved*: ${escapeMrkdwn(clip(i.title, 150))}`;
  const tell = `*What to tell callers now*\n${escapeMrkdwn(clip(i.callersNow ?? DEFAULT_CALLERS_NOW, 2500))}`;
  return {
    text: `${text}. ${escapeMrkdwn(clip(i.callersNow ?? DEFAULT_CALLERS_NOW, 500))}`,
    blocks: [
      { type: "section", text: mrkdwn(`${text}\n${tell}`) },
      { type: "context", elements: [mrkdwn("The earlier briefing now says it is resolved.")] },
    ],
  };
}

/** The post in the agents' channels when a resolved incident they were briefed on is reopened. */
export function floorReopenedPost(i: Subject, reason: string | null) {
  const ref = formatReference(i.number);
  const text = `:leftwards_arrow_with_hook: *${ref} is back*: ${escapeMrkdwn(clip(i.title, 150))}. The problem has come back, so callers may be affected again.`;
  const why = reason ? `\n*Why:* ${escapeMrkdwn(clip(reason, 500))}` : "";
  return {
    text,
    blocks: [
      { type: "section", text: mrkdwn(`${text}${why}`) },
      {
        type: "context",
        elements: [
          mrkdwn("Use the earlier briefing again until you are told more; team leads, brief your teams."),
        ],
      },
    ],
  };
}

/** The latest briefing's state on the responder card (`reopenedAt` as for briefingMessage). */
export function briefingCardBlock(
  b: Pick<BriefingRow, "author" | "postedAt">,
  status: readonly TeamBriefingStatus[],
  timezone: string,
  reopenedAt: Date | null = null,
) {
  const again =
    briefedBefore(b, reopenedAt) && status.some((t) => t.state === "waiting")
      ? ` · *reopened since ${slackDate(reopenedAt, timezone)}: team leads, brief your teams again*`
      : "";
  const head = `:mega: *Agents briefed* by ${userMention(b.author)} ${slackDate(b.postedAt, timezone)}${again}`;
  return { type: "section", text: mrkdwn(clip(`${head}\n${statusText(status, timezone)}`, 3000)) };
}

export type RecordedImpact = Impact & { impactRecordedAt: Date | null };

/** The impact columns of a (possibly partial) incident row; missing ones count as not recorded. */
export function recordedImpactOf(
  i: Partial<Pick<IncidentRow, "callsQueued" | "abandonmentRate" | "affectedQueue" | "impactRecordedAt">>,
): RecordedImpact {
  return {
    callsQueued: i.callsQueued ?? null,
    abandonmentRate: i.abandonmentRate ?? null,
    affectedQueue: i.affectedQueue ?? null,
    impactRecordedAt: i.impactRecordedAt ?? null,
  };
}

/** Contact-centre impact as fields; null until some impact has been recorded. */
export function impactFields(i: RecordedImpact, timezone: string): string[] | null {
  if (!i.impactRecordedAt) return null;
  return [
    `*Calls queued*\n${i.callsQueued ?? "_not given_"}`,
    `*Abandonment*\n${i.abandonmentRate === null ? "_not given_" : `${formatRate(i.abandonmentRate)}%`}`,
    `*Affected queue*\n${i.affectedQueue ? escapeMrkdwn(clip(i.affectedQueue, 100)) : "_not given_"}`,
    `*Impact recorded*\n${slackDate(i.impactRecordedAt, timezone)}`,
  ];
}

export function impactBlocks(i: RecordedImpact, timezone: string): Record<string, unknown>[] {
  const fields = impactFields(i, timezone);
  if (!fields) return [];
  return [
    { type: "section", text: mrkdwn(":telephone_receiver: *Contact-centre impact*") },
    { type: "section", fields: fields.map((f) => mrkdwn(f, 2000)) },
  ];
}

type HelpIncident = Pick<
  IncidentRow,
  "id" | "number" | "title" | "priority" | "major" | "status" | "ownerId" | "channelId"
>;

/**
 * A request for help: the incident's summary (never its caller reference), what is needed, who
 * asks. A private incident channel (`privateChannel`) cannot be found by whoever answers, so
 * the request carries a button that brings them in.
 */
export function helpRequestMessage(
  i: HelpIncident,
  p: { asker: string; request: string; privateChannel?: boolean },
) {
  const ref = formatReference(i.number);
  const heading = `${ref} · ${i.priority}${isMajor(i) ? " · MAJOR" : ""} · ${STATUS_LABELS[i.status]}`;
  const ask = `:sos: ${userMention(p.asker)} is asking for help with *${ref}*`;
  return {
    text: escapeMrkdwn(`${ref}: help requested: ${clip(p.request, 200)}`),
    blocks: [
      { type: "section", text: mrkdwn(ask) },
      { type: "section", text: mrkdwn(`*What they need*\n${escapeMrkdwn(clip(p.request, 2900))}`) },
      {
        type: "section",
        fields: [
          mrkdwn(`*Incident*\n${escapeMrkdwn(clip(`${heading} · ${i.title}`, 1900))}`),
          mrkdwn(`*Owner*\n${userMention(i.ownerId)}`),
          mrkdwn(`*Incident channel*\n${workPlaceMention(i)}`),
          mrkdwn(`*Asked by*\n${userMention(p.asker)}`),
        ],
      },
      ...(p.privateChannel && i.channelId ? [joinChannelActions(i)] : []),
    ],
  };
}

function joinChannelActions(i: HelpIncident) {
  return {
    type: "actions",
    block_id: "help_join",
    elements: [
      {
        type: "button",
        action_id: CARD_ACTION.joinChannel,
        text: plain("Join the incident channel", 75),
        value: i.id,
        style: "primary",
      },
    ],
  };
}

/** Where a help request went, in words for the asker. */
export function describeHelpDestination(d: HelpDestination): string {
  const channels = d.channels.map((c) => channelMention(c)).join(", ");
  switch (d.via) {
    case "incident_type":
      return `${channels} (the support channel for this type of incident)`;
    case "team":
      return `${channels} (${escapeMrkdwn(d.teamLabel ?? "your team")}'s support channel)`;
    case "policy":
      return `${channels} (the support channel)`;
    case "team_leads":
      return d.channels.map((u) => userMention(u)).join(", ");
  }
}
