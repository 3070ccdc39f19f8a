/**
 * Typed text (a reason, a summary) put where a sentence ends. People end their own sentences
 * ("Still failing since 02:11.") or leave them open ("treat as major"); either way the reader
 * sees one full stop, never "02:11..", and what they typed ("Really?!", "waiting…") stays theirs.
 */

/** Ends a sentence: `.`, `!`, `?` or `…`, possibly inside a closing quote or bracket. */
const ENDED = /[.!?…]["'”’)\]]*$/u;

/** `text` trimmed, ending in exactly the one mark it ends with, or a full stop added. */
export function sentence(text: string): string {
  const trimmed = text.trimEnd();
  if (trimmed === "") return trimmed;
  return ENDED.test(trimmed) ? trimmed : `${trimmed}.`;
}
