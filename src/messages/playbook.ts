import { z } from "zod";
import type { PlaybookStep } from "../domain/policy-types.js";
import { PLAYBOOK_ACTION } from "./ids.js";
import { clip, escapeMrkdwn, mrkdwn, plain, slackDate } from "./text.js";

/**
 * The checklist exactly as it was posted: the steps are copied from the policy at that moment
 * (and logged with playbook_posted), so a policy edited later cannot shift which step a tick
 * means or what the message shows.
 */
export interface PlaybookSnapshot {
  type: string;
  typeLabel: string;
  steps: PlaybookStep[];
}

export interface PlaybookTick {
  step: number;
  tickedBy: string;
  tickedAt: Date;
}

export const PlaybookSnapshot = z.object({
  type: z.string(),
  typeLabel: z.string(),
  steps: z
    .array(
      z.object({
        step: z.string(),
        guidance: z.string().nullable().catch(null),
        links: z.array(z.string()).catch([]),
      }),
    )
    .min(1),
});

/**
 * What each tick control carries: ids only (the incident, the step's index) and which way the
 * click goes. The step's words are read from the checklist as posted, never from the click; `s`
 * is what buttons posted before that carried, accepted and ignored.
 */
export const TickValue = z.object({
  inc: z.uuid(),
  i: z.number().int().min(0),
  s: z.string().min(1).optional(),
  done: z.boolean(),
});
export type TickValue = z.infer<typeof TickValue>;

export function parseTickValue(raw: string): TickValue | null {
  try {
    const parsed = TickValue.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const playbookBlockId = (index: number) => `playbook_step_${index}`;

/** A step's links as `<url|host/path>`: short enough to scan, still the real address. */
function linkLine(links: string[]): string | null {
  if (links.length === 0) return null;
  return `📖 ${links.map((url) => `<${url}|${escapeMrkdwn(linkLabel(url))}>`).join(" · ")}`;
}

export function linkLabel(url: string): string {
  try {
    const u = new URL(url);
    return clip(`${u.host}${u.pathname === "/" ? "" : u.pathname}`, 60);
  } catch {
    return clip(url, 60);
  }
}

function stepSection(
  p: { incidentId: string; timezone: string; closed: boolean },
  step: PlaybookStep,
  index: number,
  tick: PlaybookTick | undefined,
) {
  const title = `${index + 1}. ${escapeMrkdwn(step.step)}`;
  // Who ticked it comes right under the title: a long guidance or link list is what gets clipped.
  const lines = [
    tick ? `✅ ~${title}~` : `⬜ *${title}*`,
    tick ? `_✓ done by <@${tick.tickedBy}> at ${slackDate(tick.tickedAt, p.timezone)}_` : null,
    step.guidance ? escapeMrkdwn(step.guidance) : null,
    linkLine(step.links),
  ].filter((l): l is string => l !== null);
  const done = !tick;
  const value: TickValue = { inc: p.incidentId, i: index, done };
  return {
    type: "section",
    block_id: playbookBlockId(index),
    text: mrkdwn(lines.join("\n")),
    ...(p.closed
      ? {}
      : {
          accessory: {
            type: "button",
            action_id: PLAYBOOK_ACTION.tick,
            text: plain(done ? "Mark done" : "Undo", 75),
            value: JSON.stringify(value),
            ...(done ? { style: "primary" } : {}),
          },
        }),
  };
}

/**
 * The checklist posted in the incident channel: one section per step with its guidance and
 * knowledge-base links, and a button that ticks it (or undoes the tick). At most 20 steps
 * (the policy's limit) keeps it far inside Slack's 50 blocks.
 */
export function playbookChecklist(p: {
  incidentId: string;
  reference: string;
  snapshot: PlaybookSnapshot;
  ticks: PlaybookTick[];
  timezone: string;
  /** A closed incident's checklist is shown without buttons. */
  closed?: boolean;
}) {
  const byStep = new Map(p.ticks.map((t) => [t.step, t]));
  const steps = p.snapshot.steps.slice(0, 20);
  const doneCount = steps.filter((_, i) => byStep.has(i)).length;
  const ctx = { incidentId: p.incidentId, timezone: p.timezone, closed: p.closed ?? false };
  return {
    text: `${p.reference} playbook (${p.snapshot.typeLabel}): ${doneCount} of ${steps.length} steps done`,
    blocks: [
      { type: "header", text: plain(`Playbook: ${p.snapshot.typeLabel}`, 150) },
      {
        type: "context",
        elements: [
          mrkdwn(
            `${p.reference} · *${doneCount} of ${steps.length}* steps done · anyone in this channel can tick a step; each tick is logged with who and when.`,
          ),
        ],
      },
      ...steps.map((step, i) => stepSection(ctx, step, i, byStep.get(i))),
    ],
  };
}
