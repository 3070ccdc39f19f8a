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
