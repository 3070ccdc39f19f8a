import { sql } from "drizzle-orm";
import { z } from "zod";
import { type CallbackTally, NO_CALLBACKS, REACHED_NO_ONE } from "../../domain/callbacks.js";
import { CALLBACK_OUTCOMES, CALLBACK_WANTED, type CallbackOutcome } from "../../domain/callers.js";
import type { DbOrTx, Tx } from "../client.js";

/**
 * The callback counts of caller reports `r`, as every surface counts them (so the card, the
 * callback list, Home, show and the review agree): `callbacks_wanted`, `callbacks_outstanding`
 * (no outcome yet), `callbacks_claimed` (outstanding and taken) and `callbacks_reached_no_one`
 * (made, "No answer"). Aggregates: use in a select over caller_reports aliased `r`.
 */
export const CALLBACK_COUNTS = sql`
  count(*) filter (where r.callback <> 'no') as callbacks_wanted,
  count(*) filter (where r.callback <> 'no' and r.callback_outcome is null) as callbacks_outstanding,
  count(*) filter (where r.callback <> 'no' and r.callback_outcome is null
                   and r.callback_claimed_by is not null) as callbacks_claimed,
  count(*) filter (where r.callback <> 'no' and r.callback_outcome = ${REACHED_NO_ONE})
    as callbacks_reached_no_one`;

const TallyRow = z.object({
  callbacks_wanted: z.coerce.number(),
  callbacks_outstanding: z.coerce.number(),
  callbacks_claimed: z.coerce.number(),
  callbacks_reached_no_one: z.coerce.number(),
  phone: z.coerce.number(),
  email: z.coerce.number(),
  sms: z.coerce.number(),
});

/** Where an incident's callbacks stand: counts only (the contacts table is never joined). */
export async function callbackTally(db: DbOrTx, incidentId: string): Promise<CallbackTally> {
  const [raw] = await db.execute(sql`
    select ${CALLBACK_COUNTS},
           count(*) filter (where r.callback = 'phone') as phone,
           count(*) filter (where r.callback = 'email') as email,
           count(*) filter (where r.callback = 'sms') as sms
    from caller_reports as r
    where r.incident_id = ${incidentId}::uuid and r.callback <> 'no'`);
  if (!raw) return { ...NO_CALLBACKS };
  const r = TallyRow.parse(raw);
  return {
    wanted: r.callbacks_wanted,
    outstanding: r.callbacks_outstanding,
    claimed: r.callbacks_claimed,
    reachedNoOne: r.callbacks_reached_no_one,
    byWay: { phone: r.phone, email: r.email, sms: r.sms },
  };
}

/** Who recorded the callers wanting a callback, and how many each recorded (counts only). */
export async function callbackRecorders(
  db: DbOrTx,
  incidentId: string,
): Promise<Array<{ agent: string; callbacks: number }>> {
  const rows = await db.execute<{ agent: string; n: string | number }>(sql`
    select reported_by as agent, count(*) as n from caller_reports
    where incident_id = ${incidentId}::uuid and callback <> 'no'
    group by reported_by order by reported_by`);
  return rows.map((r) => ({ agent: r.agent, callbacks: Number(r.n) }));
}

/**
 * Gives `actor` up to `limit` (null: every) unclaimed outstanding callbacks of the incident,
 * oldest caller first. `for update skip locked`: two agents taking ten at the same moment get
 * disjoint callbacks, neither waiting for the other. Returns the ids taken.
 */
export async function claimCallbacks(
  tx: Tx,
  p: { incidentId: string; actor: string; limit: number | null; now: Date },
): Promise<string[]> {
  const rows = await tx.execute<{ id: string }>(sql`
    with free as (
      select id from caller_reports
      where incident_id = ${p.incidentId}::uuid and callback <> 'no'
        and callback_outcome is null and callback_claimed_by is null
      order by contacted_at, id
      ${p.limit === null ? sql`` : sql`limit ${p.limit}`}
      for update skip locked
    )
    update caller_reports r
    set callback_claimed_by = ${p.actor}, callback_claimed_at = ${p.now.toISOString()}::timestamptz,
        updated_at = now()
    from free where r.id = free.id
    returning r.id`);
  return rows.map((r) => r.id);
}

