/**
 * Text people typed, without the characters that change how it reads but cannot be seen.
 *
 * A right-to-left override (U+202E) makes `Invoice ‮gnp.exe‬` display as `Invoice exe.png`
 * to everyone who reads the announcement; a title of zero-width spaces looks blank but is not
 * empty. So every text field loses, before it is checked:
 * - bidirectional controls (U+202A–202E, U+2066–2069, U+200E, U+200F, U+061C);
 * - zero-width and other format characters (Unicode category Cf: U+200B, U+200C, U+2060,
 *   U+FEFF, the soft hyphen, …) and the rest of Unicode's default-ignorable set (the Hangul
 *   fillers that make "blank" names, U+034F, reserved ignorables).
 *
 * Kept, because emoji need them and they cannot reorder or hide text:
 * - the zero-width joiner (U+200D) between two emoji, as in 👨‍👩‍👧, 🏳️‍🌈 and 👩🏽‍💻;
 * - the tag characters of a complete subdivision flag (🏴 + tags + U+E007F, e.g. England's);
 * - a variation selector right after the character it selects a form of (❤️, 1️⃣, 葛󠄀).
 *
 * Only deletes: every other character, and the order of what is left, is untouched, so
 * ordinary text (accents, CJK, Arabic, Hebrew, emoji) comes back exactly as given. Cleaning
 * twice is the same as cleaning once. Whitespace is left for the caller to trim.
 */

const ZWJ = "\u200D";
const BLACK_FLAG = "\u{1F3F4}";
const CANCEL_TAG = "\u{E007F}";

/** Candidates for removal: format characters and default-ignorables. */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
/** Variation selectors, including Mongolian's free variation selectors. */
const VARIATION_SELECTOR = /^[\uFE00-\uFE0F\u180B-\u180D\u180F\u{E0100}-\u{E01EF}]$/u;
/** Tag characters that spell a subdivision (the cancel tag ends the run). */
const TAG = /^[\u{E0020}-\u{E007E}]$/u;
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
/** What may follow an emoji inside one emoji: VS16, keycap, skin tone, tags. */
const EMOJI_TAIL = /^[\uFE0F\u20E3\p{Emoji_Modifier}\u{E0020}-\u{E007F}]$/u;
const SPACE = /^\s$/u;

/** True when `char` (one code point) is one the cleaner may remove. */
export function isInvisible(char: string): boolean {
  return INVISIBLE.test(char);
}

export function cleanText(text: string): string {
  if (!INVISIBLE.test(text)) return text;
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (!INVISIBLE.test(char)) {
      out.push(char);
    } else if (char === ZWJ) {
      if (endsWithEmoji(out) && PICTOGRAPH.test(nextKept(chars, i + 1) ?? "")) out.push(char);
    } else if (VARIATION_SELECTOR.test(char)) {
      if (followsBase(out)) out.push(char);
    } else if (TAG.test(char) && out.at(-1) === BLACK_FLAG) {
      const flag = tagSequence(chars, i);
      if (flag) {
        out.push(...flag.tags);
        i = flag.end;
      }
    }
    // Anything else invisible (bidi controls, zero-width spaces, stray tags…) is dropped.
  }
  return out.join("");
}

/** Dropped wherever it stands: invisible and not one of the emoji helpers kept in context. */
function alwaysDropped(char: string): boolean {
  return (
    INVISIBLE.test(char) &&
    char !== ZWJ &&
    !VARIATION_SELECTOR.test(char) &&
    !TAG.test(char) &&
    char !== CANCEL_TAG
  );
}

/** The next character from `from` that is not dropped regardless of context. */
function nextKept(chars: string[], from: number): string | undefined {
  for (let i = from; i < chars.length; i++) if (!alwaysDropped(chars[i]!)) return chars[i];
  return undefined;
}

/** The output so far ends with a whole emoji (a pictograph plus any skin tone, VS16 or tags). */
function endsWithEmoji(out: string[]): boolean {
  let i = out.length - 1;
  while (i >= 0 && EMOJI_TAIL.test(out[i]!)) i--;
  return i >= 0 && PICTOGRAPH.test(out[i]!);
}

/** A variation selector needs a visible character right before it to select a form of. */
function followsBase(out: string[]): boolean {
  const last = out.at(-1);
  return last !== undefined && !SPACE.test(last) && !INVISIBLE.test(last);
}

/**
 * The tags of a subdivision flag starting at `start` (after 🏴): tag characters up to and
 * including the cancel tag, skipping anything dropped anyway. Null when the run never ends.
 */
function tagSequence(chars: string[], start: number): { tags: string[]; end: number } | null {
  const tags: string[] = [];
  for (let i = start; i < chars.length; i++) {
    const char = chars[i]!;
    if (TAG.test(char)) tags.push(char);
    else if (char === CANCEL_TAG) return { tags: [...tags, char], end: i };
    else if (!alwaysDropped(char)) return null;
  }
  return null;
}
