import { PRACTICE_COACHING } from "./ids.js";
import { clip, plain } from "./text.js";

/** Longest coaching notes: they are appended to the debrief, whose sections hold 3,000 characters. */
export const COACHING_MAX = 2_800;

/** *Add coaching notes* on a drill's debrief (the lead only). Pure. */
export function coachingNotesModal(p: { incidentId: string; reference: string; notes: string | null }) {
  return {
    type: "modal",
    callback_id: PRACTICE_COACHING.view,
    private_metadata: p.incidentId,
    title: plain("Coaching notes", 24),
    submit: plain("Save notes", 24),
    close: plain("Cancel", 24),
    blocks: [
      {
        type: "input",
        block_id: PRACTICE_COACHING.notes,
        label: plain(clip(`Coaching notes for practice drill ${p.reference}`, 2000)),
        hint: plain(
          "What went well and what to practise next. Shown under the debrief in the drill's channel; no caller details.",
        ),
        element: {
          type: "plain_text_input",
          action_id: "notes",
          multiline: true,
          max_length: COACHING_MAX,
          ...(p.notes ? { initial_value: clip(p.notes, COACHING_MAX) } : {}),
        },
      },
    ],
  };
}
