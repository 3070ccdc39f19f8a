import type { IncidentRow } from "../db/schema/index.js";
import { formatLongDuration } from "../domain/duration.js";
import { STATUS_LABELS } from "../domain/incident.js";
import { roleLabel } from "../domain/permissions.js";
import { formatReference } from "../domain/reference.js";
import { CARD_ACTION, ESCALATION_ACTION } from "./ids.js";
import { clip, escapeMrkdwn, mrkdwn, plain, slackDate, userMention, workPlaceMention } from "./text.js";

type SlaIncident = Pick<
  IncidentRow,
  "id" | "number" | "title" | "priority" | "status" | "ownerId" | "reporterId" | "channelId"
> &
  Partial<Pick<IncidentRow, "description" | "loggedAt" | "workingChannelId" | "threadTs">>;

const section = (text: string) => ({ type: "section", text: mrkdwn(text) });

/**
 * A warning in the incident channel. It mentions the owner; while nobody owns the incident,
 * it asks the holders of the first role of its ladder (`ladderFirst`, of `ladderRole`), whose
 * job it is to find one: never the reporting agent, who is back on the phones. The due time is
 * a Slack date, never a countdown that is wrong a minute later.
 */
export function slaWarning(
  i: SlaIncident,
  p: {
    clock: string;
    dueAt: Date;
    timezone: string;
    ladderFirst?: readonly string[];
    ladderRole?: string;
  },
) {
  const due = `*${formatReference(i.number)}*: ${escapeMrkdwn(p.clock)} is due ${slackDate(p.dueAt, p.timezone)}.`;
  const text = i.ownerId
    ? `:hourglass_flowing_sand: ${userMention(i.ownerId)} ${due}`
    : `:hourglass_flowing_sand: ${due} ${nobodyOwnsIt(p.ladderFirst ?? [], p.ladderRole)}`;
  return { text, blocks: [section(text)] };
}

/** "Nobody owns it yet: @Sarah (team lead), can you take it?" */
function nobodyOwnsIt(holders: readonly string[], role: string | undefined): string {
  if (holders.length === 0) return "Nobody owns it yet.";
  const who = `${holders.map((u) => userMention(u)).join(", ")}${role ? ` (${roleLabel(role)})` : ""}`;
  return `Nobody owns it yet: ${who}, can ${holders.length > 1 ? "one of you" : "you"} take it?`;
}

export function slaBreach(
  i: SlaIncident,
  p: { clock: string; dueAt: Date; timezone: string; escalatingTo: string | null; dmed?: readonly string[] },
) {
  const whom = p.dmed?.length ? `: ${p.dmed.map((u) => userMention(u)).join(", ")} messaged` : "";
  const ladder = p.escalatingTo ? ` Escalating to the ${escapeMrkdwn(p.escalatingTo)}${whom}.` : "";
  const text =
    `:rotating_light: *${formatReference(i.number)}* breached its ${escapeMrkdwn(p.clock.toLowerCase())} SLA ` +
    `(due ${slackDate(p.dueAt, p.timezone)}).${ladder} Owner: ${userMention(i.ownerId)}.`;
  return { text, blocks: [section(text)] };
}

/** A DM to a clock's notify roles (e.g. the DPO for the regulator's 72 hours). */
export function clockNotice(
  i: SlaIncident,
  p: { clock: string; dueAt: Date; breached: boolean; timezone: string },
) {
  const what = p.breached ? "is overdue" : "is coming up";
  const text =
    `:alarm_clock: *${formatReference(i.number)}* · ${escapeMrkdwn(clip(i.title, 150))}\n` +
    `${escapeMrkdwn(p.clock)} ${what}: due ${slackDate(p.dueAt, p.timezone)}. Channel: ${workPlaceMention(i)}.`;
  return { text, blocks: [section(text)] };
}

export interface EscalationDmInput {
  clockId: string;
  clock: string;
  /** The clock's name (respond, update_every, resolve or an extra clock's). */
  clockName?: string;
  /** How long the clock allowed (its SLA target). */
  targetMs?: number;
  overdueMs: number;
  level: number;
  role: string;
  atTop: boolean;
  /** The ladder step (0 at the breach); past the top role, each step is a reminder to it. */
  step?: number;
  manualReason?: string;
  /** Earlier rungs of this ladder: who was messaged, and when. */
  alreadyTold?: ReadonlyArray<{ role: string; holders: readonly string[]; at: Date }>;
  timezone?: string;
  /** Who this copy goes to: the incident's owner reads what is theirs to do, not Take ownership. */
  recipient?: string;
}

