/** Types for blockkit.js (a plain ES module served to the browser as-is); see its JSDoc. */
import type { MrkdwnContext } from "./mrkdwn.js";

export interface BlockContext extends MrkdwnContext {
  errors?: Record<string, string>;
  botId?: string;
  idPrefix?: string;
}
export function renderBlocks(blocks: unknown, ctx?: BlockContext): string;
export function renderView(view: Record<string, unknown> | null | undefined, ctx?: BlockContext): string;
export function renderAttachments(attachments: unknown, ctx?: BlockContext): string;
export function renderOptions(answer: { options?: unknown[]; option_groups?: unknown[] }): string;
export function toZonedInput(unixSeconds: number, timeZone?: string): string;
export function fromZonedInput(value: string, timeZone?: string): number | null;
