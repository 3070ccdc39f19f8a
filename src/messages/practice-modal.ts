import type { PracticeScenario } from "../domain/policy-types.js";
import { PRACTICE_SPEEDS } from "../domain/practice-scenarios.js";
import { formatReference } from "../domain/reference.js";
import { PRACTICE_FIELDS as F, VIEW } from "./ids.js";
import { input, select } from "./inputs.js";
import { clip, escapeMrkdwn, mrkdwn, plain } from "./text.js";

/** The speed a drill runs at unless the lead chooses another. */
export const DEFAULT_PRACTICE_SPEED = 10;

/** Slack shows at most 100 options in a static select. */
const MAX_OPTIONS = 100;

/**
 * *Start a practice drill* (`/incident practice`): a scenario (its label, with its summary
 * under it), the trainee(s), and the speed the drill's clocks and injects run at.
 */
export function practiceStartModal(scenarios: readonly PracticeScenario[]) {
  const options = scenarios.slice(0, MAX_OPTIONS).map((s) => ({
    text: plain(s.label, 75),
    value: s.key,
    description: plain(clip(s.summary, 75), 75),
  }));
  return {
    type: "modal" as const,
    callback_id: VIEW.practiceStart,
    title: plain("Practice drill", 24),
    submit: plain("Start drill", 24),
    close: plain("Cancel", 24),
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          "A practice incident for your trainees, in a `practice-…` channel of its own. Nothing leaves that channel: no stakeholder, manager or customer hears of it.",
        ),
      },
      input(F.scenario, "Scenario", {
        type: "static_select",
        action_id: "value",
        placeholder: plain("Choose a scenario", 150),
        options,
      }),
      input(
        F.trainees,
        "Trainee(s)",
        { type: "multi_users_select", action_id: "value", placeholder: plain("Who is being trained", 150) },
        { hint: plain("The first one reports the incident; all of them are invited to its channel.", 150) },
      ),
      input(
        F.speed,
        "Speed",
        select(
          PRACTICE_SPEEDS.map((s) => ({ value: String(s), label: `${s}×${s === 1 ? " (real time)" : ""}` })),
          String(DEFAULT_PRACTICE_SPEED),
        ),
        { hint: plain("SLA clocks and the scenario's events run this many times faster.", 150) },
      ),
    ],
  };
}

/** What the form shows once the drill is started (or was, by an earlier submission). */
export function practiceStartedModal(p: { number: number; scenarioLabel: string; again: boolean }) {
  const ref = formatReference(p.number);
  const said = p.again
    ? `This drill was already started as *${ref}*; nothing more was started.`
    : `Practice drill *${ref}* started: _${escapeMrkdwn(clip(p.scenarioLabel, 150))}_.`;
  return {
    type: "modal" as const,
    callback_id: VIEW.logged,
    title: plain("Practice drill", 24),
    close: plain("Done", 24),
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:dart: ${said}\nIts channel opens in a moment; you and the trainees are invited. End it with \`/incident practice end\` in that channel.`,
        ),
      },
    ],
  };
}
