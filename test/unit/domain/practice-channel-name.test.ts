import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  incidentChannelName,
  MAX_CHANNEL_NAME_LENGTH,
  practiceChannelName,
} from "../../../src/domain/channel-name";
import { formatReference } from "../../../src/domain/reference";

describe("practiceChannelName", () => {
  it.each([
    [
      "INC-000123",
      "Main number cuts off after one ring",
      0,
      "practice-000123-main-number-cuts-off-after-one-ring",
    ],
    ["INC-000123", "Main number cuts off", 2, "practice-000123-main-number-cuts-off-3"],
    ["INC-000042", "☎️", 0, "practice-000042"],
  ])("%s %j attempt %i → %s", (reference, title, attempt, name) => {
    expect(practiceChannelName(reference, title, attempt)).toBe(name);
  });

  it("always obeys Slack's rules and never starts like a real incident's channel", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9_999_999 }), fc.string(), fc.nat(60), (n, title, attempt) => {
        const name = practiceChannelName(formatReference(n), title, attempt);
        expect(name).toMatch(/^practice-\d{6,}[a-z0-9_-]*$/);
        expect(name.length).toBeLessThanOrEqual(MAX_CHANNEL_NAME_LENGTH);
        expect(name.startsWith("inc-")).toBe(false);
        expect(incidentChannelName(formatReference(n), title, attempt).startsWith("inc-")).toBe(true);
      }),
    );
  });
});
