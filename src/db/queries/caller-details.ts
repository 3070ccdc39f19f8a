import { sql } from "drizzle-orm";
import { z } from "zod";
import { CALLBACK_WANTED } from "../../domain/callers.js";
import { REPORT_CHANNELS } from "../../domain/incident.js";
import type { DbOrTx } from "../client.js";

/** One caller report with its personal data, for "Show caller details" (never logged). */
export interface CallerDetail {
  reportChannel: (typeof REPORT_CHANNELS)[number];
  contactedAt: Date;
  callback: (typeof CALLBACK_WANTED)[number];
  callerReference: string | null;
  callbackContact: string | null;
  /** Its personal data was erased with retention. */
  erased: boolean;
}

const Row = z.object({
  report_channel: z.enum(REPORT_CHANNELS),
  contacted_at: z.coerce.date(),
  callback: z.enum(CALLBACK_WANTED),
  caller_reference: z.string().nullable(),
  callback_contact: z.string().nullable(),
  erased: z.boolean(),
});

/** Every caller report of the incident, first contact first, with its personal data. */
export async function callerDetailsOf(db: DbOrTx, incidentId: string): Promise<CallerDetail[]> {
  const rows = await db.execute(sql`
    select r.report_channel, r.contacted_at, r.callback,
           c.caller_reference, c.callback_contact, coalesce(c.erased_at is not null, false) as erased
    from caller_reports as r
    left join caller_report_contacts as c on c.report_id = r.id
    where r.incident_id = ${incidentId}::uuid
    order by r.contacted_at, r.created_at, r.id`);
  return rows.map((raw) => {
    const r = Row.parse(raw);
    return {
      reportChannel: r.report_channel,
      contactedAt: r.contacted_at,
      callback: r.callback,
      callerReference: r.caller_reference,
      callbackContact: r.callback_contact,
      erased: r.erased,
    };
  });
}
