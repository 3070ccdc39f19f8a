import { blockValidator, formatErrors, pointerMessage, viewValidator } from "./block-kit-schema";

/**
 * Pure Block Kit validators: the shared JSON Schema plus the payload-level rules it leaves out.
 * Every function returns Slack-style messages (`<problem> [json-pointer:/blocks/0/text]`);
 * an empty array means valid.
 */

/** Slack's per-surface block limits (the schema allows 100 everywhere). */
export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;
/** Cumulative text of a message (blocks' text plus `text`). */
export const MAX_MESSAGE_TEXT = 40_000;
/** Cumulative text of all markdown blocks in one payload. */
export const MAX_MARKDOWN_TEXT = 12_000;
/** "250kb" per Slack; taken as 250,000 bytes of JSON so the fake errs on the strict side. */
export const MAX_VIEW_BYTES = 250_000;

export interface PayloadProblem {
  error: "invalid_blocks" | "msg_blocks_too_long" | "invalid_arguments" | "view_too_large";
  messages: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validateBlock(block: unknown, pointer: string): string[] {
  if (!isObject(block)) return [pointerMessage("must be an object", pointer)];
  if (typeof block.type !== "string") return [pointerMessage("missing required field: type", pointer)];
  const validate = blockValidator(block.type);
  if (!validate) return [pointerMessage(`unsupported block type "${block.type}"`, `${pointer}/type`)];
  return validate(block) ? [] : formatErrors(validate.errors, pointer);
}

function duplicateBlockIds(blocks: unknown[], pointer: string): string[] {
  const seen = new Set<string>();
  const errors: string[] = [];
  blocks.forEach((block, i) => {
    if (!isObject(block) || typeof block.block_id !== "string") return;
    if (seen.has(block.block_id)) {
      errors.push(pointerMessage(`duplicate block_id "${block.block_id}"`, `${pointer}/${i}/block_id`));
    }
    seen.add(block.block_id);
  });
  return errors;
}

/** action_ids must be unique among the interactive elements of one block (actions, context_actions). */
function duplicateActionIds(blocks: unknown[], pointer: string): string[] {
  const errors: string[] = [];
  blocks.forEach((block, i) => {
    if (!isObject(block) || !Array.isArray(block.elements)) return;
    const seen = new Set<string>();
    block.elements.forEach((element: unknown, j: number) => {
      if (!isObject(element) || typeof element.action_id !== "string") return;
      if (seen.has(element.action_id)) {
        const at = `${pointer}/${i}/elements/${j}/action_id`;
        errors.push(pointerMessage(`duplicate action_id "${element.action_id}"`, at));
      }
      seen.add(element.action_id);
    });
  });
  return errors;
}

function markdownTotal(blocks: unknown[], pointer: string): string[] {
  let total = 0;
  for (const block of blocks) {
    if (isObject(block) && block.type === "markdown" && typeof block.text === "string")
      total += block.text.length;
  }
  return total > MAX_MARKDOWN_TEXT
    ? [pointerMessage(`markdown blocks must total no more than ${MAX_MARKDOWN_TEXT} characters`, pointer)]
    : [];
}

function validateBlockList(blocks: unknown, pointer: string, maxBlocks: number): string[] {
  if (!Array.isArray(blocks)) return [pointerMessage("must be an array", pointer)];
  const errors: string[] = [];
  if (blocks.length > maxBlocks)
    errors.push(pointerMessage(`no more than ${maxBlocks} items allowed`, pointer));
  blocks.forEach((block, i) => {
    errors.push(...validateBlock(block, `${pointer}/${i}`));
  });
  errors.push(...duplicateBlockIds(blocks, pointer), ...duplicateActionIds(blocks, pointer));
  errors.push(...markdownTotal(blocks, pointer));
  return errors;
}

/** Sum of every string under a `text` key, at any depth. */
export function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textLength(item), 0);
  if (!isObject(value)) return 0;
  let total = 0;
  for (const [key, child] of Object.entries(value)) {
    total += key === "text" && typeof child === "string" ? child.length : textLength(child);
  }
  return total;
}

/** A message's `blocks`. An empty array is accepted (it means "no blocks", e.g. chat.update clearing them). */
export function validateMessageBlocks(blocks: unknown): string[] {
  if (Array.isArray(blocks) && blocks.length === 0) return [];
  return validateBlockList(blocks, "/blocks", MAX_MESSAGE_BLOCKS);
}

/** A modal or home view, including its size. */
export function validateView(view: unknown): string[] {
  if (!isObject(view)) return [pointerMessage("must be an object", "/view")];
  const validate = typeof view.type === "string" ? viewValidator(view.type) : undefined;
  if (!validate) return [pointerMessage(`unsupported view type "${String(view.type)}"`, "/view/type")];
  const errors = validate(view) ? [] : formatErrors(validate.errors, "/view");
  if (Array.isArray(view.blocks) && view.blocks.length > 0) {
    errors.push(...validateBlockList(view.blocks, "/view/blocks", MAX_VIEW_BLOCKS));
  }
  const bytes = Buffer.byteLength(JSON.stringify(view));
  if (bytes > MAX_VIEW_BYTES)
    errors.push(pointerMessage(`view is ${bytes} bytes; limit ${MAX_VIEW_BYTES}`, "/view"));
  return [...new Set(errors)];
}

/** What Slack answers for a message payload: `invalid_blocks`, `msg_blocks_too_long`, or null if fine. */
export function checkMessage(input: { text?: string; blocks?: unknown }): PayloadProblem | null {
  if (input.blocks === undefined) return null;
  const errors = validateMessageBlocks(input.blocks);
  if (errors.length > 0) return { error: "invalid_blocks", messages: errors };
  const total = textLength(input.blocks) + (input.text?.length ?? 0);
  if (total > MAX_MESSAGE_TEXT) {
    return {
      error: "msg_blocks_too_long",
      messages: [
        pointerMessage(`message text totals ${total} characters; limit ${MAX_MESSAGE_TEXT}`, "/blocks"),
      ],
    };
  }
  return null;
}

