import { DateTime } from "luxon";

/**
 * The period of a KPI report, as whole calendar days in the policy's time zone.
 *
 * - `last n days`: today and the n − 1 days before it (so `7d` asked on a Wednesday covers
 *   Thursday of last week through today). The period runs to the end of today; nothing is
 *   logged in the future, so this equals "up to now" and the chart's days line up.
 * - `between from and to`: from the start of `from` to the end of `to`, both inclusive.
 *
 * An incident is "in the period" when it was LOGGED in [from, to): every figure of a report is
 * about the incidents logged in it, whenever they were acknowledged or resolved.
 * A local day is 23 or 25 hours long when daylight saving starts or ends; the bounds are local
 * midnights, so a day is always exactly one calendar day.
 */
export type ReportRange = { kind: "last"; days: number } | { kind: "between"; from: string; to: string };

export interface ReportPeriod {
  /** Inclusive start: local midnight of the first day. */
  from: Date;
  /** Exclusive end: local midnight after the last day. */
  to: Date;
  /** Every local calendar day in the period, YYYY-MM-DD, ascending. */
  days: string[];
  /** For people: "2026-11-17 – 2026-11-23 (7 days)". */
  label: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days a report may cover. Outside them nothing was logged and nothing will be, and the
 * far ends of the calendar are not even instants PostgreSQL takes (there is no year 0, and the
 * day after 9999-12-31 is a five-digit year), so a mistyped year is refused here, in words.
 */
export const FIRST_REPORT_DAY = "2000-01-01";
export const LAST_REPORT_DAY = "2100-12-31";

/** `date` is a real calendar day, YYYY-MM-DD, from FIRST_REPORT_DAY to LAST_REPORT_DAY. */
export function isReportDay(date: string): boolean {
  if (!ISO_DATE.test(date) || date < FIRST_REPORT_DAY || date > LAST_REPORT_DAY) return false;
  return DateTime.fromISO(date, { zone: "UTC" }).toISODate() === date;
}

function localDay(date: string, timezone: string): DateTime | null {
  if (!isReportDay(date)) return null;
  const day = DateTime.fromISO(date, { zone: timezone });
  return day.isValid && day.toISODate() === date ? day.startOf("day") : null;
}

/**
 * Whole local days `first`..`last` (inclusive) as a period; null for a bad date, zone or order,
 * or a day outside FIRST_REPORT_DAY..LAST_REPORT_DAY.
 */
export function periodOfDays(first: string, last: string, timezone: string): ReportPeriod | null {
  const start = localDay(first, timezone);
  const end = localDay(last, timezone);
  if (!start || !end || end < start) return null;
  const days: string[] = [];
  for (let day = start; day <= end; day = day.plus({ days: 1 })) days.push(day.toISODate()!);
  const count = days.length;
  return {
    from: start.toJSDate(),
    to: end.plus({ days: 1 }).startOf("day").toJSDate(),
    days,
    label: `${first} – ${last} (${count} day${count === 1 ? "" : "s"})`,
  };
}

/**
 * The report period a range names, read at `now` in `timezone`; null for an invalid range
 * (including one reaching outside FIRST_REPORT_DAY..LAST_REPORT_DAY).
 */
export function reportPeriod(range: ReportRange, now: Date, timezone: string): ReportPeriod | null {
  if (range.kind === "between") return periodOfDays(range.from, range.to, timezone);
  if (!Number.isInteger(range.days) || range.days < 1) return null;
  const today = DateTime.fromJSDate(now, { zone: timezone });
  if (!today.isValid) return null;
  const first = today.minus({ days: range.days - 1 }).toISODate()!;
  return periodOfDays(first, today.toISODate()!, timezone);
}

/**
 * The last whole week (Monday to Sunday, local) that ended at or before `now`: what the
 * weekly digest reports on. Run on a Monday morning it is the week that just ended.
 */
export function previousWeek(now: Date, timezone: string): ReportPeriod | null {
  const local = DateTime.fromJSDate(now, { zone: timezone });
  if (!local.isValid) return null;
  const thisMonday = local.startOf("day").minus({ days: local.weekday - 1 });
  const monday = thisMonday.minus({ days: 7 });
  return periodOfDays(monday.toISODate()!, monday.plus({ days: 6 }).toISODate()!, timezone);
}

/** How a chart groups the days: one point per day for a month or less, else one per week. */
export type Bucket = "day" | "week";

export function bucketFor(period: Pick<ReportPeriod, "days">): Bucket {
  return period.days.length <= 31 ? "day" : "week";
}

/**
 * Groups the period's days into chart buckets, in order: each day alone, or the days of each
 * ISO week (Monday first; the first and last week may be partial). `label` is the first day.
 */
export function chartBuckets(days: string[], bucket: Bucket): { label: string; days: string[] }[] {
  if (bucket === "day") return days.map((day) => ({ label: day, days: [day] }));
  const out: { label: string; days: string[] }[] = [];
  for (const day of days) {
    const weekday = DateTime.fromISO(day, { zone: "UTC" }).weekday;
    const last = out[out.length - 1];
    if (!last || weekday === 1) out.push({ label: day, days: [day] });
    else last.days.push(day);
  }
  return out;
}
