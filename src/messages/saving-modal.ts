import { VIEW } from "./ids.js";
import { mrkdwn, plain } from "./text.js";

/**
 * The views a form shows when its save outlives Slack's deadline: "saving" in the answer to
 * the submission, then (views.update, same view id) either what the form shows when it saves
 * in time, or the form again with the agent's entries and why it was not saved.
 */

type Json = Record<string, unknown>;
type Option = { value?: unknown };

/** What the agent sees while the save runs on after the answer Slack waits for. */
export function savingModal(p: { title: string; what: string }) {
  return {
    type: "modal" as const,
    callback_id: VIEW.saving,
    title: plain(p.title, 24),
    close: plain("Close", 24),
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:hourglass_flowing_sand: *Saving ${p.what}…*\nThis is taking longer than usual. ` +
            "Keep this window open: in a few seconds it shows the result here. " +
            "If it can't be saved, your entries come back here so you can press the button again.",
        ),
      },
    ],
  };
}

/** A form that closes when saved in time says so here instead, when it was saved late. */
export function savedModal(p: { title: string; text: string }) {
  return {
    type: "modal" as const,
    callback_id: VIEW.saving,
    title: plain(p.title, 24),
    close: plain("Done", 24),
    blocks: [{ type: "section", text: mrkdwn(`:white_check_mark: ${p.text}`) }],
  };
}

/**
 * The submitted form shown again, with the agent's entries filled in and `problem` on top.
 * Pure: `view` is the view as Slack sent it with the submission (blocks and state).
 */
export function formAgainModal(view: Json, problem: string): Json {
  const values = ((view.state as Json | undefined)?.values ?? {}) as Record<string, Record<string, Json>>;
  const blocks = ((view.blocks ?? []) as Json[])
    .filter((b) => b.block_id !== NOTICE_BLOCK)
    .map((b) => withEntry(b, values[String(b.block_id)]));
  const again: Json = {
    type: "modal",
    callback_id: view.callback_id,
    title: view.title,
    blocks: [
      { type: "section", block_id: NOTICE_BLOCK, text: mrkdwn(`:warning: *Not saved.* ${problem}`) },
      ...blocks,
    ].slice(0, 100),
  };
  for (const key of ["submit", "close", "private_metadata", "notify_on_close", "clear_on_close"]) {
    if (view[key] !== undefined && view[key] !== null) again[key] = view[key];
  }
  return again;
}

const NOTICE_BLOCK = "form_not_saved";

/** An input block whose element starts from what the agent had entered. */
function withEntry(block: Json, state: Record<string, Json> | undefined): Json {
  const element = block.element as Json | undefined;
  if (block.type !== "input" || !element || !state) return block;
  const entered = state[String(element.action_id)] ?? Object.values(state)[0];
  if (!entered) return block;
  const initial = initialFields(element, entered);
  return initial ? { ...block, element: { ...element, ...initial } } : block;
}

function initialFields(element: Json, s: Json): Json | null {
  const options = allOptions(element);
  const pick = (v: unknown) => options.find((o) => o.value === (v as Option | null)?.value);
  switch (element.type) {
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return typeof s.value === "string" && s.value !== "" ? { initial_value: s.value } : null;
    case "rich_text_input":
      return s.rich_text_value ? { initial_value: s.rich_text_value } : null;
    case "static_select":
    case "radio_buttons": {
      const option = pick(s.selected_option);
      return option ? { initial_option: option } : null;
    }
    case "multi_static_select":
    case "checkboxes": {
      const chosen = ((s.selected_options ?? []) as Option[]).map(pick).filter((o) => o !== undefined);
      return chosen.length > 0 ? { initial_options: chosen } : null;
    }
    case "users_select":
      return s.selected_user ? { initial_user: s.selected_user } : null;
    case "multi_users_select":
      return Array.isArray(s.selected_users) && s.selected_users.length > 0
        ? { initial_users: s.selected_users }
        : null;
    case "conversations_select":
      return s.selected_conversation ? { initial_conversation: s.selected_conversation } : null;
    case "channels_select":
      return s.selected_channel ? { initial_channel: s.selected_channel } : null;
    case "datepicker":
      return s.selected_date ? { initial_date: s.selected_date } : null;
    case "timepicker":
      return s.selected_time ? { initial_time: s.selected_time } : null;
    case "datetimepicker":
      return typeof s.selected_date_time === "number" ? { initial_date_time: s.selected_date_time } : null;
    default:
      return null;
  }
}

function allOptions(element: Json): Option[] {
  const groups = (element.option_groups ?? []) as Array<{ options?: Option[] }>;
  return [...((element.options ?? []) as Option[]), ...groups.flatMap((g) => g.options ?? [])];
}
