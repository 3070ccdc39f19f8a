import { type PlacedIncident, workPlaceOf } from "./work-place.js";

/**
 * Practice drills (issue 23): nothing real is touched. Every post Switchboard writes about a
 * drill's incident passes here once, before it is stored: a post to the drill's own channel
 * (or thread) or a DM to one of its participants goes as written; anything else (a
 * stakeholder channel, an agents' channel, a support channel, a DM to anyone else) goes to the
 * drill's channel instead, tagged with who would have received it. Pure.
 */

/** The drill's incident: where it is worked, and its run (null for a real incident). */
export interface RedirectIncident extends PlacedIncident {
  practiceRunId: string | null;
}

/** Who takes part in a drill: they may be DMed as in a real incident. */
export interface DrillParticipants {
  leadId: string;
  traineeIds: readonly string[];
}

/** Where a post was written to go: a channel id, or a user id (U…/W…) for a DM. */
export interface PostTarget {
  channel: string;
  threadTs: string | null;
  purpose: string;
}

export type PracticeRedirect =
  | { kind: "send" }
  | { kind: "redirect"; channel: string; threadTs: string | null; tag: string };

/** Slack user ids (a DM's target) start with U or W; the delivery opens the DM (probe.ts). */
export const isUserTarget = (channel: string) => channel.startsWith("U") || channel.startsWith("W");

/**
 * Whether a post about a drill may go where it was written, or where it goes instead. A real
 * incident's posts always go. A drill whose channel does not exist yet has its posts DMed to
 * the drill's lead, who runs it.
 */
export function practiceRedirect(
  incident: RedirectIncident,
  run: DrillParticipants | null,
  target: PostTarget,
): PracticeRedirect {
  if (incident.practiceRunId === null) return { kind: "send" };
  const place = workPlaceOf(incident);
  if (
    place &&
    target.channel === place.channel &&
    (place.threadTs === null || target.threadTs === place.threadTs)
  )
    return { kind: "send" };
  if (isUserTarget(target.channel) && run && isParticipant(run, target.channel)) return { kind: "send" };
  const tag = practiceTag(target);
  if (place) return { kind: "redirect", channel: place.channel, threadTs: place.threadTs, tag };
  // Without the run nobody is known to take part: the post goes nowhere real, so it stays
  // unsent (a channel-less drill with no run cannot happen: the run is written first).
  return { kind: "redirect", channel: run?.leadId ?? "", threadTs: null, tag };
}

function isParticipant(run: DrillParticipants, user: string): boolean {
  return run.leadId === user || run.traineeIds.includes(user);
}

/** Who reads a post of each purpose when it goes where it was written. */
const AUDIENCE: Readonly<Record<string, string>> = {
  announcement: "stakeholders",
  milestone: "stakeholders",
  stakeholder_update: "stakeholders",
  briefing: "agents on the floor",
  floor_notice: "agents on the floor",
  help_request: "the support team",
  escalation_dm: "the next person on the escalation ladder",
  clock_notice: "a person the clock notifies",
  sla_notice: "a person the clock notifies",
  reporter_notice: "the reporter",
  reporter_update: "the reporter",
  handover_dm: "the new owner",
  volume_dm: "the owner",
  action_assigned: "the action's owner",
  action_remind: "the action's owner",
  action_overdue: "the action's owner",
  action_escalate: "the action owner's manager",
  action_rescheduled: "the action's owner",
  review_prompt: "the review's author",
  review_summary: "the review's readers",
  callback_list: "the callback takers",
  callback_dm: "an agent who took a call",
};

/**
 * The line above a redirected post: where it would have gone and who reads it there, e.g.
 * "Would go to #client-updates (stakeholders):" or "Would DM @James Carter (the next person on
 * the escalation ladder):". Slack draws `<#C…>` and `<@U…>` as the channel's and person's names.
 */
export function practiceTag(target: Pick<PostTarget, "channel" | "purpose">): string {
  const who = Object.hasOwn(AUDIENCE, target.purpose) ? AUDIENCE[target.purpose] : null;
  const role = who ? ` (${who})` : "";
  return isUserTarget(target.channel)
    ? `:performing_arts: PRACTICE: would DM <@${target.channel}>${role}:`
    : `:performing_arts: PRACTICE: would go to <#${target.channel}>${role}:`;
}

/** The block id of a redirected post's tag; a post drawn again at send time keeps it (row.ts). */
export const PRACTICE_TAG_BLOCK = "practice_redirect_tag";

/**
 * A redirected post's message: the tag first, then the message as it would have read (its
 * text quoted, its blocks kept so its buttons still work in the drill), in the drill's thread
 * when it is worked in one.
 */
