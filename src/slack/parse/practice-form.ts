import { z } from "zod";
import { PRACTICE_SPEEDS, type PracticeSpeed } from "../../domain/practice-scenarios.js";
import { PRACTICE_FIELDS as F } from "../../messages/ids.js";
import { ViewStateValues } from "./view-state.js";

/** The most trainees one drill takes: a drill is coaching, not a broadcast. */
export const MAX_TRAINEES = 10;

/** The form's block ids, in order (errors on an unknown path go to the first). */
export const PRACTICE_BLOCKS = Object.values(F);

const first = (values: ViewStateValues, block: string) => Object.values(values[block] ?? {})[0];

/**
 * *Start a practice drill*, read straight from the view state (the users select gives a list,
 * which readViewState does not carry). Keyed by block id, so errors land on their field.
 */
export const PracticeStartForm = z
  .unknown()
  .transform((raw) => {
    const parsed = ViewStateValues.safeParse(raw ?? {});
    const values = parsed.success ? parsed.data : {};
    return {
      [F.scenario]: first(values, F.scenario)?.selected_option?.value,
      [F.trainees]: first(values, F.trainees)?.selected_users ?? [],
      [F.speed]: first(values, F.speed)?.selected_option?.value,
    };
  })
  .pipe(
    z.object({
      [F.scenario]: z.string({ error: "Choose a scenario." }).min(1, "Choose a scenario."),
      [F.trainees]: z
        .array(z.string().regex(/^[UW][A-Z0-9]+$/))
        .min(1, "Choose at least one trainee.")
        .max(MAX_TRAINEES, `At most ${MAX_TRAINEES} trainees in one drill.`)
        .transform((ids) => [...new Set(ids)]),
      [F.speed]: z
        .string({ error: "Choose a speed." })
        .transform(Number)
        .refine(
          (n): n is PracticeSpeed => (PRACTICE_SPEEDS as readonly number[]).includes(n),
          "Choose a speed.",
        ),
    }),
  )
  .transform((form) => ({
    scenarioKey: form[F.scenario],
    traineeIds: form[F.trainees],
    speed: form[F.speed] as PracticeSpeed,
  }));

export type PracticeStartForm = z.output<typeof PracticeStartForm>;
