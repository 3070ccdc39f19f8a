import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextDeadline } from "../../../src/domain/deadlines.js";
import { STATUSES } from "../../../src/domain/incident.js";

const t = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 9, minutes));

describe("nextDeadline", () => {
  it.each([
    ["open", { respondDueAt: t(15), nextUpdateDueAt: t(30), resolveDueAt: t(240) }, "respond"],
    ["acknowledged", { respondDueAt: t(15), nextUpdateDueAt: t(30), resolveDueAt: t(240) }, "update"],
    ["in_progress", { respondDueAt: null, nextUpdateDueAt: t(300), resolveDueAt: t(240) }, "resolve"],
    ["on_hold", { respondDueAt: null, nextUpdateDueAt: t(300), resolveDueAt: t(240) }, "update"],
    ["resolved", { respondDueAt: t(1), nextUpdateDueAt: t(2), resolveDueAt: t(3) }, null],
    ["closed", { respondDueAt: t(1), nextUpdateDueAt: t(2), resolveDueAt: t(3) }, null],
    ["open", { respondDueAt: null, nextUpdateDueAt: null, resolveDueAt: null }, null],
  ] as const)("%s %j → %s", (status, dates, kind) => {
    expect(nextDeadline({ status, ...dates })?.kind ?? null).toBe(kind);
  });

  it("picks the earliest of the clocks that run in the status, and only those", () => {
    const date = fc.option(fc.date({ min: t(0), max: t(10_000), noInvalidDate: true }), { nil: null });
    fc.assert(
      fc.property(
        fc.constantFrom(...STATUSES),
        date,
        date,
        date,
        (status, respondDueAt, nextUpdateDueAt, resolveDueAt) => {
          const running = [
            status === "open" ? respondDueAt : null,
            ["resolved", "closed"].includes(status) ? null : nextUpdateDueAt,
            ["resolved", "closed", "on_hold"].includes(status) ? null : resolveDueAt,
          ].filter((d): d is Date => d !== null);
          const next = nextDeadline({ status, respondDueAt, nextUpdateDueAt, resolveDueAt });
          const earliest = running.length ? Math.min(...running.map((d) => d.getTime())) : null;
          expect(next?.at.getTime() ?? null).toBe(earliest);
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);
});