export function redirectedMessage(
  message: Record<string, unknown>,
  redirect: { tag: string; threadTs: string | null },
): Record<string, unknown> {
  const text = typeof message.text === "string" ? message.text : "";
  const quoted = text
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");
  const { thread_ts: _thread, ...rest } = message;
  return {
    ...rest,
    text: text ? `${redirect.tag}\n${quoted}` : redirect.tag,
    ...(Array.isArray(message.blocks) ? { blocks: withTag(message.blocks, redirect.tag) } : {}),
    ...(redirect.threadTs ? { thread_ts: redirect.threadTs } : {}),
  };
}

/** Blocks with the tag block first (once, however often a message is tagged or drawn again). */
export function withTag(blocks: readonly unknown[], tag: string): unknown[] {
  const rest = blocks.filter((b) => tagOf([b]) === null);
  return [
    { type: "context", block_id: PRACTICE_TAG_BLOCK, elements: [{ type: "mrkdwn", text: tag }] },
    ...rest,
  ];
}

/** The practice tag a message's blocks start with, or null for a post that was not redirected. */
export function tagOf(blocks: unknown): string | null {
  if (!Array.isArray(blocks) || blocks.length === 0) return null;
  const first = blocks[0] as { block_id?: unknown; elements?: Array<{ text?: unknown }> };
  if (first?.block_id !== PRACTICE_TAG_BLOCK) return null;
  const text = first.elements?.[0]?.text;
  return typeof text === "string" ? text : null;
}

/** A message drawn again (at send time, or for an edit) keeps the practice tag the stored one had. */
export function keepPracticeTag(
  stored: Record<string, unknown>,
  drawn: Record<string, unknown>,
): Record<string, unknown> {
  const tag = tagOf(stored.blocks);
  if (tag === null) return drawn;
  return Array.isArray(drawn.blocks) ? { ...drawn, blocks: withTag(drawn.blocks, tag) } : drawn;
}

const TAG_PREFIX = ":performing_arts: PRACTICE:";

/** A redirected message's tag and what it quotes (text without the tag line, blocks without the tag block). */
function splitTag(m: Record<string, unknown>): {
  tag: string | null;
  text: string;
  blocks: unknown[] | null;
} {
  const text = typeof m.text === "string" ? m.text : "";
  const blocks = Array.isArray(m.blocks) ? (m.blocks as unknown[]) : null;
  const fromBlocks = tagOf(blocks);
  const tag = fromBlocks ?? (text.startsWith(TAG_PREFIX) ? (text.split("\n")[0] ?? null) : null);
  if (tag === null) return { tag, text, blocks };
  const body = text.startsWith(tag) ? text.slice(tag.length).replace(/^\n/, "") : text;
  return { tag, text: body, blocks: fromBlocks === null ? blocks : (blocks?.slice(1) ?? null) };
}

/** Whether a stored message is a drill's redirected post. */
export const isRedirected = (m: Record<string, unknown>) => splitTag(m).tag !== null;

/** Slack refuses a message of more than 50 blocks. */
const MAX_BLOCKS = 50;

/**
 * Several redirected posts waiting together in the drill's channel, as one message: the same
 * post written for several channels (an announcement to each stakeholder channel) shows once,
 * under every "would go to" line, so the drill's channel reads like what would have happened.
 */
export function practiceRoundup(messages: readonly Record<string, unknown>[]): Record<string, unknown> {
  const groups = new Map<string, { tags: string[]; text: string; blocks: unknown[] | null }>();
  for (const m of messages) {
    const { tag, text, blocks } = splitTag(m);
    const key = JSON.stringify([text, blocks]);
    const group = groups.get(key) ?? { tags: [], text, blocks };
    if (tag && !group.tags.includes(tag)) group.tags.push(tag);
    groups.set(key, group);
  }
  const all = [...groups.values()];
  const seen = new Set<string>();
  // Block ids must be unique within a message: a repeated one is dropped (buttons work without).
  const unique = (b: unknown) => {
    const { block_id, ...rest } = b as { block_id?: unknown };
    if (typeof block_id !== "string" || seen.has(block_id)) return rest;
    seen.add(block_id);
    return b;
  };
  const blocks = all.flatMap((g, i) => [
    ...(i > 0 ? [{ type: "divider" }] : []),
    ...(g.tags.length > 0
      ? [{ type: "context", elements: [{ type: "mrkdwn", text: g.tags.join("\n") }] }]
      : []),
    ...(g.blocks ?? (g.text ? [{ type: "section", text: { type: "mrkdwn", text: g.text } }] : [])).map(
      unique,
    ),
  ]);
  return {
    text: all.map((g) => [...g.tags, g.text].filter(Boolean).join("\n")).join("\n\n"),
    blocks: blocks.slice(0, MAX_BLOCKS),
  };
}
