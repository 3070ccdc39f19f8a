import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  addBusinessTime,
  addClockTime,
  businessTimeBetween,
  type Calendar,
  calendarFromPolicy,
  clockTimeBetween,
  isBusinessTime,
} from "../../../src/domain/business-time.js";
import type { BusinessHours } from "../../../src/domain/policy-types.js";
import { dueAt, pausedTimeBetween } from "../../../src/domain/sla.js";

const H = 3_600_000;
const DAY = 24 * H;
const LONDON = "Europe/London";
const NEW_YORK = "America/New_York";
const ZONES = [LONDON, NEW_YORK] as const;
const HOLIDAYS = new Set(["2026-12-25", "2026-12-28"]);

const weekdays = (timezone: string, overrides: Partial<Calendar> = {}): Calendar => ({
  timezone,
  days: [1, 2, 3, 4, 5],
  startMinute: 8 * 60,
  endMinute: 18 * 60,
  holidays: HOLIDAYS,
  ...overrides,
});
const everyDay = (timezone: string, startMinute = 8 * 60, endMinute = 18 * 60) =>
  weekdays(timezone, { days: [1, 2, 3, 4, 5, 6, 7], startMinute, endMinute });

/** A local wall-clock time ("2026-03-27T17:00") in `zone`, as an instant. */
const at = (zone: string, local: string) => DateTime.fromISO(local, { zone }).toJSDate();
/** An instant as local ISO with offset, so DST shows in the expectations. */
const show = (date: Date, zone: string) =>
  DateTime.fromJSDate(date, { zone }).toISO({ suppressMilliseconds: true });

describe("calendarFromPolicy", () => {
  const hours: BusinessHours = {
    days: ["mon", "wed", "sun"],
    start: "08:00",
    end: "24:00",
    startMinute: 480,
    endMinute: 1440,
    holidays: ["2026-12-25"],
  };

  it("maps weekdays to ISO numbers, keeps minutes and holidays, and refuses a zone that is not IANA", () => {
    const cal = calendarFromPolicy(LONDON, hours);
    expect(cal).toMatchObject({ timezone: LONDON, days: [1, 3, 7], startMinute: 480, endMinute: 1440 });
    expect([...cal.holidays]).toEqual(["2026-12-25"]);
    expect(() => calendarFromPolicy("Mars/Olympus", hours)).toThrow(/IANA/);
  });
});

describe("isBusinessTime", () => {
  it.each([
    ["Monday at opening", "2026-03-23T08:00", true],
    ["Monday 1 ms before closing", "2026-03-23T17:59:59.999", true],
    ["Monday at closing", "2026-03-23T18:00", false],
    ["Monday before opening", "2026-03-23T07:59", false],
    ["Saturday midday", "2026-03-28T12:00", false],
    ["Christmas Day (holiday)", "2026-12-25T10:00", false],
    ["Monday 28 Dec (holiday)", "2026-12-28T10:00", false],
  ])("%s (%s local) → %s in both zones", (_name, local, expected) => {
    for (const zone of ZONES) expect(isBusinessTime(at(zone, local), weekdays(zone))).toBe(expected);
  });
});

