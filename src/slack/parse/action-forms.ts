import { z } from "zod";
import { actionDeadline } from "../../domain/action-due.js";
import { localToday } from "../../domain/action-reminders.js";
import { ACTION_FIELDS as F } from "../ids.js";
import { requiredText } from "./fields.js";

/** "Propose new date": a real date, today or later where the centre is, and a reason. */
export function rescheduleForm(now: Date, timezone: string) {
  const today = localToday(now, timezone);
  return z
    .object({
      [F.dueOn]: z
        .string({ error: "Pick the new due date." })
        .refine((d) => actionDeadline(d, timezone) !== null, "Pick the new due date.")
        .refine((d) => d >= today, "The new date cannot be in the past."),
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
