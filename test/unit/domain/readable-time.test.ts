import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readableDate, readableDuration, readableTime } from "../../../src/domain/readable-time.js";

describe("readableTime", () => {
  it.each([
    ["2026-12-06T07:56:00Z", "America/New_York", "Sun 6 Dec 02:56 EST"],
    ["2026-07-06T06:56:00Z", "America/New_York", "Mon 6 Jul 02:56 EDT"],
    ["2026-12-06T07:56:00Z", "Europe/London", "Sun 6 Dec 07:56 GMT"],
    ["2026-07-01T09:00:00Z", "Europe/London", "Wed 1 Jul 10:00 BST"],
    ["2026-07-01T09:00:00Z", "Europe/Paris", "Wed 1 Jul 11:00 CEST"],
    ["2026-12-06T07:56:00Z", "Asia/Kolkata", "Sun 6 Dec 13:26 IST"],
    ["2026-12-06T07:56:00Z", "Australia/Sydney", "Sun 6 Dec 18:56 AEDT"],
    ["2026-12-06T07:56:00Z", "Asia/Tokyo", "Sun 6 Dec 16:56 GMT+9"],
    ["2026-12-06T07:56:00Z", "UTC", "Sun 6 Dec 07:56 UTC"],
    // London's clocks go back at 02:00 BST on 25 Oct 2026: 00:30 and 01:30 UTC are both 01:30.
    ["2026-10-25T00:30:00Z", "Europe/London", "Sun 25 Oct 01:30 BST"],
    ["2026-10-25T01:30:00Z", "Europe/London", "Sun 25 Oct 01:30 GMT"],
  ])("%s in %s reads %s", (iso, zone, expected) => {
    expect(readableTime(new Date(iso), zone)).toBe(expected);
  });

  it("adds the year when asked, reads an unknown zone as UTC and an invalid date plainly", () => {
    expect(readableTime(new Date("2026-12-06T07:56:00Z"), "America/New_York", { year: true })).toBe(
      "Sun 6 Dec 2026 02:56 EST",
    );
    expect(readableTime(new Date("2026-12-06T07:56:00Z"), "Not/AZone")).toBe("Sun 6 Dec 07:56 UTC");
    expect(readableTime(new Date(Number.NaN), "UTC")).toBe("an unknown time");
  });

  it("always gives weekday, day, month, time and zone, never an ISO string", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1990-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }),
        fc.constantFrom("UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"),
        (at, zone) => {
          const text = readableTime(at, zone);
          expect(text).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{2}:\d{2} \S+$/);
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000);
});

describe("readableDate and readableDuration", () => {
  it.each([
    ["2026-11-27", "Fri 27 Nov 2026"],
    ["2028-02-29", "Tue 29 Feb 2028"],
    ["2026-02-30", null],
    ["27/11/2026", null],
  ])("readableDate(%s) = %s", (date, expected) => {
    expect(readableDate(date)).toBe(expected);
  });

  it.each([
    [30_000, "under a minute"],
    [15 * 60_000, "15 min"],
    [125 * 60_000, "2 h 5 min"],
    [3 * 86_400_000 + 4 * 3_600_000 + 60_000, "3 days 4 h"],
    [86_400_000, "1 day"],
  ])("readableDuration(%i) = %s", (ms, expected) => {
    expect(readableDuration(ms)).toBe(expected);
  });
});
