import type { PracticeInject, PracticeInjectKind } from "../domain/policy-types.js";
import { clip, escapeClip, mrkdwn } from "./text.js";

/**
 * A drill's timed inject as the bot posts it in the practice channel (issue 23). Pure. The
 * first words say who would have said it and where, so a trainee knows what to act on, and
 * that it is part of the drill: nothing here went to a real channel or person.
 */

export interface InjectPostInput {
  inject: PracticeInject;
  /** 0-based place in the scenario, and how many there are. */
  position: number;
  count: number;
  /** The stakeholder channel the ask would have come from in a real incident, if the type has one. */
  stakeholderChannel: string | null;
}

const WHO: Record<PracticeInjectKind, string> = {
  callers: "More callers",
  stakeholder_asks: "Stakeholder",
  manager_asks_owner: "Manager",
  third_party_reply: "Third party",
  system_back: "System",
  note: "Drill note",
};

function heading(i: InjectPostInput): string {
  const kind = i.inject.kind;
  if (kind === "stakeholder_asks") {
    return i.stakeholderChannel
      ? `Stakeholder (would be in <#${i.stakeholderChannel}>)`
      : "Stakeholder (would be in a stakeholder channel)";
  }
  if (kind === "manager_asks_owner") return "Manager (would be a DM to the owner)";
  if (kind === "callers") {
    const n = i.inject.callers ?? 0;
    return `${WHO.callers}: ${n} added as caller reports`;
  }
  return WHO[kind];
}

/** "What to do" in a few words, so the inject teaches as well as tells. */
const PROMPT: Record<PracticeInjectKind, string> = {
  callers: "Check the priority still fits and brief the floor if it is spreading.",
  stakeholder_asks: "Answer with a stakeholder update (`/incident update`), not a reply here.",
  manager_asks_owner: "Make sure the incident has an owner, and say who.",
  third_party_reply: "Record what the supplier said in a note or an update.",
  system_back: "Check it really is back, then update stakeholders and resolve.",
  note: "",
};

export function practiceInjectPost(i: InjectPostInput) {
  const head = `*PRACTICE* · inject ${i.position + 1} of ${i.count} · *${heading(i)}*`;
  const prompt = PROMPT[i.inject.kind];
  const blocks: Array<Record<string, unknown>> = [
    { type: "section", text: mrkdwn(`${head}\n${escapeClip(i.inject.text, 2500)}`) },
  ];
  if (prompt) blocks.push({ type: "context", elements: [mrkdwn(prompt)] });
  return {
    text: clip(`PRACTICE inject ${i.position + 1}: ${i.inject.text}`, 3000),
    blocks,
  };
}
