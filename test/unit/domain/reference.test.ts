import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  findReference,
  formatReference,
  parseReference,
  REFERENCE_PATTERN,
} from "../../../src/domain/reference";

describe("formatReference", () => {
  it.each([
    [1, "INC-000001"],
    [123, "INC-000123"],
    [999_999, "INC-999999"],
    [1_000_000, "INC-1000000"],
    [123_456_789, "INC-123456789"],
  ])("formats %i as %s", (seq, text) => {
    expect(formatReference(seq)).toBe(text);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("refuses %s", (seq) => {
    expect(() => formatReference(seq)).toThrow(RangeError);
  });
});

describe("parseReference", () => {
  it.each([
    ["INC-000123", 123],
    ["INC-123", 123],
    ["inc-000123", 123],
    ["Inc-42", 42],
    ["  INC-000007\n", 7],
    ["INC-0000000123", 123],
    ["INC-1000000", 1_000_000],
  ])("reads %j", (text, seq) => {
    expect(parseReference(text)).toBe(seq);
  });

  it.each([
    "",
    "INC-",
    "INC-0",
    "INC-000000",
    "INC123",
    "INC 123",
    "INC--123",
    "INC-12a",
    "INC-1.5",
    "INC-+5",
    "123",
    "XINC-123",
    "INC-123 extra",
    "see INC-123",
    "INC-99999999999999999999",
    "INC-１２３",
  ])("refuses %j", (text) => {
    expect(parseReference(text)).toBeNull();
  });

  it("round-trips every sequence number", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), (seq) => {
        const reference = formatReference(seq);
        expect(parseReference(reference)).toBe(seq);
        expect(parseReference(reference.toLowerCase())).toBe(seq);
        expect(reference).toMatch(/^INC-[0-9]{6,}$/);
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it("keeps references sortable as text below a million", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 1, max: 999_999 }), (a, b) => {
        const byText = formatReference(a) < formatReference(b);
        expect(byText).toBe(a < b);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("findReference", () => {
  it.each([
    ["show INC-000123", 123],
    ["show inc-42 please", 42],
    ["INC-7", 7],
    ["in #inc-000123-card-payments", 123],
    ["INC-5 and INC-6", 5],
    ["(INC-9)", 9],
  ])("finds the reference in %j", (text, seq) => {
    expect(findReference(text)).toBe(seq);
  });

  it.each(["show 123", "XINC-12", "INC-12abc", "INC-0", "no reference here"])("finds none in %j", (text) => {
    expect(findReference(text)).toBeNull();
  });

  it("exposes a non-global pattern, safe to reuse", () => {
    expect(REFERENCE_PATTERN.global).toBe(false);
    expect(REFERENCE_PATTERN.exec("x INC-12 y")?.[1]).toBe("12");
    expect(REFERENCE_PATTERN.exec("x INC-12 y")?.[1]).toBe("12");
  });
});