describe("addBusinessTime on Mon–Fri 08:00–18:00 with holidays 25 and 28 Dec", () => {
  it.each([
    // [zone, from (local), ms, expected (local with offset)]
    [LONDON, "2026-03-20T17:00", 2 * H, "2026-03-23T09:00:00+00:00"],
    [LONDON, "2026-03-27T17:00", 2 * H, "2026-03-30T09:00:00+01:00"], // across spring DST weekend
    [LONDON, "2026-10-23T17:00", 2 * H, "2026-10-26T09:00:00+00:00"], // across autumn DST weekend
    [NEW_YORK, "2026-03-06T17:00", 2 * H, "2026-03-09T09:00:00-04:00"],
    [NEW_YORK, "2026-10-30T17:00", 2 * H, "2026-11-02T09:00:00-05:00"],
    [LONDON, "2026-03-28T12:00", 90 * 60_000, "2026-03-30T09:30:00+01:00"], // from Saturday
    [NEW_YORK, "2026-03-07T23:00", 3 * H, "2026-03-09T11:00:00-04:00"],
    [LONDON, "2026-12-24T17:00", 2 * H, "2026-12-29T09:00:00+00:00"], // across Christmas
    [NEW_YORK, "2026-12-24T17:00", 2 * H, "2026-12-29T09:00:00-05:00"],
    [LONDON, "2026-03-23T08:00", 10 * H, "2026-03-23T18:00:00+00:00"], // used up at closing: closing
    [LONDON, "2026-03-23T08:00", 10 * H + 1, "2026-03-24T08:00:00.001+00:00"],
    [LONDON, "2026-03-23T18:00", H, "2026-03-24T09:00:00+00:00"], // from closing
    [LONDON, "2026-03-23T06:00", 5 * 10 * H, "2026-03-27T18:00:00+00:00"], // one working week
  ])("%s %s + %d ms → %s", (zone, from, ms, expected) => {
    expect(show(addBusinessTime(at(zone, from), ms, weekdays(zone)), zone)).toBe(expected);
  });

  it.each([
    ["inside hours: from itself", "2026-03-23T10:15", "2026-03-23T10:15:00+00:00"],
    ["exactly at opening: from itself", "2026-03-23T08:00", "2026-03-23T08:00:00+00:00"],
    ["exactly at closing: next opening", "2026-03-27T18:00", "2026-03-30T08:00:00+01:00"],
    ["on Saturday: Monday opening", "2026-03-28T12:00", "2026-03-30T08:00:00+01:00"],
    ["on a holiday: next working opening", "2026-12-25T09:00", "2026-12-29T08:00:00+00:00"],
  ])("ms = 0 %s", (_name, from, expected) => {
    expect(show(addBusinessTime(at(LONDON, from), 0, weekdays(LONDON)), LONDON)).toBe(expected);
  });

  it("refuses a negative duration and a calendar with no working days", () => {
    const from = at(LONDON, "2026-03-23T10:00");
    expect(() => addBusinessTime(from, -1, weekdays(LONDON))).toThrow(RangeError);
    expect(() => addBusinessTime(from, H, weekdays(LONDON, { days: [] }))).toThrow(/no working days/);
  });
});

describe("business time on the DST change days themselves", () => {
  it.each([
    // Sunday is a working day, 08:00–18:00: the window is 10 h either side of the change.
    [LONDON, "2026-03-28T17:00", 2 * H, "2026-03-29T09:00:00+01:00"],
    [LONDON, "2026-10-24T17:00", 2 * H, "2026-10-25T09:00:00+00:00"],
    [NEW_YORK, "2026-03-07T17:00", 2 * H, "2026-03-08T09:00:00-04:00"],
    [NEW_YORK, "2026-10-31T17:00", 2 * H, "2026-11-01T09:00:00-05:00"],
  ])("every-day calendar: %s %s + %d ms → %s", (zone, from, ms, expected) => {
    expect(show(addBusinessTime(at(zone, from), ms, everyDay(zone)), zone)).toBe(expected);
  });

  // Decision: business time is real elapsed ms inside the local wall-clock window, so a 00:00–24:00
  // day holds 23 h on the spring change and 25 h on the autumn one, and 24×7 equals real time.
  it.each([
    [LONDON, "2026-03-29", "2026-03-30", 23 * H, "2026-03-30T01:00:00+01:00"],
    [LONDON, "2026-10-25", "2026-10-26", 25 * H, "2026-10-25T23:00:00+00:00"],
    [NEW_YORK, "2026-03-08", "2026-03-09", 23 * H, "2026-03-09T01:00:00-04:00"],
    [NEW_YORK, "2026-11-01", "2026-11-02", 25 * H, "2026-11-01T23:00:00-05:00"],
  ])("00:00–24:00 calendar: %s %s (to %s) holds %d ms; +24 h ends %s", (zone, day, next, len, end) => {
    const cal = everyDay(zone, 0, 1440);
    expect(businessTimeBetween(at(zone, day), at(zone, next), cal)).toBe(len);
    expect(show(addBusinessTime(at(zone, day), 24 * H, cal), zone)).toBe(end);
  });

  it("a Sunday-only 24 h calendar spends 23 h on 29 March, then 1 h of the next Sunday", () => {
    const cal = { ...everyDay(LONDON, 0, 1440), days: [7] };
    const sunday = at(LONDON, "2026-03-29");
    expect(show(addBusinessTime(sunday, 24 * H, cal), LONDON)).toBe("2026-04-05T01:00:00+01:00");
  });

  it("a window spanning the spring-forward gap is an hour shorter than its wall-clock length", () => {
    const cal = everyDay(LONDON, 30, 180); // 00:30–03:00
    const [sat, sun] = [at(LONDON, "2026-03-28"), at(LONDON, "2026-03-29")];
    expect(businessTimeBetween(sat, sun, cal)).toBe(2.5 * H);
    expect(businessTimeBetween(sun, at(LONDON, "2026-03-30"), cal)).toBe(1.5 * H);
  });
});

