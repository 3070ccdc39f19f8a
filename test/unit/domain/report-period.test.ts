import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  compliancePercent,
  formatSeconds,
  mayRunReport,
  ratePercent,
  reportRefusal,
} from "../../../src/domain/kpi.js";
import { DEFAULT_PERMISSIONS } from "../../../src/domain/policy-types.js";
import {
  bucketFor,
  chartBuckets,
  FIRST_REPORT_DAY,
  isReportDay,
  LAST_REPORT_DAY,
  periodOfDays,
  previousWeek,
  reportPeriod,
} from "../../../src/domain/report-period.js";
import { digestCron } from "../../../src/jobs/digest-schedule.js";

const LONDON = "Europe/London";
const HOUR = 3_600_000;

describe("reportPeriod", () => {
  it("covers today and the n − 1 days before, local midnight to local midnight", () => {
    const now = new Date("2026-11-25T15:30:00Z"); // a Wednesday, GMT
    const p = reportPeriod({ kind: "last", days: 7 }, now, LONDON)!;
    expect(p.from.toISOString()).toBe("2026-11-19T00:00:00.000Z");
    expect(p.to.toISOString()).toBe("2026-11-26T00:00:00.000Z");
    expect(p.days).toEqual([
      "2026-11-19",
      "2026-11-20",
      "2026-11-21",
      "2026-11-22",
      "2026-11-23",
      "2026-11-24",
      "2026-11-25",
    ]);
    expect(p.label).toBe("2026-11-19 – 2026-11-25 (7 days)");
  });

  it("reads 'today' in the policy zone, not UTC", () => {
    // 00:30 on 1 July in London is still 30 June in UTC.
    const p = reportPeriod({ kind: "last", days: 1 }, new Date("2026-06-30T23:30:00Z"), LONDON)!;
    expect(p.days).toEqual(["2026-07-01"]);
    expect(p.from.toISOString()).toBe("2026-06-30T23:00:00.000Z");
  });

  it("takes both dates of a between range inclusively", () => {
    const p = reportPeriod({ kind: "between", from: "2026-10-01", to: "2026-10-31" }, new Date(), LONDON)!;
    expect(p.days).toHaveLength(31);
    expect(p.from.toISOString()).toBe("2026-09-30T23:00:00.000Z"); // BST
    expect(p.to.toISOString()).toBe("2026-11-01T00:00:00.000Z"); // GMT again
  });

  it("has a 23-hour and a 25-hour day across the DST changes", () => {
    const spring = periodOfDays("2026-03-29", "2026-03-29", LONDON)!;
    const autumn = periodOfDays("2026-10-25", "2026-10-25", LONDON)!;
    expect(spring.to.getTime() - spring.from.getTime()).toBe(23 * HOUR);
    expect(autumn.to.getTime() - autumn.from.getTime()).toBe(25 * HOUR);
  });

  it("refuses bad dates, reversed ranges and unknown zones", () => {
    expect(periodOfDays("2026-02-30", "2026-03-01", LONDON)).toBeNull();
    expect(periodOfDays("2026-03-02", "2026-03-01", LONDON)).toBeNull();
    expect(reportPeriod({ kind: "last", days: 0 }, new Date(), LONDON)).toBeNull();
    expect(reportPeriod({ kind: "last", days: 7 }, new Date(), "Mars/Olympus")).toBeNull();
  });

  it("always spans n whole local days in any zone and at any instant (property)", () => {
    const zones = fc.constantFrom(LONDON, "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC");
    const instants = fc.date({
      min: new Date("2020-01-01Z"),
      max: new Date("2035-12-31Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(zones, instants, fc.integer({ min: 1, max: 366 }), (zone, now, n) => {
        const p = reportPeriod({ kind: "last", days: n }, now, zone)!;
        const from = DateTime.fromJSDate(p.from, { zone });
        const to = DateTime.fromJSDate(p.to, { zone });
        expect(p.days).toHaveLength(n);
        expect(from.toISODate()).toBe(p.days[0]);
        expect(to.minus({ days: 1 }).toISODate()).toBe(p.days[n - 1]);
        expect(from.equals(from.startOf("day"))).toBe(true);
        // `now` is inside the period, within its last day.
        expect(now >= p.from && now < p.to).toBe(true);
        expect(DateTime.fromJSDate(now, { zone }).toISODate()).toBe(p.days[n - 1]);
        // DST moves at most one hour per change; a year has two.
        const span = p.to.getTime() - p.from.getTime();
        expect(Math.abs(span - n * 24 * HOUR)).toBeLessThanOrEqual(2 * HOUR);
        // Consecutive calendar days, no gaps or repeats.
        for (let i = 1; i < n; i++) {
          expect(
            DateTime.fromISO(p.days[i - 1]!)
              .plus({ days: 1 })
              .toISODate(),
          ).toBe(p.days[i]);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

describe("the days a report may cover", () => {
  it("run from 2000-01-01 to 2100-12-31", () => {
    expect([FIRST_REPORT_DAY, LAST_REPORT_DAY]).toEqual(["2000-01-01", "2100-12-31"]);
  });

  it.each([
    ["2000-01-01", true],
    ["2026-10-31", true],
    ["2100-12-31", true],
    ["2096-02-29", true],
    ["2100-02-29", false], // 2100 is not a leap year
    ["1999-12-31", false],
    ["2101-01-01", false],
    ["0000-01-01", false],
    ["0000-12-31", false],
    ["9999-12-01", false],
    ["9999-12-31", false],
    ["+10000-01-01", false],
    ["2026-13-01", false],
    ["2026-1-01", false],
    ["", false],
  ])("isReportDay(%j) is %s", (date, ok) => {
    expect(isReportDay(date)).toBe(ok);
  });

  it.each([
    ["0000-01-01", "0000-12-31"],
    ["9999-12-01", "9999-12-31"],
    ["1999-12-31", "2000-01-01"],
    ["2100-12-31", "2101-01-01"],
  ])("periodOfDays refuses %s..%s in any zone, so it never reaches SQL", (first, last) => {
    for (const zone of [LONDON, "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"]) {
      expect(periodOfDays(first, last, zone)).toBeNull();
      expect(reportPeriod({ kind: "between", from: first, to: last }, new Date(), zone)).toBeNull();
    }
  });

  it("takes the first and the last day themselves", () => {
    expect(periodOfDays(FIRST_REPORT_DAY, "2000-01-07", LONDON)?.days).toHaveLength(7);
    expect(periodOfDays("2100-12-25", LAST_REPORT_DAY, LONDON)?.to.toISOString()).toBe(
      "2101-01-01T00:00:00.000Z",
    );
  });

  it("bounds every period it gives by instants PostgreSQL takes (property)", () => {
    const zones = fc.constantFrom(LONDON, "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata", "UTC");
    const day = fc
      .date({
        min: new Date("0000-01-01T00:00:00Z"),
        max: new Date("9999-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const nearEdge = fc.constantFrom(
      "1999-12-31",
      "2000-01-01",
      "2000-01-02",
      "2100-12-30",
      "2100-12-31",
      "2101-01-01",
    );
    const anyDay = fc.oneof(day, nearEdge);
    fc.assert(
      fc.property(zones, anyDay, anyDay, (zone, first, last) => {
        const p = periodOfDays(first, last, zone);
        const inRange = isReportDay(first) && isReportDay(last) && first <= last;
        expect(p !== null).toBe(inRange);
        if (!p) return;
        // Plain four-digit years in the 21st century, as PostgreSQL reads a timestamptz.
        expect(p.from.toISOString()).toMatch(/^(1999|20\d\d|2100)-/);
        expect(p.to.toISOString()).toMatch(/^(20\d\d|2100|2101)-/);
      }),
      // A century-long period has 36,525 days to list: a few hundred runs are plenty.
      { numRuns: 300 },
    );
  }, 60_000);
});

describe("previousWeek", () => {
  it("is Monday to Sunday of the week before the current one", () => {
    const monday8am = new Date("2026-11-23T08:00:00Z");
    const p = previousWeek(monday8am, LONDON)!;
    expect(p.days[0]).toBe("2026-11-16");
    expect(p.days[6]).toBe("2026-11-22");
    expect(p.to.toISOString()).toBe("2026-11-23T00:00:00.000Z");
  });

  it("ends at the local Monday midnight before now, whatever the day (property)", () => {
    const zones = fc.constantFrom(LONDON, "America/New_York", "Australia/Sydney");
    const instants = fc.date({
      min: new Date("2020-01-01Z"),
      max: new Date("2035-12-31Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(zones, instants, (zone, now) => {
        const p = previousWeek(now, zone)!;
        const end = DateTime.fromJSDate(p.to, { zone });
        expect(p.days).toHaveLength(7);
        expect(end.weekday).toBe(1);
        expect(end.hour).toBe(0);
        expect(p.to <= now).toBe(true);
        expect(now.getTime() - p.to.getTime()).toBeLessThan(7 * 24 * HOUR + 2 * HOUR);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("chart buckets", () => {
  it("is one per day up to a month, else one per ISO week", () => {
    expect(bucketFor({ days: new Array(31).fill("x") })).toBe("day");
    expect(bucketFor({ days: new Array(32).fill("x") })).toBe("week");
    const p = periodOfDays("2026-11-04", "2026-11-17", LONDON)!; // Wednesday .. Tuesday
    const weeks = chartBuckets(p.days, "week");
    expect(weeks.map((w) => [w.label, w.days.length])).toEqual([
      ["2026-11-04", 5],
      ["2026-11-09", 7],
      ["2026-11-16", 2],
    ]);
  });
});

describe("KPI arithmetic and access", () => {
  it("leaves undecided SLAs out of the percentage", () => {
    expect(compliancePercent({ met: 3, missed: 1 })).toBe(75);
    expect(compliancePercent({ met: 0, missed: 0 })).toBeNull();
    expect(ratePercent(1, 4)).toBe(25);
    expect(ratePercent(0, 0)).toBeNull();
  });

  it("formats durations for people", () => {
    expect(formatSeconds(null)).toBe("–");
    expect(formatSeconds(25 * 60)).toBe("25 min");
    expect(formatSeconds(3 * 3600 + 5 * 60)).toBe("3 h 05 min");
    expect(formatSeconds(52 * 3600)).toBe("2 d 4 h");
  });

  it("lets team leads and above, and team leads listed in teams, run reports", () => {
    const policy = {
      roles: { team_lead: ["U1"], duty_manager: ["U2"], head_of_operations: ["U3"], dpo: ["U4"] },
      teams: [{ key: "floor", label: "Floor", leads: ["U5"], members: ["U6"], supportChannel: null }],
      permissions: DEFAULT_PERMISSIONS,
    };
    for (const user of ["U1", "U2", "U3", "U5"]) expect(mayRunReport(policy, user)).toBe(true);
    for (const user of ["U4", "U6", "U7"]) expect(mayRunReport(policy, user)).toBe(false);
    expect(reportRefusal(policy)).toContain(
      "KPI reports are for team leads and anyone who is a duty manager or a head of operations.",
    );
  });

  it("lets the policy's permissions.report decide which roles run reports, besides team leads in teams", () => {
    const policy = {
      roles: { team_lead: ["U1"], duty_manager: ["U2"], dpo: ["U4"] },
      teams: [{ key: "floor", label: "Floor", leads: ["U5"], members: ["U6"], supportChannel: null }],
      permissions: { ...DEFAULT_PERMISSIONS, report: ["dpo"] },
    };
    for (const user of ["U4", "U5"]) expect(mayRunReport(policy, user)).toBe(true);
    for (const user of ["U1", "U2", "U6"]) expect(mayRunReport(policy, user)).toBe(false);
    expect(reportRefusal(policy)).toContain("KPI reports are for team leads and anyone who is a DPO.");
  });

  it("schedules the digest with cron's weekday numbers", () => {
    expect(digestCron({ day: "mon", time: "08:00" })).toBe("0 8 * * 1");
    expect(digestCron({ day: "sun", time: "17:45" })).toBe("45 17 * * 0");
  });
});
