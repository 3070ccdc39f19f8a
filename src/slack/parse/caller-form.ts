import { z } from "zod";
import { CALLBACK_WANTED, CALLER_LIMITS } from "../../domain/callers.js";
import { LIMITS } from "../../domain/incident.js";
import { CALLER_CHANNELS } from "../../messages/caller-modal.js";
import { CALLER_FIELDS } from "../../messages/ids.js";
import { choice, optionalText } from "./fields.js";

/** How far ahead of the server clock "when" may be (a browser clock running fast). */
export const CALLER_FUTURE_GRACE_MS = 60_000;
/** How long before the incident was logged a caller may have got in touch. */
export const CALLER_BEFORE_LOGGED_MS = 24 * 3_600_000;

const F = CALLER_FIELDS;

/**
 * The Add a caller form's parser; `now` is read at each parse. The earliest allowed time
 * depends on the incident, so it is checked apart (callerTimeProblem) once the incident is read.
 */
export function addCallerForm(now: () => Date) {
  return z
    .object({
      [F.callerReference]: optionalText("The caller reference", LIMITS.callerReference),
      [F.reportChannel]: choice(CALLER_CHANNELS, "how they contacted us"),
      [F.contactedAt]: z
        .number({ error: "Give the date and time they got in touch." })
        .int()
        .transform((s) => new Date(s * 1000))
        .refine(
          (d) => d.getTime() <= now().getTime() + CALLER_FUTURE_GRACE_MS,
          "That time is in the future: give when they got in touch.",
        ),
      [F.said]: optionalText("What they said", CALLER_LIMITS.said),
      [F.callback]: choice(CALLBACK_WANTED, "whether they want a callback"),
      [F.callbackContact]: optionalText("The callback contact", CALLER_LIMITS.callbackContact),
    })
    .superRefine((form, ctx) => {
      if (form[F.callback] !== "no" && !form[F.callbackContact]) {
        ctx.addIssue({
          code: "custom",
          path: [F.callbackContact],
          message: "Give the number or address to call them back on, or choose No callback.",
        });
      }
    })
    .transform((form) => ({
      callerReference: form[F.callerReference] ?? null,
      reportChannel: form[F.reportChannel],
      contactedAt: form[F.contactedAt],
      said: form[F.said] ?? null,
      callback: form[F.callback],
      // A contact kept without a callback wanted would be personal data held for nothing.
      callbackContact: form[F.callback] === "no" ? null : (form[F.callbackContact] ?? null),
    }));
}

export type AddCallerForm = z.output<ReturnType<typeof addCallerForm>>;

/** The form's block ids, in order (errors on an unknown path go to the first). */
export const CALLER_BLOCKS = Object.values(CALLER_FIELDS);

/** Why `contactedAt` cannot be right for an incident logged at `loggedAt`; null when it can. */
export function callerTimeProblem(contactedAt: Date, loggedAt: Date): string | null {
  return contactedAt.getTime() < loggedAt.getTime() - CALLER_BEFORE_LOGGED_MS
    ? "That is more than a day before the incident was logged: is it the same problem? Check the time, or log a new incident."
    : null;
}

/** The form's private_metadata: the id of the incident the caller is added to. */
export function callerFormIncidentId(raw: string | undefined): string | null {
  const parsed = z.uuid().safeParse(raw ?? "");
  return parsed.success ? parsed.data : null;
}
