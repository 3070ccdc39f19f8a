import { z } from "zod";

/** zod pieces shared by the modal parsers; messages are written for the person filling the form. */

/** PostgreSQL text and jsonb cannot hold NUL, and nobody can see one: it is dropped before checking. */
const withoutNul = (v: unknown) => (typeof v === "string" ? v.replaceAll("\u0000", "") : v);

export const requiredText = (what: string, max: number) =>
  z.preprocess(
    withoutNul,
    z
      .string({ error: `${what} is required.` })
      .trim()
      .min(1, `${what} is required.`)
      .max(max, `${what} is too long: at most ${max} characters.`),
  );

/** Blank counts as not given. */
export const optionalText = (what: string, max: number) =>
  z.preprocess(
    withoutNul,
    z
      .string({ error: `${what} must be text.` })
      .trim()
      .max(max, `${what} is too long: at most ${max} characters.`)
      .optional()
      .transform((v) => v || undefined),
  );

export const choice = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: `Choose ${what}.` });
