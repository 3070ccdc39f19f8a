import { sql } from "drizzle-orm";
import { z } from "zod";
import { type CallerCounts, RECENT_CALLERS_MS } from "../../domain/callers.js";
import type { Confirmation } from "../../domain/floor.js";
import type { DbOrTx } from "../client.js";
import { CLOCK_STATES, type SlaClockRow } from "../schema/index.js";
import { CALLBACK_COUNTS } from "./callbacks.js";
import type { CallerReferenceState } from "./incidents.js";

/** What the responder card shows beyond the incident row itself. */
export interface CardFacts {
  callerReference: CallerReferenceState;
  /** `onIt`: who acknowledged the clock's escalation from its DM (null before anyone did). */
  clocks: Array<Pick<SlaClockRow, "name" | "state"> & { breached: boolean; onIt: string | null }>;
  /** The most recent briefing, null before the first one. */
  briefing: { author: string; postedAt: Date; confirmations: Confirmation[] } | null;
  callers: CallerCounts;
}

const Row = z.object({
  caller_reference: z.string().nullable(),
  erased: z.boolean(),
  clocks: z.array(
    z.object({
      name: z.string(),
      state: z.enum(CLOCK_STATES),
      breached: z.boolean(),
      onIt: z.string().nullable(),
    }),
  ),
  briefing_author: z.string().nullable(),
  briefing_posted_at: z.coerce.date().nullable(),
  confirmations: z
    .array(z.object({ team: z.string(), leadId: z.string(), confirmedAt: z.coerce.date() }))
    .nullable(),
  callers: z.coerce.number(),
  recent_callers: z.coerce.number(),
  callbacks_wanted: z.coerce.number(),
  callbacks_outstanding: z.coerce.number(),
  callbacks_reached_no_one: z.coerce.number(),
});

/**
 * The card's facts in one statement instead of a read each (caller reference, clocks, latest
 * briefing, its confirmations): the card is drawn at every set-up and after every change, so
 * in a storm of breaches these reads are a good share of what the database is asked.
 */
export async function cardFactsOf(db: DbOrTx, incidentId: string, now = new Date()): Promise<CardFacts> {
  const recentSince = new Date(now.getTime() - RECENT_CALLERS_MS).toISOString();
  const [raw] = await db.execute(sql`
    select cr.value as caller_reference,
           coalesce(cr.erased_at is not null, false) as erased,
           coalesce((select json_agg(json_build_object(
                       'name', c.name, 'state', c.state, 'breached', c.breached_at is not null,
                       'onIt', c.ladder_acknowledged_by))
                     from sla_clocks as c where c.incident_id = one.id), '[]'::json) as clocks,
           b.author as briefing_author,
           b.posted_at as briefing_posted_at,
           case when b.id is not null then
             coalesce((select json_agg(json_build_object(
                         'team', bc.team, 'leadId', bc.lead_id, 'confirmedAt', bc.confirmed_at)
                         order by bc.confirmed_at)
                       from briefing_confirmations as bc where bc.briefing_id = b.id), '[]'::json)
           end as confirmations,
           calls.callers, calls.recent_callers, calls.callbacks_wanted, calls.callbacks_outstanding,
           calls.callbacks_reached_no_one
    from (select ${incidentId}::uuid as id) as one
    left join caller_references as cr on cr.incident_id = one.id
    left join lateral (
      select id, author, posted_at from briefings
      where incident_id = one.id
      order by posted_at desc, id desc
      limit 1
    ) as b on true
    cross join lateral (
      select count(*) as callers,
             count(*) filter (where r.contacted_at > ${recentSince}::timestamptz) as recent_callers,
             ${CALLBACK_COUNTS}
      from caller_reports as r where r.incident_id = one.id
    ) as calls`);
  const row = Row.parse(raw);
  return {
    callerReference: row.caller_reference
      ? { value: row.caller_reference, erased: false }
      : { value: null, erased: row.erased },
    clocks: row.clocks,
    briefing:
      row.briefing_author !== null && row.briefing_posted_at !== null
        ? {
            author: row.briefing_author,
            postedAt: row.briefing_posted_at,
            confirmations: row.confirmations ?? [],
          }
        : null,
    callers: {
      callers: row.callers,
      recent: row.recent_callers,
      callbacksWanted: row.callbacks_wanted,
      callbacksOutstanding: row.callbacks_outstanding,
      callbacksReachedNoOne: row.callbacks_reached_no_one,
    },
  };
}