/** Under this much late, a breach reads "has just passed", never "0 seconds past". */
const JUST_LATE_MS = 60_000;

/** "its 15-minute target" for a target in one unit; "its target of 1 hour 30 minutes" otherwise. */
function targetWords(ms: number): string {
  const words = formatLongDuration(ms);
  const single = /^(\d+) (day|hour|minute|second)s?$/.exec(words);
  return single ? `its ${single[1]}-${single[2]} target` : `its target of ${words}`;
}

/**
 * Whether a breach is only just late. Only the breach step fires at the deadline; every climb of
 * the ladder fires a whole `repeat` after the one before, so its lateness is said in full even
 * when the repeat is under a minute ("45 seconds past its 45-second target").
 */
const justLate = (p: { overdueMs: number; step?: number }) =>
  p.overdueMs < 1000 || ((p.step ?? 0) === 0 && p.overdueMs < JUST_LATE_MS);

/** How far past its target a clock is: "20 minutes past its 15-minute target", or "its target has just passed". */
function pastTarget(p: { overdueMs: number; targetMs?: number; step?: number }): string {
  const target = p.targetMs !== undefined ? targetWords(p.targetMs) : "its target";
  return justLate(p) ? `${target} has just passed` : `${formatLongDuration(p.overdueMs)} past ${target}`;
}

/** "is 5 minutes late" or, just at the breach, "is due now". */
const lateWords = (p: { overdueMs: number; step?: number }, late = "late") =>
  justLate(p) ? "due now" : `${formatLongDuration(p.overdueMs)} ${late}`;

/**
 * Whether this step messages the top role again: the step past the top of the ladder. The step
 * that first reaches the top role is an escalation to it, not a reminder.
 */
const isReminder = (p: { step?: number; level: number }) => p.step !== undefined && p.step >= p.level;

/** A reminder's heading mark; the breach sentence under it says what is still wrong. */
const REMINDER_TITLE = " (reminder)";
/** How reminders were headed before: acknowledgedDm still finds it in DMs already sent. */
const REMINDER = " (reminder: still not acknowledged)";

/**
 * What is still wrong while a clock's breach stands, in plain words: the one phrase the
 * channel's ladder lines and Home's "Escalated to you" use. An extra clock is named by its
 * label ("Regulator notified is overdue").
 */
export function clockProblem(clockName: string | undefined, label: string): string {
  switch (clockName) {
    case "respond":
      return "nobody has acknowledged it yet";
    case "update_every":
      return "stakeholders still have no update";
    case "resolve":
      return "still not resolved";
    case "callbacks":
      return "callers are still waiting for their callbacks";
    default:
      return `${escapeMrkdwn(label)} is overdue`;
  }
}

/** What breached, in the words of someone woken by it. */
export function breachSentence(i: Pick<SlaIncident, "priority">, p: EscalationDmInput): string {
  switch (p.clockName) {
    case "respond":
      return `Nobody has acknowledged this ${i.priority}: ${pastTarget(p)}.`;
    case "update_every":
      return `Stakeholders have had no update on this ${i.priority}: the update is ${lateWords(p)}.`;
    case "resolve":
      return `This ${i.priority} is still not resolved: ${pastTarget(p)}.`;
    case "callbacks":
      return `Callers who asked to be called back after this ${i.priority} are still waiting: the callbacks are ${lateWords(p)}.`;
    default:
      return `*${escapeMrkdwn(p.clock)}* is ${lateWords(p, "overdue")}.`;
  }
}

/** The breach told to the incident's owner: it is theirs to put right. */
export function ownerBreachSentence(i: Pick<SlaIncident, "priority">, p: EscalationDmInput): string {
  switch (p.clockName) {
    case "respond":
      return `You own this ${i.priority} and nobody has acknowledged it: ${pastTarget(p)}.`;
    case "update_every":
      return `You own it: stakeholders are waiting for an update on this ${i.priority}, ${justLate(p) ? "due now" : `now ${formatLongDuration(p.overdueMs)} late`}.`;
    case "resolve":
      return `You own it: this ${i.priority} is still not resolved, ${pastTarget(p)}.`;
    case "callbacks":
      return `You own it: callers who asked to be called back after this ${i.priority} are still waiting, the callbacks ${lateWords(p)}.`;
    default:
      return `You own it: *${escapeMrkdwn(p.clock)}* is ${lateWords(p, "overdue")}.`;
  }
}

