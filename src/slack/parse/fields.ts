import { z } from "zod";
import { cleanText } from "../../domain/clean-text.js";

/** zod pieces shared by the modal parsers; messages are written for the person filling the form. */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as it will be kept, before checking (and before trimming): text and jsonb cannot hold
 * NUL, and nobody can see one, so it is dropped; half a surrogate pair is not a character, so it
 * becomes U+FFFD (what storing it as UTF-8 would make of it anyway), and a log entry quoting the
 * text says the same. Bidi controls and zero-width characters go too (see `cleanText`), so a
 * field of nothing but those is empty, and no text is shown to anyone reordered or hidden.
 * Every text field of every form and command goes through here.
 */
export function normaliseText(text: string): string {
  return cleanText(text.replaceAll("\u0000", "").replace(LONE_SURROGATE, "\uFFFD"));
}

const storable = (v: unknown) => (typeof v === "string" ? normaliseText(v) : v);

export const requiredText = (what: string, max: number) =>
  z.preprocess(
    storable,
    z
      .string({ error: `${what} is required.` })
      .trim()
      .min(1, `${what} is required.`)
      .max(max, `${what} is too long: at most ${max} characters.`),
  );

/** Blank counts as not given. */
export const optionalText = (what: string, max: number) =>
  z.preprocess(
    storable,
    z
      .string({ error: `${what} must be text.` })
      .trim()
      .max(max, `${what} is too long: at most ${max} characters.`)
      .optional()
      .transform((v) => v || undefined),
  );

export const choice = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: `Choose ${what}.` });
