import { z } from "zod";

/** One input element's state as Slack sends it in `view.state.values[block_id][action_id]`. */
const ElementState = z
  .object({
    type: z.string(),
    value: z.string().nullish(),
    selected_option: z.object({ value: z.string() }).nullish(),
    selected_date_time: z.number().nullish(),
    selected_date: z.string().nullish(),
    selected_time: z.string().nullish(),
    selected_user: z.string().nullish(),
    selected_users: z.array(z.string()).nullish(),
    selected_options: z.array(z.object({ value: z.string() })).nullish(),
  })
  .loose();

export const ViewStateValues = z.record(z.string(), z.record(z.string(), ElementState));
export type ViewStateValues = z.infer<typeof ViewStateValues>;

/**
 * Flattens view state to `{ [block_id]: value }`, taking the first element of each block
 * (every input block holds one). Selects give the option value, pickers their number/string.
 */
export function readViewState(values: unknown): Record<string, string | number | undefined> {
  const parsed = ViewStateValues.safeParse(values ?? {});
  if (!parsed.success) return {};
  const out: Record<string, string | number | undefined> = {};
  for (const [blockId, actions] of Object.entries(parsed.data)) {
    const state = Object.values(actions)[0];
    if (!state) continue;
    out[blockId] =
      state.value ??
      state.selected_option?.value ??
      state.selected_date_time ??
      state.selected_date ??
      state.selected_user ??
      // Checkboxes: the chosen values, comma-joined ("" when none is ticked).
      state.selected_options?.map((o) => o.value).join(",") ??
      undefined;
  }
  return out;
}

/** Maps zod issues onto `response_action: "errors"`: the first message for each block id. */
export function toBlockErrors(error: z.ZodError, knownBlocks: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "");
    const block = knownBlocks.includes(key) ? key : knownBlocks[0];
    if (block && !(block in errors)) errors[block] = issue.message;
  }
  return errors;
}
