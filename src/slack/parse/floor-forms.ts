import { z } from "zod";
import { FLOOR_LIMITS } from "../../domain/floor.js";
import { FLOOR_FIELDS as F } from "../../messages/ids.js";
import { optionalText, requiredText } from "./fields.js";

const WEEK_MS = 7 * 86_400_000;

/** Optional next-update time: ahead of now (a minute's grace for clock drift), within a week. */
function optionalNextUpdate(now: Date) {
  return z
    .number({ error: "Pick a date and time." })
    .int()
    .optional()
    .transform((s) => (s === undefined ? null : new Date(s * 1000)))
    .refine(
      (d) => d === null || d.getTime() > now.getTime() - 60_000,
      "The next update must be in the future.",
    )
    .refine(
      (d) => d === null || d.getTime() < now.getTime() + WEEK_MS,
      "The next update must be within a week.",
    );
}

export function briefAgentsForm(now: Date) {
  return z
    .object({
      [F.affected]: requiredText("What is affected", FLOOR_LIMITS.affected),
      [F.script]: requiredText("What to tell callers", FLOOR_LIMITS.script),
      [F.workaround]: optionalText("The workaround", FLOOR_LIMITS.workaround),
      [F.nextUpdate]: optionalNextUpdate(now),
    })
    .transform((f) => ({
      affected: f[F.affected],
      script: f[F.script],
      workaround: f[F.workaround] ?? null,
      nextUpdateAt: f[F.nextUpdate],
    }));
}

/** A blank number field is "not known"; Slack sends numbers as strings. */
const blank = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const CallsQueued = z.preprocess(
  blank,
  z
    .string({ error: "Calls queued must be a whole number." })
    .trim()
    .regex(/^\d{1,7}$/, "Calls queued must be a whole number, 0 or more.")
    .transform(Number)
    .optional(),
);

const AbandonmentRate = z.preprocess(
  blank,
  z
    .string({ error: "The abandonment rate must be a number." })
    .trim()
    .regex(
      /^\d{1,3}(\.\d)?$/,
      "The abandonment rate must be a percentage from 0 to 100, at most one decimal place.",
    )
    .transform(Number)
    .refine((n) => n <= 100, "The abandonment rate cannot be more than 100%.")
    .optional(),
);

export const RecordImpactForm = z
  .object({
    [F.callsQueued]: CallsQueued,
    [F.abandonmentRate]: AbandonmentRate,
    [F.affectedQueue]: optionalText("The queue name", FLOOR_LIMITS.affectedQueue),
  })
  .superRefine((f, ctx) => {
    if (f[F.callsQueued] === undefined && f[F.abandonmentRate] === undefined && !f[F.affectedQueue]) {
      ctx.addIssue({
        code: "custom",
        path: [F.callsQueued],
        message: "Fill in at least one: calls queued, abandonment rate or the affected queue.",
      });
    }
  })
  .transform((f) => ({
    callsQueued: f[F.callsQueued] ?? null,
    abandonmentRate: f[F.abandonmentRate] ?? null,
    affectedQueue: f[F.affectedQueue] ?? null,
  }));
export type RecordImpactForm = z.output<typeof RecordImpactForm>;

export const AskForHelpForm = z
  .object({ [F.helpRequest]: requiredText("What you need", FLOOR_LIMITS.helpRequest) })
  .transform((f) => ({ request: f[F.helpRequest] }));