describe("businessTimeBetween", () => {
  it.each([
    ["Fri 17:00 → Mon 09:00", "2026-03-27T17:00", "2026-03-30T09:00", 2 * H],
    ["a whole weekend", "2026-03-28T00:00", "2026-03-30T00:00", 0],
    ["Thu 24 Dec 17:00 → Tue 29 Dec 09:00", "2026-12-24T17:00", "2026-12-29T09:00", 2 * H],
    ["a whole week", "2026-03-23T00:00", "2026-03-30T00:00", 50 * H],
    ["end before start", "2026-03-24T12:00", "2026-03-23T12:00", 0],
  ])("%s (%s → %s) is %d ms in both zones", (_name, from, to, expected) => {
    for (const zone of ZONES)
      expect(businessTimeBetween(at(zone, from), at(zone, to), weekdays(zone))).toBe(expected);
  });
});

describe("clock time dispatch", () => {
  it("an `always` clock is plain millisecond arithmetic, whatever the calendar", () => {
    const cal = weekdays(LONDON);
    const from = at(LONDON, "2026-03-28T12:00"); // a Saturday, outside business hours
    expect(addClockTime(from, 2 * H, "always", cal).getTime()).toBe(from.getTime() + 2 * H);
    expect(clockTimeBetween(from, new Date(from.getTime() + 5 * H), "always", cal)).toBe(5 * H);
    expect(clockTimeBetween(new Date(from.getTime() + 5 * H), from, "always", cal)).toBe(0);
    expect(show(addClockTime(from, 2 * H, "business", cal), LONDON)).toBe("2026-03-30T10:00:00+01:00");
  });
});

const zone = fc.constantFrom(...ZONES);
const [MIN, MAX] = [new Date("2026-01-01T00:00:00Z"), new Date("2028-12-31T00:00:00Z")];
const instant = fc.date({ min: MIN, max: MAX, noInvalidDate: true });
const duration = fc.integer({ min: 0, max: 30 * DAY });
const isoDate = instant.map((d) => d.toISOString().slice(0, 10));

// At least 20 h of business time a week keeps 30 days of it within a year of dates, so runs stay fast.
function calendarArb(minStartMinute = 0): fc.Arbitrary<Calendar> {
  const minutes = fc.integer({ min: minStartMinute, max: 1440 });
  return fc
    .record({
      timezone: zone,
      days: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
      bounds: fc.tuple(minutes, minutes).filter(([a, b]) => a < b),
      holidays: fc.uniqueArray(isoDate, { maxLength: 8 }),
    })
    .map(({ bounds: [startMinute, endMinute], holidays, ...rest }) => ({
      ...rest,
      startMinute,
      endMinute,
      holidays: new Set(holidays),
    }))
    .filter((c) => c.days.length * (c.endMinute - c.startMinute) >= 20 * 60);
}

const RUNS = { numRuns: 100 };

