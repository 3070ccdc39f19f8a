import { sql } from "drizzle-orm";

/**
 * Reports (the KPI report, its CSV, the weekly digest) read months of incidents; intake and
 * clock steps touch a few rows. Under load the reports yield: at most REPORTS_AT_ONCE of them
 * read at a time in each process (the others wait their turn, in order), and each of their
 * statements is cancelled after REPORT_STATEMENT_TIMEOUT_MS, so one slow report cannot hold
 * connections and CPU that a submission is waiting for. A report figure's queries run side by
 * side on up to 8 connections (inOneSnapshot): two reports at once take up to 16.
 */
export const REPORTS_AT_ONCE = 2;
export const REPORT_STATEMENT_TIMEOUT_MS = 30_000;

/** Run as the first statement of a report's transaction: `set local` ends with it. */
export const reportStatementTimeout = sql.raw(`set local statement_timeout = ${REPORT_STATEMENT_TIMEOUT_MS}`);

let running = 0;
const waiting: Array<() => void> = [];

/** Runs `read` once fewer than REPORTS_AT_ONCE reports are reading in this process. */
export async function asReport<T>(read: () => Promise<T>): Promise<T> {
  if (running >= REPORTS_AT_ONCE) await new Promise<void>((turn) => waiting.push(turn));
  else running++;
  try {
    return await read();
  } finally {
    // The turn passes straight to the next report waiting, so `running` stays counted.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** How many reports are reading and waiting right now (for tests and logs). */
export function reportLoad(): { running: number; waiting: number } {
  return { running, waiting: waiting.length };
}