/**
 * How a breach was dealt with, for the edited DMs: someone acknowledged it, or it was put right
 * without pressing Acknowledge (the update posted, the incident resolved or closed, an extra
 * clock's task done, every caller called back).
 */
export type DealtWith = "acknowledged" | "update" | "resolved" | "closed" | "done" | "callbacks";

/** The breach in the past tense, for a DM edited once it was dealt with: `lateMs` late then. */
export function acknowledgedBreachSentence(
  i: Pick<SlaIncident, "priority">,
  p: { clock: string; clockName?: string; targetMs?: number; lateMs: number; reason?: DealtWith },
): string {
  const just = p.lateMs < JUST_LATE_MS;
  const target = p.targetMs !== undefined ? targetWords(p.targetMs) : "its target";
  const late = formatLongDuration(p.lateMs);
  const reason = p.reason ?? "acknowledged";
  const when = reason === "acknowledged" ? "When this was acknowledged," : "When this was dealt with,";
  switch (p.clockName) {
    case "respond":
      return just
        ? `Nobody acknowledged this ${i.priority} by ${target}.`
        : `Nobody acknowledged this ${i.priority} until ${late} past ${target}.`;
    case "update_every":
      if (reason === "update")
        return `The stakeholder update on this ${i.priority} came ${just ? "just after it was due" : `${late} late`}.`;
      return `${when} stakeholders had had no update on this ${i.priority}: the update was ${just ? "just due" : `${late} late`}.`;
    case "resolve":
      if (reason === "resolved")
        return `This ${i.priority} was resolved ${just ? `just after ${target}` : `${late} past ${target}`}.`;
      return `${when} this ${i.priority} was still not resolved: ${just ? `${target} had just passed` : `${late} past ${target}`}.`;
    case "callbacks":
      if (reason === "callbacks")
        return `The callbacks after this ${i.priority} were ${just ? "made just after they were due" : `finished ${late} late`}.`;
      return `${when} callers who asked to be called back after this ${i.priority} were still waiting: the callbacks were ${just ? "just due" : `${late} late`}.`;
    default:
      return `${when} *${escapeMrkdwn(p.clock)}* was ${just ? "just due" : `${late} overdue`}.`;
  }
}

/** The DM's closing line: who dealt with the breach, how, and when. */
/** " @x owns it." after the closing line, while the incident is still being worked. */
function ownerThen(p: { reason?: DealtWith; incident: Pick<SlaIncident, "ownerId"> }): string {
  if (p.reason === "resolved" || p.reason === "closed") return "";
  return p.incident.ownerId ? ` ${userMention(p.incident.ownerId)} owns it.` : " Nobody owns it yet.";
}

export function dealtWithLine(p: {
  reason?: DealtWith;
  by: string;
  at: Date;
  timezone: string;
  task?: string;
}) {
  const who = userMention(p.by);
  const when = slackDate(p.at, p.timezone);
  switch (p.reason ?? "acknowledged") {
    case "acknowledged":
      return `:white_check_mark: Acknowledged by ${who} ${when}.`;
    case "update":
      return `:white_check_mark: Dealt with: ${who} posted an update ${when}.`;
    case "resolved":
      return `:white_check_mark: Resolved by ${who} ${when}.`;
    case "closed":
      return `:white_check_mark: Closed by ${who} ${when}.`;
    case "callbacks":
      return `:white_check_mark: Dealt with: every caller has been called back, the last recorded by ${who} ${when}.`;
    case "done":
      return p.task
        ? `:white_check_mark: Dealt with: ${who} recorded *${escapeMrkdwn(p.task)}* ${when}.`
        : `:white_check_mark: Dealt with by ${who} ${when}.`;
  }
}

const field = (label: string, value: string) => mrkdwn(`*${label}*\n${value}`);

/**
 * The escalation DM: what breached and by how much, what the incident is, who was told before,
 * and buttons to act. It carries the stakeholder-level summary only: never the caller reference.
 * The incident's owner (`recipient`) reads that it is theirs and gets the button that puts the
 * breach right (Post update for the update clock), never Take ownership.
 */