describe("business-time properties", () => {
  it("with ms > 0, the result lies within [open, close] of a business day, never before `from`", () => {
    fc.assert(
      fc.property(calendarArb(), instant, fc.integer({ min: 1, max: 30 * DAY }), (cal, from, ms) => {
        const end = addBusinessTime(from, ms, cal);
        expect(end.getTime()).toBeGreaterThan(from.getTime());
        // Inside, or the closing instant: the millisecond before it was business time.
        expect(isBusinessTime(end, cal) || isBusinessTime(new Date(end.getTime() - 1), cal)).toBe(true);
      }),
      RUNS,
    );
  }, 30_000);

  it("the business time between `from` and from + ms is exactly ms", () => {
    fc.assert(
      fc.property(calendarArb(), instant, duration, (cal, from, ms) => {
        expect(businessTimeBetween(from, addBusinessTime(from, ms, cal), cal)).toBe(ms);
      }),
      RUNS,
    );
  }, 30_000);

  it("adding more business time never gives an earlier instant", () => {
    fc.assert(
      fc.property(calendarArb(), instant, duration, duration, (cal, from, x, y) => {
        const [small, large] = [
          addBusinessTime(from, Math.min(x, y), cal),
          addBusinessTime(from, Math.max(x, y), cal),
        ];
        expect(small.getTime()).toBeLessThanOrEqual(large.getTime());
      }),
      RUNS,
    );
  }, 30_000);

  it("pausing then resuming never shortens a deadline and adds exactly the paused clock time", () => {
    const offset = fc.integer({ min: 0, max: 10 * DAY });
    const hours = fc.constantFrom("always" as const, "business" as const);
    fc.assert(
      fc.property(calendarArb(), hours, instant, duration, offset, offset, (cal, h, startedAt, d, p, r) => {
        const pausedAt = new Date(startedAt.getTime() + p);
        const resumedAt = new Date(pausedAt.getTime() + r);
        const pausedMs = pausedTimeBetween(pausedAt, resumedAt, h, cal);
        const unpaused = dueAt({ startedAt, durationMs: d, hours: h, pausedMs: 0 }, cal);
        const paused = dueAt({ startedAt, durationMs: d, hours: h, pausedMs }, cal);
        expect(paused.getTime()).toBeGreaterThanOrEqual(unpaused.getTime());
        expect(clockTimeBetween(unpaused, paused, h, cal)).toBe(pausedMs);
      }),
      RUNS,
    );
  }, 30_000);

  it("a 00:00–24:00 every-day calendar without holidays is real time, DST or not", () => {
    fc.assert(
      fc.property(zone, instant, duration, (timezone, from, ms) => {
        const allDay = { ...everyDay(timezone, 0, 1440), holidays: new Set<string>() };
        expect(addBusinessTime(from, ms, allDay).getTime()).toBe(from.getTime() + ms);
      }),
      RUNS,
    );
  }, 30_000);

  it("k whole business days from an opening end at the k-th day's closing, across DST weeks", () => {
    const changeDays = ["2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2027-03-14", "2027-10-31"];
    // Windows opening at 03:00 or later never contain a DST change in these zones.
    const arb = fc.record({
      cal: calendarArb(180),
      base: fc.constantFrom(...changeDays),
      before: fc.integer({ min: 0, max: 14 }),
      holidayOffsets: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
      k: fc.integer({ min: 1, max: 12 }),
    });
    fc.assert(
      fc.property(arb, ({ cal: c, base, before, holidayOffsets, k }) => {
        const first = DateTime.fromISO(base, { zone: c.timezone }).minus({ days: before });
        const holidays = new Set(holidayOffsets.map((n) => first.plus({ days: n }).toISODate() ?? ""));
        const cal = { ...c, holidays };
        const dates = workingDates(first, cal, k + 1);
        const open = (i: number) => wallClock(dates[i]!, cal.startMinute);
        const dayMs = (cal.endMinute - cal.startMinute) * 60_000;
        const end = addBusinessTime(open(0), k * dayMs, cal);
        expect(show(end, cal.timezone)).toBe(show(wallClock(dates[k - 1]!, cal.endMinute), cal.timezone));
        expect(show(addBusinessTime(end, 0, cal), cal.timezone)).toBe(show(open(k), cal.timezone));
      }),
      RUNS,
    );
  }, 30_000);
});

/** The next `count` working, non-holiday local dates from `first` on, enumerated with luxon. */
function workingDates(first: DateTime, cal: Calendar, count: number): DateTime[] {
  const out: DateTime[] = [];
  for (let d = first.startOf("day"); out.length < count; d = d.plus({ days: 1 })) {
    if (cal.days.includes(d.weekday) && !cal.holidays.has(d.toISODate() ?? "")) out.push(d);
  }
  return out;
}

function wallClock(date: DateTime, minute: number): Date {
  const day = minute === 1440 ? date.plus({ days: 1 }) : date;
  return day.set({ hour: Math.floor((minute % 1440) / 60), minute: minute % 60 }).toJSDate();
}
