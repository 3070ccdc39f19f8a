import { z } from "zod";
import { actionDeadline } from "../../domain/action-due.js";
import { localToday } from "../../domain/action-reminders.js";
import { ACTION_FIELDS as F } from "../../messages/ids.js";
import { requiredText } from "./fields.js";

const DAY_MS = 86_400_000;
/** Further out than this is almost certainly a mistyped year (the review form says the same). */
const MAX_DUE_DAYS = 2 * 366;

/**
 * "Propose new date": a real date, today or later where the centre is, at most two years
 * ahead (a year like 9999 is a typo, and its deadline is not an instant PostgreSQL can hold),
 * and a reason.
 */
export function rescheduleForm(now: Date, timezone: string) {
  const today = localToday(now, timezone);
  return z
    .object({
      [F.dueOn]: z
        .string({ error: "Pick the new due date." })
        .refine((d) => actionDeadline(d, timezone) !== null, "Pick the new due date.")
        .refine((d) => d >= today, "The new date cannot be in the past.")
        .refine(
          (d) => Date.parse(d) - Date.parse(today) <= MAX_DUE_DAYS * DAY_MS,
          "The new date is more than two years away: check the year.",
        ),
      [F.reason]: requiredText("A reason", 500),
    })
    .transform((f) => ({ dueOn: f[F.dueOn], reason: f[F.reason] }));
}

const RescheduleMetadata = z.object({ actionId: z.uuid(), channel: z.string().optional() });

export function parseRescheduleMetadata(raw: string | undefined): z.infer<typeof RescheduleMetadata> | null {
  try {
    const parsed = RescheduleMetadata.safeParse(JSON.parse(raw ?? ""));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
