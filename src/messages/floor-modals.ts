import type { IncidentRow } from "../db/schema/index.js";
import { FLOOR_LIMITS, formatRate } from "../domain/floor.js";
import { formatReference } from "../domain/reference.js";
import { FLOOR_FIELDS as F, VIEW } from "./ids.js";
import { input, textInput } from "./inputs.js";
import { channelMention, clip, mrkdwn, plain } from "./text.js";
import { modal, type WorkModalMetadata } from "./work-modals.js";

type Subject = Pick<IncidentRow, "id" | "number" | "title">;

const context = (i: Subject, extra = "") => ({
  type: "context",
  elements: [mrkdwn(`*${formatReference(i.number)}* · ${clip(i.title, 150).replace(/[<>&]/g, "")}${extra}`)],
});

/** The customer-facing script for the agents' channels. */
export function briefAgentsModal(i: Subject, meta: WorkModalMetadata, agentChannels: readonly string[]) {
  const where = ` · goes to ${agentChannels.map((c) => channelMention(c)).join(", ")}`;
  return modal(VIEW.briefAgents, "Brief agents", "Post briefing", meta, [
    context(i, where),
    input(F.affected, "What is affected", textInput(FLOOR_LIMITS.affected, { multiline: true }), {
      hint: plain("In words a caller understands. Agents read this out: no caller names or account details."),
    }),
    input(F.script, "What to tell callers", textInput(FLOOR_LIMITS.script, { multiline: true })),
    input(F.workaround, "Workaround", textInput(FLOOR_LIMITS.workaround, { multiline: true }), {
      optional: true,
      hint: plain("What callers can do meanwhile, if anything."),
    }),
    input(
      F.nextUpdate,
      "Next update to agents by",
      { type: "datetimepicker", action_id: "value" },
      { optional: true },
    ),
  ]);
}

type ImpactNow = Pick<IncidentRow, "callsQueued" | "abandonmentRate" | "affectedQueue">;

/** Calls waiting, abandonment and the queue, prefilled with what was last recorded. */
export function recordImpactModal(i: Subject & ImpactNow, meta: WorkModalMetadata) {
  const initial = (v: string | null) => (v === null ? {} : { initial_value: v });
  return modal(VIEW.recordImpact, "Record impact", "Record", meta, [
    context(i),
    input(
      F.callsQueued,
      "Calls queued",
      {
        type: "number_input",
        action_id: "value",
        is_decimal_allowed: false,
        min_value: "0",
        ...initial(i.callsQueued === null ? null : String(i.callsQueued)),
      },
      { optional: true },
    ),
    input(
      F.abandonmentRate,
      "Abandonment rate (%)",
      {
        type: "number_input",
        action_id: "value",
        is_decimal_allowed: true,
        min_value: "0",
        max_value: "100",
        ...initial(i.abandonmentRate === null ? null : formatRate(i.abandonmentRate)),
      },
      { optional: true, hint: plain("0 to 100, at most one decimal place.") },
    ),
    input(
      F.affectedQueue,
      "Affected queue",
      textInput(FLOOR_LIMITS.affectedQueue, { initial: i.affectedQueue ?? undefined }),
      {
        optional: true,
        hint: plain("Fill in at least one of the three. A blank field is recorded as not known."),
      },
    ),
  ]);
}

export function askForHelpModal(i: Subject, meta: WorkModalMetadata) {
  return modal(VIEW.askForHelp, "Ask for help", "Ask", meta, [
    context(i),
    input(F.helpRequest, "What do you need?", textInput(FLOOR_LIMITS.helpRequest, { multiline: true }), {
      hint: plain(
        "Sent with the incident's summary to the support channel or your team lead. No caller details.",
      ),
    }),
  ]);
}