const ClaimedRow = z.object({
  id: z.string(),
  contacted_at: z.coerce.date(),
  report_channel: z.string(),
  said: z.string().nullable(),
  callback: z.enum(CALLBACK_WANTED),
  callback_outcome: z.enum(CALLBACK_OUTCOMES).nullable(),
  caller_reference: z.string().nullable(),
  callback_contact: z.string().nullable(),
});

/** A callback as its claimer sees it: with the caller's details (personal data). */
export interface ClaimedCallback {
  id: string;
  contactedAt: Date;
  reportChannel: string;
  said: string | null;
  way: Exclude<(typeof CALLBACK_WANTED)[number], "no">;
  outcome: CallbackOutcome | null;
  callerReference: string | null;
  callbackContact: string | null;
}

/**
 * The callbacks `actor` holds on the incident, oldest first: the outstanding ones and those that
 * reached no one (to try again), then (when `ids` names them) those among `ids` already done.
 * Reads personal data: log the reveal.
 */
export async function claimedCallbacks(
  db: DbOrTx,
  p: { incidentId: string; actor: string; ids?: string[] },
): Promise<ClaimedCallback[]> {
  const also = p.ids?.length ? sql`or r.id = any(${sql.param(p.ids)}::uuid[])` : sql``;
  const rows = await db.execute(sql`
    select r.id, r.contacted_at, r.report_channel, r.said, r.callback, r.callback_outcome,
           c.caller_reference, c.callback_contact
    from caller_reports r
    left join caller_report_contacts c on c.report_id = r.id
    where r.incident_id = ${p.incidentId}::uuid and r.callback <> 'no'
      and r.callback_claimed_by = ${p.actor}
      and (r.callback_outcome is null or r.callback_outcome = ${REACHED_NO_ONE} ${also})
    order by r.contacted_at, r.id`);
  return rows.map((raw) => {
    const r = ClaimedRow.parse(raw);
    return {
      id: r.id,
      contactedAt: r.contacted_at,
      reportChannel: r.report_channel,
      said: r.said,
      way: r.callback === "no" ? "phone" : r.callback,
      outcome: r.callback_outcome,
      callerReference: r.caller_reference,
      callbackContact: r.callback_contact,
    };
  });
}

/**
 * Records what came of one callback, if `actor` holds it (an outcome can be corrected by them:
 * "no answer", then "reached" on the second try). Returns the outcome it had before, or
 * undefined when the callback is not theirs (or not of this incident).
 */
export async function recordCallbackOutcome(
  tx: Tx,
  p: { incidentId: string; reportId: string; actor: string; outcome: CallbackOutcome; now: Date },
): Promise<{ previous: CallbackOutcome | null } | undefined> {
  const [row] = await tx.execute<{ previous: CallbackOutcome | null }>(sql`
    with old as (
      select id, callback_outcome from caller_reports
      where id = ${p.reportId}::uuid and incident_id = ${p.incidentId}::uuid
        and callback <> 'no' and callback_claimed_by = ${p.actor}
      for update
    )
    update caller_reports r
    set callback_outcome = ${p.outcome}, callback_outcome_by = ${p.actor},
        callback_outcome_at = ${p.now.toISOString()}::timestamptz, updated_at = now()
    from old where r.id = old.id
    returning old.callback_outcome as previous`);
  return row ? { previous: row.previous } : undefined;
}

/** Who holds one callback of the incident, if anyone (null: not taken, undefined: no such callback). */
export async function callbackHolder(
  db: DbOrTx,
  p: { incidentId: string; reportId: string },
): Promise<string | null | undefined> {
  const [row] = await db.execute<{ by: string | null }>(sql`
    select callback_claimed_by as by from caller_reports
    where id = ${p.reportId}::uuid and incident_id = ${p.incidentId}::uuid and callback <> 'no'`);
  return row ? row.by : undefined;
}
