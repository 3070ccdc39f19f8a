import { DateTime, IANAZone } from "luxon";
import type { BusinessHours, SlaHours } from "./policy-types.js";
import { isoWeekday } from "./policy-types.js";

/**
 * Business hours in the shape the arithmetic needs. Semantics, shared by every function here:
 *
 * - A business day is a working day (in `days`, not in `holidays`) read in `timezone`. Its window
 *   runs from the local wall-clock `startMinute` to the local wall-clock `endMinute` of that date
 *   (1440 = the next midnight), each turned into an instant by luxon. A wall-clock time that does
 *   not exist (spring-forward gap) moves forward by the gap; one that occurs twice (fall-back)
 *   resolves to luxon's choice, the later instant.
 * - Business time is real elapsed milliseconds inside those windows. So a window that contains a
 *   DST change is shorter or longer than its nominal length: a 00:00–24:00 window on
 *   2026-03-29 in London holds 23 h of business time, on 2026-10-25 it holds 25 h. With every day
 *   00:00–24:00 and no holidays, business time therefore equals real time.
 * - A window is half-open, [open, close): the opening instant is business time, the closing
 *   instant is not.
 */
export interface Calendar {
  timezone: string;
  /** ISO weekdays, Monday 1 … Sunday 7. */
  days: number[];
  startMinute: number;
  endMinute: number;
  /** Local dates, YYYY-MM-DD. */
  holidays: ReadonlySet<string>;
}

interface Window {
  open: number;
  close: number;
}

// A calendar whose working days are all holidays would otherwise loop forever.
const MAX_YEARS = 20;
const MAX_DAYS = Math.ceil(MAX_YEARS * 366);

export function calendarFromPolicy(timezone: string, businessHours: BusinessHours): Calendar {
  if (!IANAZone.isValidZone(timezone)) throw new Error(`"${timezone}" is not an IANA time zone`);
  return {
    timezone,
    days: businessHours.days.map(isoWeekday),
    startMinute: businessHours.startMinute,
    endMinute: businessHours.endMinute,
    holidays: new Set(businessHours.holidays),
  };
}

function assertUsable(cal: Calendar): void {
  if (!cal.days.some((day) => Number.isInteger(day) && day >= 1 && day <= 7)) {
    throw new Error("business calendar has no working days, so business time never passes");
  }
  if (!(cal.startMinute >= 0 && cal.startMinute < cal.endMinute && cal.endMinute <= 1440)) {
    throw new Error(
      `business calendar needs 0 <= startMinute < endMinute <= 1440 (got ${cal.startMinute}–${cal.endMinute})`,
    );
  }
}

function assertDuration(ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`duration must be a finite ms >= 0 (got ${ms})`);
}

/** The local calendar date of an instant, as a UTC midnight used only for date arithmetic. */
function localDate(at: number, zone: string): DateTime {
  const local = DateTime.fromMillis(at, { zone });
  return DateTime.utc(local.year, local.month, local.day);
}

function wallClock(date: DateTime, minuteOfDay: number, zone: string): number {
  const { year, month, day } = minuteOfDay >= 1440 ? date.plus({ days: 1 }) : date;
  const minutes = minuteOfDay % 1440;
  const hour = Math.floor(minutes / 60);
  return DateTime.fromObject({ year, month, day, hour, minute: minutes % 60 }, { zone }).toMillis();
}

/** The business window of a local date, or null when the date has none. */
function windowOn(date: DateTime, cal: Calendar): Window | null {
  if (!cal.days.includes(date.weekday) || cal.holidays.has(date.toISODate() ?? "")) return null;
  const open = wallClock(date, cal.startMinute, cal.timezone);
  const close = wallClock(date, cal.endMinute, cal.timezone);
  return close > open ? { open, close } : null;
}

/**
 * Windows that end after `from`, in order, one local date at a time. Stops after the local date
 * of `until`, or after MAX_YEARS of dates, whichever comes first.
 */
function* windowsFrom(from: number, cal: Calendar, until = Number.POSITIVE_INFINITY): Generator<Window> {
  assertUsable(cal);
  if (Number.isNaN(from) || Number.isNaN(until)) throw new RangeError("business time needs valid Dates");
  const lastDate = Number.isFinite(until) ? localDate(until, cal.timezone).toMillis() : Infinity;
  let date = localDate(from, cal.timezone);
  for (let i = 0; i < MAX_DAYS && date.toMillis() <= lastDate; i++, date = date.plus({ days: 1 })) {
    const window = windowOn(date, cal);
    if (window && window.close > from) yield window;
  }
}

function noBusinessHours(from: number): Error {
  const at = new Date(from).toISOString();
  return new Error(`no business hours within ${MAX_YEARS} years after ${at}: check the days and holidays`);
}

/** Whether `at` is inside a business window ([open, close) on a working day), in the calendar's zone. */
export function isBusinessTime(at: Date, cal: Calendar): boolean {
  const t = at.getTime();
  assertUsable(cal);
  const window = windowOn(localDate(t, cal.timezone), cal);
  return window !== null && window.open <= t && t < window.close;
}

/**
 * The instant at which `ms` of business time has elapsed after `from`. Counting starts at `from`
 * if it is business time, else at the next opening.
 *
 * - ms = 0 returns `from` inside business hours, else the next opening (a closing instant is
 *   outside, so it also moves to the next opening).
 * - ms > 0 that is used up exactly at a closing instant returns that closing instant, not the next
 *   opening: the deadline is "by 18:00 Friday", and it is the earliest instant at which `ms` has
 *   elapsed. Results therefore lie in [open, close] of some business day.
 */
export function addBusinessTime(from: Date, ms: number, cal: Calendar): Date {
  assertDuration(ms);
  const start = from.getTime();
  let remaining = ms;
  for (const window of windowsFrom(start, cal)) {
    const begin = Math.max(window.open, start);
    const available = window.close - begin;
    if (remaining <= available) return new Date(begin + remaining);
    remaining -= available; // stays > 0, so ms = 0 only ever resolves in the first window
  }
  throw noBusinessHours(start);
}

/** Business milliseconds in [a, b); 0 when b <= a. */
export function businessTimeBetween(a: Date, b: Date, cal: Calendar): number {
  const from = a.getTime();
  const until = b.getTime();
  if (until <= from) return 0;
  let total = 0;
  for (const window of windowsFrom(from, cal, until)) {
    if (window.open >= until) break;
    total += Math.min(window.close, until) - Math.max(window.open, from);
  }
  return total;
}

/** `addBusinessTime` for business clocks; plain millisecond addition for 24×7 clocks. */
export function addClockTime(from: Date, ms: number, hours: SlaHours, cal: Calendar): Date {
  if (hours === "business") return addBusinessTime(from, ms, cal);
  assertDuration(ms);
  return new Date(from.getTime() + ms);
}

/** `businessTimeBetween` for business clocks; elapsed real milliseconds (>= 0) for 24×7 clocks. */
export function clockTimeBetween(a: Date, b: Date, hours: SlaHours, cal: Calendar): number {
  if (hours === "business") return businessTimeBetween(a, b, cal);
  return Math.max(0, b.getTime() - a.getTime());
}
