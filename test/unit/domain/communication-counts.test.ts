import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  communicationChannelOf,
  communicationCounts,
  communicationsLine,
} from "../../../src/domain/communication-counts.js";

const entry = (kind: string, details: Record<string, unknown> = {}) => ({ kind, details });

describe("communication counts", () => {
  it("counts stakeholder posts, emails, webhooks and logged calls by channel", () => {
    const log = [
      entry("created"),
      entry("announcement_posted", { channel: "C1" }),
      entry("milestone_posted", { channel: "C1" }),
      entry("milestone_posted", { channel: "C2" }),
      entry("update_posted", { channel: "C1" }),
      entry("milestone_posted", { channel: "C2" }),
      entry("communication_sent", { via: "email" }),
      entry("communication_sent", { via: "email" }),
      entry("communication_sent", { via: "webhook" }),
      entry("communication_logged", { channel: "phone" }),
      entry("communication_failed", { via: "email" }),
      entry("escalation_sent", { level: 1 }),
    ];
    const counts = communicationCounts(log);
    expect(counts.total).toBe(9);
    expect(communicationsLine(counts)).toBe("Communications: 9 — 5 Slack, 2 email, 1 phone, 1 webhook");
  });

  it("says none when nobody was told", () => {
    expect(communicationsLine(communicationCounts([entry("created")]))).toBe("Communications: none");
  });

  it("names logged channels in words, and an unknown one as other", () => {
    expect(communicationChannelOf(entry("communication_logged", { channel: "in_person" }))).toBe("in person");
    expect(communicationChannelOf(entry("communication_logged", { channel: "sms" }))).toBe("SMS");
    expect(communicationChannelOf(entry("communication_logged", { channel: "pigeon" }))).toBe("other");
    expect(communicationChannelOf({ kind: "communication_logged", details: null })).toBe("other");
  });

  it("total is the sum of the channels, each entry counted once, largest first (property)", () => {
    const kinds = fc.constantFrom(
      "milestone_posted",
      "announcement_posted",
      "communication_sent",
      "communication_logged",
      "note_added",
      "sla_breached",
    );
    const log = fc.array(
      fc.record({
        kind: kinds,
        details: fc.record({ via: fc.constantFrom("email", "webhook"), channel: fc.string() }),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(log, (entries) => {
        const c = communicationCounts(entries);
        const counted = entries.filter((e) => communicationChannelOf(e) !== null).length;
        expect(c.total).toBe(counted);
        expect(c.byChannel.reduce((n, b) => n + b.count, 0)).toBe(counted);
        for (let i = 1; i < c.byChannel.length; i++)
          expect(c.byChannel[i - 1]!.count).toBeGreaterThanOrEqual(c.byChannel[i]!.count);
      }),
      { numRuns: 300 },
    );
  });
});
