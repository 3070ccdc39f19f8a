import { z } from "zod";
import { LEVELS, LIMITS, PRIORITIES, REPORT_CHANNELS } from "../../domain/incident.js";
import { LOG_FIELDS } from "../../messages/ids.js";
import { choice, optionalText, requiredText } from "./fields.js";

/** How far ahead of the server clock "reported at" may be (a browser clock running fast). */
const FUTURE_GRACE_MS = 2 * 60_000;
const MAX_AGE_MS = 90 * 24 * 3_600_000;

/**
 * The modal's parser, built once per policy because the incident types come from it (building
 * a zod schema costs far more than running one); `now` is read at each parse.
 */
export function logIncidentForm(typeKeys: readonly string[], now: () => Date) {
  const f = LOG_FIELDS;
  return z
    .object({
      [f.title]: requiredText("A title", LIMITS.title),
      [f.description]: requiredText("A description", LIMITS.description),
      [f.type]: z
        .string({ error: "Choose an incident type." })
        .refine(
          (v) => typeKeys.includes(v),
          "That incident type is not in the policy any more; choose another.",
        ),
      [f.reportChannel]: choice(REPORT_CHANNELS, "how the incident was reported"),
      [f.impact]: choice(LEVELS, "the impact"),
      [f.urgency]: choice(LEVELS, "the urgency"),
      [f.affectedService]: optionalText("The affected service", LIMITS.affectedService),
      [f.callerReference]: optionalText("The caller reference", LIMITS.callerReference),
      [f.reportedAt]: z
        .number({ error: "Give the date and time the customer reported it." })
        .int()
        .transform((s) => new Date(s * 1000))
        .refine((d) => d.getTime() <= now().getTime() + FUTURE_GRACE_MS, "The report time is in the future.")
        .refine(
          (d) => d.getTime() >= now().getTime() - MAX_AGE_MS,
          "The report time is more than 90 days ago.",
        ),
      [f.priorityOverride]: z.enum(PRIORITIES, { error: "Choose a priority from the list." }).optional(),
      [f.overrideReason]: optionalText("The reason", LIMITS.overrideReason),
    })
    .superRefine((form, ctx) => {
      if (form[f.priorityOverride] && !form[f.overrideReason]) {
        ctx.addIssue({
          code: "custom",
          path: [f.overrideReason],
          message: "Say why the priority is overridden (it is logged).",
        });
      }
    })
    .transform((form) => ({
      title: form[f.title],
      description: form[f.description],
      type: form[f.type],
      reportChannel: form[f.reportChannel],
      impact: form[f.impact],
      urgency: form[f.urgency],
      affectedService: form[f.affectedService],
      callerReference: form[f.callerReference],
      reportedAt: form[f.reportedAt],
      priorityOverride: form[f.priorityOverride],
      overrideReason: form[f.priorityOverride] ? form[f.overrideReason] : undefined,
    }));
}

export type LogIncidentForm = z.output<ReturnType<typeof logIncidentForm>>;

export const ModalMetadata = z
  .object({
    originChannel: z.string().optional(),
    source: z.object({ channel: z.string(), ts: z.string() }).optional(),
  })
  .catch({});

export function parseModalMetadata(raw: string | undefined) {
  try {
    return ModalMetadata.parse(raw ? JSON.parse(raw) : {});
  } catch {
    return {};
  }
}
