/** Types for mrkdwn.js (a plain ES module served to the browser as-is); see its JSDoc. */
export interface MrkdwnContext {
  users?: Record<string, { name: string }>;
  channels?: Record<string, { name: string }>;
  timezone?: string;
  now?: number | Date;
  hour12?: boolean;
}
export const EMOJI: Record<string, string>;
export function escapeHtml(text: unknown): string;
export function decodeSlack(text: string): string;
export function emojify(text: string): string;
export function renderMrkdwn(text: unknown, ctx?: MrkdwnContext): string;
export function zonedParts(
  ms: number,
  timeZone: string,
): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
};
export function formatSlackDate(unixSeconds: number, format: string, ctx?: MrkdwnContext): string;
export function renderPlain(obj: { text?: unknown; emoji?: boolean } | string | null | undefined): string;
export function renderText(
  obj: { type?: string; text?: unknown; emoji?: boolean; verbatim?: boolean } | null | undefined,
  ctx?: MrkdwnContext,
): string;