export function escalationDm(i: SlaIncident, p: EscalationDmInput) {
  const ref = formatReference(i.number);
  const owns = p.recipient !== undefined && p.recipient === i.ownerId;
  const why = p.manualReason
    ? `Escalated by hand: ${escapeMrkdwn(clip(p.manualReason, 500))}`
    : owns
      ? ownerBreachSentence(i, p)
      : breachSentence(i, p);
  const reminder = isReminder(p) && !p.manualReason ? REMINDER_TITLE : "";
  const text = `:rotating_light: Escalation level ${p.level} (${p.role.replace(/_/g, " ")}): ${ref} ${i.priority}${reminder}`;
  const about = [
    escapeMrkdwn(clip(i.title, 200)),
    ...(i.description ? [`>${escapeMrkdwn(clip(i.description, 600)).replace(/\n/g, "\n>")}`] : []),
    why,
  ];
  const blocks: Record<string, unknown>[] = [
    section(`*${escapeMrkdwn(text)}*\n${about.join("\n")}`),
    {
      type: "section",
      fields: [
        field("Status", STATUS_LABELS[i.status]),
        field("Owner", owns ? "You" : userMention(i.ownerId)),
        field("Channel", workPlaceMention(i)),
        ...(i.loggedAt && p.timezone ? [field("Logged", slackDate(i.loggedAt, p.timezone))] : []),
      ],
    },
  ];
  const told = alreadyToldPeople(p.alreadyTold ?? []);
  if (told.length > 0 && p.timezone) {
    const tz = p.timezone;
    const lines = told.map(
      (t) =>
        `${userMention(t.user)} (${roleLabel(t.role)}) ${slackDate(t.first, tz)}${t.reminders > 0 ? `, reminded ${timesWord(t.reminders)}` : ""}`,
    );
    blocks.push({ type: "context", elements: [mrkdwn(clip(`Already told: ${lines.join("; ")}`, 3000))] });
  }
  const postUpdate = owns && !p.manualReason && p.clockName === "update_every";
  const buttons: Record<string, unknown>[] = [];
  if (postUpdate) {
    buttons.push({
      type: "button",
      action_id: CARD_ACTION.update,
      text: plain("Post update", 75),
      style: "primary",
      value: i.id,
    });
  }
  if (!p.manualReason) {
    buttons.push({
      type: "button",
      action_id: ESCALATION_ACTION.acknowledge,
      text: plain("Acknowledge", 75),
      ...(postUpdate ? {} : { style: "primary" }),
      value: p.clockId,
    });
  }
  if (!owns) {
    buttons.push({
      type: "button",
      action_id: CARD_ACTION.takeOwnership,
      text: plain("Take ownership", 75),
      value: i.id,
    });
  }
  if (i.channelId) {
    buttons.push({
      type: "button",
      action_id: ESCALATION_ACTION.openChannel,
      text: plain("Open channel", 75),
      url: `https://slack.com/app_redirect?channel=${i.channelId}`,
    });
  } else if (i.workingChannelId && i.threadTs) {
    // A routine incident: its thread, by the card's permalink in the working channel.
    buttons.push({
      type: "button",
      action_id: ESCALATION_ACTION.openChannel,
      text: plain("Open thread", 75),
      url: `https://slack.com/archives/${i.workingChannelId}/p${i.threadTs.replace(".", "")}`,
    });
  }
  blocks.push({ type: "actions", block_id: "escalation_actions", elements: buttons });
  if (!p.manualReason)
    blocks.push({ type: "context", elements: [mrkdwn(acknowledgeHelp(p.clockName, owns))] });
  return { text: escapeMrkdwn(text), blocks };
}

/**
 * Who the earlier rungs told, each person once: the role they were first told as, when, and how
 * many times they were messaged again since (the top role's reminders), in the order first told.
 */
export function alreadyToldPeople(
  told: ReadonlyArray<{ role: string; holders: readonly string[]; at: Date }>,
): Array<{ user: string; role: string; first: Date; reminders: number }> {
  const people = new Map<string, { user: string; role: string; first: Date; reminders: number }>();
  for (const t of [...told].sort((a, b) => a.at.getTime() - b.at.getTime()))
    for (const user of t.holders) {
      const seen = people.get(user);
      if (seen) seen.reminders += 1;
      else people.set(user, { user, role: t.role, first: t.at, reminders: 0 });
    }
  return [...people.values()];
}

/** "once", "twice", "3 times". */
const timesWord = (n: number) => (n === 1 ? "once" : n === 2 ? "twice" : `${n} times`);

