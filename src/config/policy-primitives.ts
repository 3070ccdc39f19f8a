import { z } from "zod";
import { DURATION_HINT, parseDuration } from "../domain/duration";
import { describeValue } from "./policy-errors";

/** The building blocks every part of the policy schema shares (policy-schema, practice-schema). */

/** A mapping that refuses unknown keys (typo protection) and says which keys it knows. */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? `unknown key (allowed: ${allowed})` : undefined),
  });
}

/** A duration as written in the policy ("15m", "4h", "2d"), in milliseconds. */
export const Duration = z.unknown().transform((value, ctx) => {
  const ms = typeof value === "string" ? parseDuration(value) : null;
  if (ms !== null) return ms;
  const message =
    value === undefined ? "required" : `${describeValue(value)} is not a duration (${DURATION_HINT})`;
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
});

export const SnakeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, { error: "must be snake_case (lower-case letters, digits and _)" });
