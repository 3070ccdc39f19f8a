import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CALLER_REDRAW_SLOT_MS,
  type CallerCounts,
  callerRedrawSlot,
  volumeCrossed,
} from "../../../src/domain/callers.js";
import { describeEntry } from "../../../src/domain/log-describe.js";
import { callersLine } from "../../../src/messages/incident-card.js";

const counts = (over: Partial<CallerCounts>): CallerCounts => ({
  callers: 0,
  recent: 0,
  callbacksWanted: 0,
  callbacksOutstanding: 0,
  callbacksReachedNoOne: 0,
  ...over,
});

describe("volumeCrossed", () => {
  it("fires once as callers are added one at a time, at the threshold", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 0, max: 400 }), (threshold, total) => {
        const fired = Array.from({ length: total }, (_, n) => volumeCrossed(n, n + 1, threshold));
        expect(fired.filter(Boolean).length).toBe(total >= threshold ? 1 : 0);
        if (total >= threshold) expect(fired.indexOf(true)).toBe(threshold - 1);
      }),
    );
  });

  it("fires again only after the window has dropped below the threshold", () => {
    expect(volumeCrossed(9, 10, 10)).toBe(true);
    expect(volumeCrossed(10, 11, 10)).toBe(false);
    expect(volumeCrossed(8, 9, 10)).toBe(false);
  });
});

describe("callerRedrawSlot", () => {
  it("gives every instant a slot that ends after it, at most one slot later", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (ms) => {
        const { slot, endsAt } = callerRedrawSlot(new Date(ms));
        expect(endsAt.getTime()).toBeGreaterThan(ms);
        expect(endsAt.getTime() - ms).toBeLessThanOrEqual(CALLER_REDRAW_SLOT_MS);
        expect(callerRedrawSlot(new Date(endsAt.getTime() - 1)).slot).toBe(slot);
      }),
    );
  });
});

describe("the card's callers line", () => {
  it("says nothing before the first caller", () => {
    expect(callersLine(counts({}), "open")).toBeNull();
  });

  it("counts callers, recent ones and callbacks wanted while the incident is live", () => {
    expect(
      callersLine(
        counts({ callers: 37, recent: 9, callbacksWanted: 12, callbacksOutstanding: 12 }),
        "in_progress",
      ),
    ).toBe("*Callers:* 37 (9 in the last 15 min) · 12 callbacks wanted");
    expect(callersLine(counts({ callers: 1 }), "open")).toBe("*Callers:* 1");
  });

  it("once resolved, says how many callbacks are made, and how many of those reached no one", () => {
    expect(
      callersLine(counts({ callers: 37, callbacksWanted: 12, callbacksOutstanding: 4 }), "resolved"),
    ).toBe("*Callers:* 37 · 8 of 12 callbacks made");
    expect(
      callersLine(
        counts({ callers: 2, callbacksWanted: 1, callbacksOutstanding: 0, callbacksReachedNoOne: 0 }),
        "closed",
      ),
    ).toBe("*Callers:* 2 · The callback is made");
    expect(
      callersLine(
        counts({ callers: 5, callbacksWanted: 4, callbacksOutstanding: 1, callbacksReachedNoOne: 1 }),
        "resolved",
      ),
    ).toBe("*Callers:* 5 · 3 of 4 callbacks made (1 reached no one)");
  });
});

describe("caller log lines say how and whether to call back, never who", () => {
  const line = (kind: string, details: Record<string, unknown>) =>
    describeEntry({ kind, details, actor: "U0AGENT" } as never);

  it("describes each caller entry in plain words", () => {
    expect(line("caller_report_added", { reportChannel: "phone", callback: "sms" })).toBe(
      "Caller report added (phone, callback wanted by SMS)",
    );
    expect(line("caller_report_added", { reportChannel: "email", callback: "no" })).toBe(
      "Caller report added (email)",
    );
    expect(line("caller_reports_moved", { count: 3, to: "INC-000123" })).toBe(
      "3 caller reports moved to INC-000123, of which this is a duplicate",
    );
    expect(line("caller_reports_moved", { count: 1, from: "INC-000124" })).toBe(
      "1 caller report moved here from INC-000124, a duplicate of this incident",
    );
    expect(line("callbacks_listed", { count: 12 })).toBe("Callback list posted: 12 callers to call back");
    expect(line("callback_claimed", { count: 1 })).toBe("Took 1 callback");
    expect(line("callback_recorded", { outcome: "left_message" })).toBe("Callback made: left a message");
  });

  it("never throws on odd details", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "caller_report_added",
          "caller_reports_moved",
          "callbacks_listed",
          "callback_claimed",
          "callback_recorded",
          "promoted_to_channel",
        ),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (kind, details) => {
          expect(typeof line(kind, details)).toBe("string");
        },
      ),
    );
  });
});
