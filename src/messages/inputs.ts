import { clip, plain } from "./text.js";

/** Block Kit pieces shared by every modal: input blocks, text inputs, selects. */

export const option = (value: string, label: string) => ({ text: plain(label, 75), value });

export function input(
  blockId: string,
  label: string,
  element: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return { type: "input", block_id: blockId, label: plain(label, 2000), element, ...extra };
}

export function textInput(
  max: number,
  opts: { actionId?: string; multiline?: boolean; initial?: string; placeholder?: string } = {},
) {
  return {
    type: "plain_text_input",
    action_id: opts.actionId ?? "value",
    max_length: max,
    ...(opts.multiline ? { multiline: true } : {}),
    ...(opts.initial ? { initial_value: clip(opts.initial, max) } : {}),
    ...(opts.placeholder ? { placeholder: plain(opts.placeholder, 150) } : {}),
  };
}

export function select(
  options: Array<{ value: string; label: string }>,
  initial?: string,
  actionId = "value",
) {
  const opts = options.map((o) => option(o.value, o.label));
  const chosen = opts.find((o) => o.value === initial);
  return {
    type: "static_select",
    action_id: actionId,
    options: opts,
    ...(chosen ? { initial_option: chosen } : {}),
  };
}
