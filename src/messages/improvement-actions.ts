import type { ActionListRow } from "../db/queries/action-steps.js";
import type { ImprovementActionRow, IncidentRow } from "../db/schema/index.js";
import { formatActionReference, formatDueOn, isOverdue } from "../domain/action-reminders.js";
import { formatLongDuration } from "../domain/duration.js";
import { formatReference } from "../domain/reference.js";
import { ACTION_FIELDS, IMPROVEMENT_ACTION, VIEW } from "./ids.js";
import { input, textInput } from "./inputs.js";
import { clip, escapeMrkdwn, mrkdwn, plain } from "./text.js";

/**
 * DMs about improvement actions. They name the incident by reference and title only: never
 * its caller reference (personal data).
 */

type Action = Pick<ImprovementActionRow, "id" | "number" | "description" | "ownerId" | "dueOn">;
type Incident = Pick<IncidentRow, "number" | "title">;

const section = (text: string) => ({ type: "section", text: mrkdwn(text) });

function subject(a: Action, i: Incident): string {
  return (
    `*${formatActionReference(a.number)}* · ${escapeMrkdwn(clip(a.description, 1500))}\n` +
    `From ${formatReference(i.number)} · ${escapeMrkdwn(clip(i.title, 150))}`
  );
}

function buttons(a: Action) {
  return {
    type: "actions",
    block_id: "improvement_action_buttons",
    elements: [
      {
        type: "button",
        action_id: IMPROVEMENT_ACTION.markDone,
        text: plain("Mark done", 75),
        style: "primary",
        value: a.id,
      },
      {
        type: "button",
        action_id: IMPROVEMENT_ACTION.proposeDate,
        text: plain("Propose new date", 75),
        value: a.id,
      },
    ],
  };
}

/** "a day", "an hour", "2 days", "1 day 6 hours": a policy duration as someone would say it. */
export function spokenDuration(ms: number): string {
  const words = formatLongDuration(ms);
  return words === "1 hour" ? "an hour" : words.replace(/^1 (day|minute|second)$/, "a $1");
}

function dm(text: string, body: string, a: Action) {
  return { text, blocks: [section(body), buttons(a)] };
}

/** To the owner when the action is given to them. */
export function actionAssignedDm(a: Action, i: Incident, p: { remindBeforeMs: number; reminder: boolean }) {
  const ref = formatActionReference(a.number);
  const due = formatDueOn(a.dueOn);
  const when = p.reminder
    ? `I'll remind you ${spokenDuration(p.remindBeforeMs)} before.`
    : "That is close, so there will be no separate reminder.";
  return dm(
    `New improvement action for you: ${ref}, due ${due}`,
    `:clipboard: *A preventive action is yours*\n${subject(a, i)}\n*Due:* ${due} (end of the day). ${when}`,
    a,
  );
}

/** To the owner, remind_before the due date. */
export function actionReminderDm(a: Action, i: Incident) {
  const ref = formatActionReference(a.number);
  const due = formatDueOn(a.dueOn);
  return dm(
    `Reminder: ${ref} is due ${due}`,
    `:alarm_clock: *Reminder: due ${due}* (end of the day)\n${subject(a, i)}\nDone already? Mark it done. Need longer? Propose a new date.`,
    a,
  );
}

/** To the owner, at the deadline. */
export function actionOverdueDm(a: Action, i: Incident, p: { escalateAfterMs: number }) {
  const ref = formatActionReference(a.number);
  return dm(
    `${ref} is overdue`,
    `:warning: *Overdue: was due ${formatDueOn(a.dueOn)}*\n${subject(a, i)}\n` +
      `If it is still open in ${spokenDuration(p.escalateAfterMs)}, your team lead will be told.`,
    a,
  );
}

