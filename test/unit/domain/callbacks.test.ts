import { describe, expect, it } from "vitest";
import {
  type CallbackTally,
  callbackHeadline,
  callbackProgress,
  claimChoices,
  closeWithCallbacks,
  stillToMake,
} from "../../../src/domain/callbacks.js";

const tally = (over: Partial<CallbackTally> = {}): CallbackTally => ({
  wanted: 12,
  outstanding: 12,
  claimed: 0,
  reachedNoOne: 0,
  byWay: { phone: 8, email: 3, sms: 1 },
  ...over,
});

describe("the callback list's words", () => {
  it("says how many asked, and how", () => {
    expect(callbackHeadline(tally())).toBe(
      "12 callers asked to be called back (8 by phone, 3 by email, 1 by SMS).",
    );
    expect(callbackHeadline(tally({ wanted: 1, byWay: { phone: 0, email: 1, sms: 0 } }))).toBe(
      "1 caller asked to be called back (1 by email).",
    );
  });

  it.each([
    [{ outstanding: 12, claimed: 0 }, "12 callbacks to make · none taken yet"],
    [{ outstanding: 12, claimed: 3 }, "12 callbacks to make · 3 taken, 9 not taken yet"],
    [{ outstanding: 4, claimed: 3 }, "8 of 12 callbacks made · 4 still to make: 3 taken, 1 not taken yet"],
    [{ outstanding: 4, claimed: 4 }, "8 of 12 callbacks made · 4 still to make: 4 taken"],
    [
      { outstanding: 1, claimed: 0, reachedNoOne: 2 },
      "11 of 12 callbacks made (2 reached no one) · 1 still to make: not taken yet",
    ],
    [{ outstanding: 0, claimed: 0 }, "All 12 callbacks made."],
    [{ outstanding: 0, claimed: 0, reachedNoOne: 1 }, "All 12 callbacks made (1 reached no one)."],
    [{ wanted: 1, outstanding: 1, claimed: 0 }, "1 callback to make · not taken yet"],
    [{ wanted: 1, outstanding: 0, claimed: 0 }, "The callback is made."],
  ] as const)("progress %o → %s", (over, expected) => {
    expect(callbackProgress(tally(over))).toBe(expected);
  });

  it("agrees in number", () => {
    expect(stillToMake(1)).toBe("1 callback is still to make");
    expect(stillToMake(4)).toBe("4 callbacks are still to make");
  });
});

describe("the sizes the list offers", () => {
  it.each([
    [0, []],
    [1, ["one"]],
    [2, ["all"]],
    [5, ["all"]],
    [6, ["five", "all"]],
    [7, ["five", "all"]],
    [10, ["five", "all"]],
    [11, ["five", "ten", "all"]],
    [40, ["five", "ten", "all"]],
  ] as const)("%i not taken → %o: never two buttons that take the same", (unclaimed, expected) => {
    expect(claimChoices(unclaimed)).toEqual(expected);
  });
});

describe("closing with callbacks still to make", () => {
  it.each([
    [0, false, false, "close"],
    [0, true, false, "close"],
    [3, false, false, "confirm"],
    [3, false, true, "close"],
    [3, true, false, "refuse"],
    [3, true, true, "refuse"],
  ] as const)(
    "%i outstanding, required %s, anyway %s → %s",
    (outstanding, requiredForClose, anyway, expected) => {
      expect(closeWithCallbacks(outstanding, { requiredForClose, anyway })).toBe(expected);
    },
  );
});