/** What the buttons do, said under them. */
function acknowledgeHelp(clockName: string | undefined, owns: boolean): string {
  if (clockName === "respond")
    return owns
      ? "*Acknowledge* marks the incident acknowledged and stops these messages."
      : "*Acknowledge* marks the incident acknowledged, makes you its owner if nobody owns it, and stops these messages.";
  if (owns && clockName === "update_every")
    return "*Post update* opens the update form; posting it stops these messages. *Acknowledge* tells everyone you are on it and stops them for this breach.";
  return owns
    ? "*Acknowledge* tells everyone you are on it and stops these messages for this breach."
    : "*Acknowledge* tells everyone you are on it and stops these messages for this breach. *Take ownership* makes you the owner.";
}

/** A Block Kit section as the DM built it. */
type Block = { type?: string; text?: { text?: string }; fields?: Array<{ text?: string }> };

/**
 * The DM edited once the breach was dealt with (acknowledged, or put right another way: see
 * DealtWith): nothing in it may still read as news. The breach reads in the past tense, the
 * reminder no longer says "still not acknowledged", Status and Owner are as they are now, the
 * buttons and their help go, and a line says who dealt with it, how and when.
 */
export function acknowledgedDm(
  original: { blocks?: unknown[]; text?: string },
  p: {
    by: string;
    at: Date;
    timezone: string;
    incident: Pick<SlaIncident, "priority" | "status" | "ownerId">;
    clock: { label: string; name: string; dueAt: Date; targetMs?: number };
    /** How it was dealt with; acknowledged unless said. */
    reason?: DealtWith;
    /** For `done`: what was recorded ("Regulator notified"). */
    task?: string;
  },
) {
  const past = acknowledgedBreachSentence(p.incident, {
    clock: p.clock.label,
    clockName: p.clock.name,
    targetMs: p.clock.targetMs,
    lateMs: Math.max(0, p.at.getTime() - p.clock.dueAt.getTime()),
    reason: p.reason,
  });
  let summarised = false;
  const kept = (original.blocks ?? []).flatMap((raw): unknown[] => {
    const b = raw as Block;
    if (b.type === "actions") return [];
    if (b.type === "context" && JSON.stringify(b).includes("*Acknowledge*")) return [];
    if (b.type === "section" && b.fields) {
      // Status and owner would go stale as the incident moves on (a DM is not redrawn again):
      // the closing line says who owned it when this was dealt with, with its time.
      const fields = b.fields.filter(
        (f) => !f.text?.startsWith("*Status*\n") && !f.text?.startsWith("*Owner*\n"),
      );
      return fields.length > 0 ? [{ ...b, fields }] : [];
    }
    if (b.type === "section" && b.text?.text && !summarised) {
      // The summary: its heading, what the incident is, and last the breach sentence.
      summarised = true;
      const lines = b.text.text.split("\n");
      lines[0] = (lines[0] ?? "").replace(REMINDER, " (reminder)");
      if (lines.length > 1) lines[lines.length - 1] = past;
      return [{ ...b, text: { ...b.text, text: lines.join("\n") } }];
    }
    return [b];
  });
  return {
    text: (original.text ?? "Escalation dealt with").replace(REMINDER, " (reminder)"),
    blocks: [...kept, { type: "context", elements: [mrkdwn(`${dealtWithLine(p)}${ownerThen(p)}`)] }],
  };
}

/**
 * The incident channel's line when an unacknowledged breach climbs a rung of its ladder: what is
 * still wrong (clockProblem) and who was told. "INC-000001: nobody has acknowledged it yet, so
 * it went to the duty manager (@James)."
 */
export function ladderClimbLine(
  i: Pick<SlaIncident, "number">,
  p: {
    clock: string;
    clockName?: string;
    level: number;
    role: string;
    step: number;
    to: readonly string[];
    at: Date;
  },
  timezone: string,
) {
  const problem = clockProblem(p.clockName, p.clock);
  const role = roleLabel(p.role);
  const whom = p.to.map((u) => userMention(u)).join(", ");
  const what =
    p.to.length === 0
      ? `, but nobody holds the ${role} role to tell`
      : isReminder(p)
        ? `; reminded the ${role} (${whom}) again`
        : `, so it went to the ${role} (${whom})`;
  const text = `:mega: ${formatReference(i.number)}: ${problem}${what}.`;
  return {
    text,
    blocks: [section(text), { type: "context", elements: [mrkdwn(slackDate(p.at, timezone))] }],
  };
}