/** To the owner's team lead(s), when the action is overdue by the grace period. */
export function actionEscalationDm(a: Action, i: Incident, p: { daysOverdue: number }) {
  const ref = formatActionReference(a.number);
  const late = p.daysOverdue === 1 ? "1 day" : `${p.daysOverdue} days`;
  const overdue = p.daysOverdue > 0 ? `${late} overdue` : "overdue";
  return dm(
    `${ref} owned by <@${a.ownerId}> is ${overdue}`,
    `:rotating_light: *Improvement action ${overdue}* (owner <@${a.ownerId}>, was due ${formatDueOn(a.dueOn)})\n${subject(a, i)}`,
    a,
  );
}

/** Replaces a DM once its action is done: no buttons left to press. */
export function actionDoneDm(a: Action, i: Incident, p: { doneBy: string }) {
  const ref = formatActionReference(a.number);
  return {
    text: `${ref} is done`,
    blocks: [section(`:white_check_mark: *Done* (marked by <@${p.doneBy}>)\n${subject(a, i)}`)],
  };
}

/** To the incident owner (and the action owner) when someone else moved the due date. */
export function actionRescheduledDm(
  a: Action,
  i: Incident,
  p: { by: string; from: string; to: string; reason: string },
) {
  const ref = formatActionReference(a.number);
  return {
    text: `${ref} moved to ${formatDueOn(p.to)}`,
    blocks: [
      section(
        `:calendar: <@${p.by}> moved *${ref}* from ${formatDueOn(p.from)} to *${formatDueOn(p.to)}*\n` +
          `${subject(a, i)}\n*Reason:* ${escapeMrkdwn(clip(p.reason, 500))}`,
      ),
    ],
  };
}

export interface RescheduleMetadata {
  actionId: string;
  /** Where the button was pressed, for the confirmation. */
  channel?: string;
}

/** "Propose new date": a date no earlier than today and a reason. */
export function rescheduleModal(a: Action, p: { today: string; channel?: string }) {
  return {
    type: "modal" as const,
    callback_id: VIEW.actionReschedule,
    title: plain("Propose new date", 24),
    submit: plain("Move date", 24),
    close: plain("Cancel", 24),
    private_metadata: JSON.stringify({
      actionId: a.id,
      ...(p.channel ? { channel: p.channel } : {}),
    } satisfies RescheduleMetadata),
    blocks: [
      {
        type: "context",
        elements: [
          mrkdwn(
            `*${formatActionReference(a.number)}* · ${escapeMrkdwn(clip(a.description, 200))} · due ${formatDueOn(a.dueOn)}`,
          ),
        ],
      },
      input(ACTION_FIELDS.dueOn, "New due date", {
        type: "datepicker",
        action_id: "value",
        initial_date: a.dueOn >= p.today ? a.dueOn : p.today,
      }),
      input(ACTION_FIELDS.reason, "Why does it need to move?", textInput(500, { multiline: true })),
    ],
  };
}

/** `/incident actions`: one line per action, overdue ones flagged; `more` says the list is cut. */
export function actionList(
  rows: ActionListRow[],
  p: { heading: string; empty: string; now: Date; more: boolean },
) {
  if (rows.length === 0) return { text: p.empty, blocks: [section(p.empty)] };
  const blocks: Record<string, unknown>[] = [section(`*${p.heading}* (${rows.length}${p.more ? "+" : ""})`)];
  for (const r of rows) blocks.push(section(actionLine(r, p.now)));
  if (p.more) {
    blocks.push({
      type: "context",
      elements: [mrkdwn(`Showing the ${rows.length} due soonest; there are more.`)],
    });
  }
  return { text: `${p.heading} (${rows.length}${p.more ? "+" : ""})`, blocks };
}

function actionLine(r: ActionListRow, now: Date): string {
  const overdue = isOverdue(r, now);
  const status = overdue
    ? ":warning: *Overdue*"
    : r.status === "open"
      ? "Open"
      : r.status === "done"
        ? "Done"
        : "Cancelled";
  return (
    `*${formatActionReference(r.number)}* · ${formatReference(r.incidentNumber)} · ${escapeMrkdwn(clip(r.description, 300))}\n` +
    `Owner <@${r.ownerId}> · due ${formatDueOn(r.dueOn)} · ${status}`
  );
}