/** What Slack answers for a view payload: `view_too_large`, `invalid_arguments`, or null if fine. */
export function checkView(view: unknown): PayloadProblem | null {
  if (isObject(view) && Buffer.byteLength(JSON.stringify(view)) > MAX_VIEW_BYTES) {
    return { error: "view_too_large", messages: validateView(view) };
  }
  const errors = validateView(view);
  return errors.length > 0 ? { error: "invalid_arguments", messages: errors } : null;
}

/** Slack's limits on an options answer (block_suggestion) and on the typing that asks for one. */
export const MAX_OPTIONS = 100;
export const MAX_OPTION_GROUPS = 100;
export const MAX_OPTION_TEXT = 75;
export const MAX_OPTION_VALUE = 150;
/** `min_query_length` when an external select does not set it. */
export const DEFAULT_MIN_QUERY_LENGTH = 3;

function optionProblems(option: unknown, pointer: string): string[] {
  if (!isObject(option)) return [pointerMessage("must be an object", pointer)];
  const errors: string[] = [];
  const text = option.text;
  if (!isObject(text) || text.type !== "plain_text" || typeof text.text !== "string") {
    errors.push(pointerMessage("must be a plain_text object", `${pointer}/text`));
  } else if (text.text.length === 0 || text.text.length > MAX_OPTION_TEXT) {
    errors.push(pointerMessage(`must be 1 to ${MAX_OPTION_TEXT} characters`, `${pointer}/text/text`));
  }
  if (
    typeof option.value !== "string" ||
    option.value.length === 0 ||
    option.value.length > MAX_OPTION_VALUE
  ) {
    errors.push(
      pointerMessage(`must be a string of 1 to ${MAX_OPTION_VALUE} characters`, `${pointer}/value`),
    );
  }
  return errors;
}

function optionListProblems(options: unknown, pointer: string): string[] {
  if (!Array.isArray(options)) return [pointerMessage("must be an array", pointer)];
  const errors: string[] = [];
  if (options.length > MAX_OPTIONS)
    errors.push(pointerMessage(`no more than ${MAX_OPTIONS} items allowed`, pointer));
  options.forEach((o, i) => {
    errors.push(...optionProblems(o, `${pointer}/${i}`));
  });
  return errors;
}

/**
 * What the Slack client makes of an app's answer to a `block_suggestion`: `{ options }` or
 * `{ option_groups }` (exactly one), at most 100 options (or groups of at most 100), each
 * option's text plain_text of at most 75 characters and its value at most 150. An empty array
 * means valid; Slack itself shows nothing for an invalid answer.
 */
export function validateOptionsAnswer(answer: unknown): string[] {
  if (!isObject(answer)) return [pointerMessage("must be an object", "")];
  const hasOptions = "options" in answer;
  const hasGroups = "option_groups" in answer;
  if (hasOptions === hasGroups) {
    return [pointerMessage("must have exactly one of options or option_groups", "")];
  }
  if (hasOptions) return optionListProblems(answer.options, "/options");
  const groups = answer.option_groups;
  if (!Array.isArray(groups)) return [pointerMessage("must be an array", "/option_groups")];
  const errors: string[] = [];
  if (groups.length > MAX_OPTION_GROUPS) {
    errors.push(pointerMessage(`no more than ${MAX_OPTION_GROUPS} items allowed`, "/option_groups"));
  }
  groups.forEach((g, i) => {
    const at = `/option_groups/${i}`;
    if (!isObject(g)) {
      errors.push(pointerMessage("must be an object", at));
      return;
    }
    const label = g.label;
    if (
      !isObject(label) ||
      label.type !== "plain_text" ||
      typeof label.text !== "string" ||
      label.text.length > MAX_OPTION_TEXT
    ) {
      errors.push(
        pointerMessage(`must be plain_text of at most ${MAX_OPTION_TEXT} characters`, `${at}/label`),
      );
    }
    errors.push(...optionListProblems(g.options, `${at}/options`));
  });
  return errors;
}

/** The element `actionId` of block `blockId` in a view, if there is one. */
function elementOf(view: unknown, blockId: string, actionId: string): Record<string, unknown> | undefined {
  if (!isObject(view) || !Array.isArray(view.blocks)) return undefined;
  const block = view.blocks.find((b) => isObject(b) && b.block_id === blockId);
  if (!isObject(block)) return undefined;
  const candidates = [
    block.element,
    block.accessory,
    ...(Array.isArray(block.elements) ? block.elements : []),
  ];
  return candidates.find((e): e is Record<string, unknown> => isObject(e) && e.action_id === actionId);
}

/**
 * Whether the Slack client sends a `block_suggestion` for `typed` in that element: only external
 * selects ask, and only once the person has typed `min_query_length` characters (default 3).
 * Returns why not, or null when it would.
 */
export function suggestionRefusal(
  view: unknown,
  p: { blockId: string; actionId: string; typed: string },
): string | null {
  const element = elementOf(view, p.blockId, p.actionId);
  if (!element) return `no element ${p.actionId} in block ${p.blockId}`;
  if (element.type !== "external_select" && element.type !== "multi_external_select") {
    return `${p.actionId} is a ${String(element.type)}, which does not load options`;
  }
  const min =
    typeof element.min_query_length === "number" ? element.min_query_length : DEFAULT_MIN_QUERY_LENGTH;
  return p.typed.length < min ? `fewer than min_query_length (${min}) characters typed` : null;
}
