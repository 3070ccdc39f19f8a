import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { actionDeadline } from "../../../src/domain/action-due.js";

describe("actionDeadline", () => {
  it("is the start of the next local day", () => {
    expect(actionDeadline("2026-11-27", "Europe/London")?.toISOString()).toBe("2026-11-28T00:00:00.000Z");
    expect(actionDeadline("2026-07-03", "Europe/London")?.toISOString()).toBe("2026-07-03T23:00:00.000Z");
    expect(actionDeadline("2026-11-27", "America/New_York")?.toISOString()).toBe("2026-11-28T05:00:00.000Z");
  });

  it("spans a whole local day across daylight-saving changes (23 or 25 hours)", () => {
    // Europe/London: clocks go forward on 29 March 2026 and back on 25 October 2026.
    const deadline = (d: string) => actionDeadline(d, "Europe/London")!.getTime();
    expect(deadline("2026-03-29") - deadline("2026-03-28")).toBe(23 * 3_600_000);
    expect(deadline("2026-10-25") - deadline("2026-10-24")).toBe(25 * 3_600_000);
  });

  it("refuses what is not a calendar date", () => {
    expect(actionDeadline("2026-02-30", "UTC")).toBeNull();
    expect(actionDeadline("27/11/2026", "UTC")).toBeNull();
    expect(actionDeadline("", "UTC")).toBeNull();
  });

  it("always falls at local midnight, after every instant of the due date", () => {
    const zones = fc.constantFrom(
      "Europe/London",
      "America/New_York",
      "Australia/Sydney",
      "Asia/Kolkata",
      "UTC",
    );
    const dates = fc.date({
      min: new Date("2020-01-01T00:00:00Z"),
      max: new Date("2035-12-31T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(zones, dates, (zone, date) => {
        const dueOn = DateTime.fromJSDate(date, { zone }).toISODate()!;
        const deadline = DateTime.fromJSDate(actionDeadline(dueOn, zone)!, { zone });
        expect(deadline.hour).toBe(0);
        expect(deadline.minute).toBe(0);
        expect(deadline.minus({ milliseconds: 1 }).toISODate()).toBe(dueOn);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});
