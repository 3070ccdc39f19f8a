import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { incidentChannelName, MAX_CHANNEL_NAME_LENGTH, slugify } from "../../../src/domain/channel-name";
import { formatReference } from "../../../src/domain/reference";

const SLACK_CHANNEL_NAME = /^[a-z0-9_-]{1,80}$/;

function expectValidSlackName(name: string): void {
  expect(name).toMatch(SLACK_CHANNEL_NAME);
  expect(name).toMatch(/[a-z0-9]/);
  expect(name.startsWith("inc-")).toBe(true);
  expect(name).not.toMatch(/--|-$/);
}

const anyTitle = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme-composite", maxLength: 200 }),
  fc.string({ maxLength: 200 }),
  fc
    .array(fc.constantFrom("Café", "ß", "---", " ", "🔥", "Łódź", "a", "x".repeat(90)), { maxLength: 30 })
    .map((parts) => parts.join(" ")),
);

describe("slugify", () => {
  it.each([
    ["Card payments failing", "card-payments-failing"],
    ["  Card   payments -- failing!!  ", "card-payments-failing"],
    ["IVR down (all queues)", "ivr-down-all-queues"],
    ["Can't log in", "cant-log-in"],
    ["Customer’s data exposed", "customers-data-exposed"],
    ["Crème brûlée café", "creme-brulee-cafe"],
    ["Straße", "strasse"],
    ["STRAẞE", "strasse"],
    ["Æsir and Ørsted", "aesir-and-orsted"],
    ["Łódź office", "lodz-office"],
    ["Œuvre þing đ", "oeuvre-thing-d"],
    ["İstanbul", "istanbul"],
    ["ﬁle ＡＢＣ ①", "file-abc-1"],
    ["snake_case_title", "snake-case-title"],
    ["🔥 Phones down 🔥", "phones-down"],
    ["Отказ платежей", ""],
    ["支付失败", ""],
    ["!!!", ""],
    ["", ""],
    ["2FA codes not arriving", "2fa-codes-not-arriving"],
  ])("%j → %j", (title, slug) => {
    expect(slugify(title, 80)).toBe(slug);
  });

  it.each([
    ["card payments failing", 13, "card-payments"],
    ["card payments failing", 14, "card-payments"],
    ["card payments failing", 12, "card-payment"],
    ["card payments failing", 4, "card"],
    ["card payments failing", 3, "car"],
    ["supercalifragilistic", 10, "supercalif"],
    ["a supercalifragilistic", 10, "a-supercal"],
    ["card payments", 0, ""],
    ["card payments", -5, ""],
  ])("cuts %j to %i chars on a word boundary where it can: %j", (title, max, slug) => {
    expect(slugify(title, max)).toBe(slug);
  });

  it("always gives lower-case words joined by single hyphens, within the limit", () => {
    fc.assert(
      fc.property(anyTitle, fc.integer({ min: 0, max: 100 }), (title, max) => {
        const slug = slugify(title, max);
        expect(slug.length).toBeLessThanOrEqual(Math.max(0, max));
        expect(slug).toMatch(/^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$/);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("incidentChannelName", () => {
  it.each([
    ["INC-000123", "Card payments failing", 0, "inc-000123-card-payments-failing"],
    ["inc-123", "Card payments failing", 0, "inc-000123-card-payments-failing"],
    ["INC-000123", "Card payments failing", 1, "inc-000123-card-payments-failing-2"],
    ["INC-000123", "Card payments failing", 9, "inc-000123-card-payments-failing-10"],
    ["INC-000123", "", 0, "inc-000123"],
    ["INC-000123", "🔥🔥", 0, "inc-000123"],
    ["INC-000123", "支付失败", 2, "inc-000123-3"],
    ["INC-1234567", "Phones down", 0, "inc-1234567-phones-down"],
  ])("%s %j attempt %i → %s", (reference, title, attempt, name) => {
    expect(incidentChannelName(reference, title, attempt)).toBe(name);
  });

  it("fits a long title into 80 characters with the suffix, cut between words", () => {
    const title = "Callers to the billing line hear silence after choosing option two and then get cut off";
    const first = incidentChannelName("INC-000123", title);
    const retry = incidentChannelName("INC-000123", title, 41);
    expect(first).toBe("inc-000123-callers-to-the-billing-line-hear-silence-after-choosing-option-two");
    expect(first.length).toBeLessThanOrEqual(MAX_CHANNEL_NAME_LENGTH);
    expect(retry).toBe("inc-000123-callers-to-the-billing-line-hear-silence-after-choosing-option-two-42");
    expect(retry.length).toBeLessThanOrEqual(MAX_CHANNEL_NAME_LENGTH);
  });

  it("gives a different name for each attempt", () => {
    const names = new Set(
      Array.from({ length: 50 }, (_, attempt) => incidentChannelName("INC-1", "Outage", attempt)),
    );
    expect(names.size).toBe(50);
  });

  it.each([
    ["INC123", 0],
    ["not a reference", 0],
    ["INC-0", 0],
    ["INC-1", -1],
    ["INC-1", 1.5],
  ])("refuses reference %j with attempt %s", (reference, attempt) => {
    expect(() => incidentChannelName(reference, "title", attempt)).toThrow(RangeError);
  });

  it("always gives a valid Slack channel name", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000_000 }),
        anyTitle,
        fc.integer({ min: 0, max: 1000 }),
        (seq, title, attempt) => {
          const reference = formatReference(seq);
          const name = incidentChannelName(reference, title, attempt);
          expectValidSlackName(name);
          expect(name.startsWith(`${reference.toLowerCase()}`)).toBe(true);
          if (attempt > 0) expect(name.endsWith(`-${attempt + 1}`)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  }, 30_000);
});
