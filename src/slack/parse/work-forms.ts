import { z } from "zod";
import { CLOSE_CODES, LEVELS, LIMITS, PRIORITIES } from "../../domain/incident.js";
import { HOLD_REASONS } from "../../domain/lifecycle.js";
import { findReference } from "../../domain/reference.js";
import { WORK_FIELDS as F } from "../../messages/ids.js";
import { DUPLICATE_OF_MAX } from "../../messages/work-modals.js";
import { optionalText, requiredText } from "./fields.js";

export const HoldForm = z
  .object({
    [F.holdReason]: z.enum(HOLD_REASONS, { error: "Choose why it is on hold." }),
    [F.holdNote]: optionalText("The details", LIMITS.reason),
  })
  .superRefine((f, ctx) => {
    if (f[F.holdReason] === "other" && !f[F.holdNote]) {
      ctx.addIssue({ code: "custom", path: [F.holdNote], message: "Say what it is waiting for." });
    }
  })
  .transform((f) => ({ reason: f[F.holdReason], note: f[F.holdNote] }));

/** "INC-000123", "inc-123", "123" or a line naming one: the incident's number; null otherwise. */
export function referenceNumberOf(text: string): number | null {
  const bare = /^\s*#?([0-9]+)\s*$/.exec(text)?.[1];
  const n = bare ? Number(bare) : findReference(text);
  return n !== null && Number.isSafeInteger(n) && n > 0 ? n : null;
}

export const ResolveForm = z
  .object({
    [F.summary]: requiredText("A resolution summary", LIMITS.resolution),
    [F.closeCode]: z.enum(CLOSE_CODES, { error: "Choose a close code." }),
    [F.duplicateOf]: optionalText("The master's reference", DUPLICATE_OF_MAX),
    [F.rootCause]: optionalText("The root cause", LIMITS.resolution),
    [F.callersNow]: optionalText("What to tell callers", LIMITS.callersNow),
  })
  .superRefine((f, ctx) => {
    if (f[F.closeCode] !== "duplicate") return;
    const given = f[F.duplicateOf];
    if (!given) {
      ctx.addIssue({
        code: "custom",
        path: [F.duplicateOf],
        message: "Say which incident this one duplicates (like INC-000123).",
      });
    } else if (referenceNumberOf(given) === null) {
      ctx.addIssue({
        code: "custom",
        path: [F.duplicateOf],
        message: "Write the master's reference, like INC-000123.",
      });
    }
  })
  .transform((f) => {
    // Only the close code Duplicate has a master; a reference typed for another code is ignored.
    const duplicateOf = f[F.closeCode] === "duplicate" ? referenceNumberOf(f[F.duplicateOf] ?? "") : null;
    return {
      summary: f[F.summary],
      closeCode: f[F.closeCode],
      rootCause: f[F.rootCause],
      callersNow: f[F.callersNow],
      ...(duplicateOf !== null ? { duplicateOf } : {}),
    };
  });

export const ReopenForm = z
  .object({ [F.reason]: requiredText("A reason", LIMITS.reason) })
  .transform((f) => ({ reason: f[F.reason] }));

/** Next update must be ahead of now (with a minute's grace for clock drift) and within a week. */
export function updateForm(now: Date) {
  return z
    .object({
      [F.happening]: requiredText("What is happening", LIMITS.update),
      [F.customerImpact]: requiredText("The customer impact", LIMITS.update),
      [F.nextUpdate]: z
        .number({ error: "Say when the next update will be." })
        .int()
        .transform((s) => new Date(s * 1000))
        .refine((d) => d.getTime() > now.getTime() - 60_000, "The next update must be in the future.")
        .refine(
          (d) => d.getTime() < now.getTime() + 7 * 86_400_000,
          "The next update must be within a week.",
        ),
      // The ticked audiences, comma-joined; absent when the form offered no choice.
      [F.audiences]: z.string().optional(),
    })
    .transform((f) => {
      const chosen = f[F.audiences];
      return {
        happening: f[F.happening],
        customerImpact: f[F.customerImpact],
        nextUpdateAt: f[F.nextUpdate],
        ...(chosen === undefined ? {} : { audiences: chosen.split(",").filter((k) => k !== "") }),
      };
    });
}

export function recategoriseForm(typeKeys: readonly string[]) {
  return z
    .object({
      [F.impact]: z.enum(LEVELS, { error: "Choose the impact." }),
      [F.urgency]: z.enum(LEVELS, { error: "Choose the urgency." }),
      [F.priority]: z.enum(["matrix", ...PRIORITIES], { error: "Choose a priority." }),
      [F.type]: z
        .string({ error: "Choose an incident type." })
        .refine((t) => typeKeys.includes(t), "That incident type is not in the policy any more."),
      [F.major]: z.string().optional(),
      [F.reason]: requiredText("A reason", LIMITS.reason),
    })
    .transform((f) => {
      const priority = f[F.priority];
      return {
        changes: {
          impact: f[F.impact],
          urgency: f[F.urgency],
          priorityOverride: priority === "matrix" ? null : priority,
          type: f[F.type],
          major: (f[F.major] ?? "").split(",").includes("major"),
        },
        reason: f[F.reason],
      };
    });
}

export const WorkModalMetadata = z.object({ incidentId: z.uuid(), channel: z.string().optional() });

export function parseWorkMetadata(raw: string | undefined): z.infer<typeof WorkModalMetadata> | null {
  try {
    const parsed = WorkModalMetadata.safeParse(JSON.parse(raw ?? ""));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
