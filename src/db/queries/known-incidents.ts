import { sql } from "drizzle-orm";
import { z } from "zod";
import { PRIORITIES } from "../../domain/incident.js";
import { parseReference } from "../../domain/reference.js";
import type { DbOrTx } from "../client.js";

/**
 * Open incidents an agent may be hearing about again, for the Log form's "Already known?" list
 * and its search. Both run while a trigger id (3 s) or an options request waits, so each is one
 * statement over the open incidents only (incidents_status_idx), with each one's caller count
 * read from caller_reports_incident_idx. Merged duplicates are resolved, so never open.
 */

/** What the form shows of a known incident (no personal data). */
export interface KnownIncident {
  id: string;
  number: number;
  priority: (typeof PRIORITIES)[number];
  major: boolean;
  title: string;
  affectedService: string | null;
  callers: number;
}

const Row = z.object({
  id: z.string(),
  number: z.coerce.number(),
  priority: z.enum(PRIORITIES),
  major: z.boolean(),
  title: z.string(),
  affected_service: z.string().nullable(),
  callers: z.coerce.number(),
});

/** Major as the card counts it (isMajor): flagged, or P1/P2. */
const MAJOR_FIRST = sql`(i.major or i.priority in ('P1', 'P2')) desc`;

// A practice drill (issue 23) is never offered for a real caller.
const OPEN = sql`i.status in ('open', 'acknowledged', 'in_progress', 'on_hold') and i.merged_into_id is null
  and i.practice_run_id is null`;

function toKnown(raw: unknown): KnownIncident {
  const r = Row.parse(raw);
  return {
    id: r.id,
    number: r.number,
    priority: r.priority,
    major: r.major,
    title: r.title,
    affectedService: r.affected_service,
    callers: r.callers,
  };
}

/** The `limit` open incidents most likely meant: major ones first, then the most recently active. */
export async function knownIncidents(db: DbOrTx, limit = 5): Promise<KnownIncident[]> {
  const rows = await db.execute(sql`
    select i.id, i.number, i.priority, i.major, i.title, i.affected_service,
           (select count(*) from caller_reports as r where r.incident_id = i.id) as callers
    from incidents as i
    where ${OPEN}
    order by ${MAJOR_FIRST}, i.updated_at desc, i.number desc
    limit ${limit}`);
  return rows.map(toKnown);
}

/** `%`, `_` and `\` typed by a person are matched as themselves. */
export function likePattern(typed: string): string {
  return `%${typed.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Open incidents whose title, affected service or reference (INC-000123) contains `typed`,
 * ignoring case: major first, then the most recently active, at most `limit`.
 */
export async function searchOpenIncidents(db: DbOrTx, typed: string, limit = 10): Promise<KnownIncident[]> {
  const pattern = likePattern(typed.trim());
  // Agents type references short ("INC-42", "inc-42", "42"), which no padded INC-000042 contains.
  const number = typedNumber(typed);
  const rows = await db.execute(sql`
    select i.id, i.number, i.priority, i.major, i.title, i.affected_service,
           (select count(*) from caller_reports as r where r.incident_id = i.id) as callers
    from incidents as i
    where ${OPEN}
      and (i.title ilike ${pattern}
           or i.affected_service ilike ${pattern}
           or ('INC-' || case when i.number < 1000000 then lpad(i.number::text, 6, '0') else i.number::text end)
              ilike ${pattern}
           or i.number = ${number ?? 0})
    order by ${MAJOR_FIRST}, i.updated_at desc, i.number desc
    limit ${limit}`);
  return rows.map(toKnown);
}

/** The incident number in a typed reference: `INC-42`, `inc-000042` or plain `42`; else null. */
export function typedNumber(typed: string): number | null {
  const bare = typed.trim();
  const n = /^\d{1,10}$/.test(bare) ? Number(bare) : parseReference(bare);
  // Past the integer column's range nothing can match (and PostgreSQL would refuse the value).
  return n !== null && n > 0 && n <= 2_147_483_647 ? n : null;
}
