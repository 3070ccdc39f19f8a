import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  afterVolumeRaise,
  type VolumeSubject,
  volumeRaiseOf,
  volumeReason,
} from "../../../src/domain/caller-volume.js";
import { LEVELS, type Level, PRIORITIES } from "../../../src/domain/incident.js";
import { describeEntry } from "../../../src/domain/log-describe.js";
import {
  derivePriority,
  DEFAULT_PRIORITY_MATRIX as M,
  priorityRank,
} from "../../../src/domain/priority-matrix.js";

const subject = (impact: Level, urgency: Level, over: Partial<VolumeSubject> = {}): VolumeSubject => {
  const matrixPriority = derivePriority(M, impact, urgency);
  return {
    impact,
    urgency,
    matrixPriority,
    priority: matrixPriority,
    major: matrixPriority === "P1",
    ...over,
  };
};

const level = fc.constantFrom(...LEVELS);
const incident = fc
  .record({
    impact: level,
    urgency: level,
    override: fc.option(fc.constantFrom(...PRIORITIES), { nil: null }),
    major: fc.boolean(),
  })
  .map(({ impact, urgency, override, major }) =>
    subject(impact, urgency, { priority: override ?? derivePriority(M, impact, urgency), major }),
  );
const rule = fc.record({ impact: level, urgency: level, major: fc.boolean() }, { requiredKeys: [] });
const severity = (l: Level) => LEVELS.indexOf(l);

describe("volumeRaiseOf", () => {
  it("raises impact to the rule's level and takes the priority from the matrix", () => {
    expect(volumeRaiseOf(subject("medium", "medium"), { impact: "high" }, M)).toEqual({ impact: "high" });
    expect(afterVolumeRaise(subject("medium", "medium"), { impact: "high" }, M)).toMatchObject({
      impact: "high",
      priority: "P2",
      major: false,
    });
  });

  it("leaves an incident already at that level (or above) untouched", () => {
    expect(volumeRaiseOf(subject("high", "low"), { impact: "high" }, M)).toBeNull();
    expect(volumeRaiseOf(subject("high", "high"), { impact: "medium", urgency: "medium" }, M)).toBeNull();
    expect(volumeRaiseOf(subject("low", "low", { major: true }), { major: true }, M)).toBeNull();
  });

  it("sets the major flag only when the rule asks", () => {
    expect(volumeRaiseOf(subject("low", "low"), { major: true }, M)).toEqual({ major: true });
    expect(volumeRaiseOf(subject("low", "low"), { major: false }, M)).toBeNull();
  });

  it("keeps a priority set by hand unless the raised matrix is more urgent", () => {
    const p2ByHand = subject("low", "low", { priority: "P2" });
    expect(volumeRaiseOf(p2ByHand, { impact: "medium" }, M)).toEqual({ impact: "medium" });
    expect(afterVolumeRaise(p2ByHand, { impact: "medium" }, M).priority).toBe("P2");
    expect(volumeRaiseOf(p2ByHand, { impact: "high", urgency: "high" }, M)).toEqual({
      impact: "high",
      urgency: "high",
      priorityOverride: null,
    });
    const raised = volumeRaiseOf(p2ByHand, { impact: "high", urgency: "high" }, M);
    expect(raised && afterVolumeRaise(p2ByHand, raised, M).priority).toBe("P1");
  });

  it("never lowers anything, and reaches at least the rule's levels", () => {
    fc.assert(
      fc.property(incident, rule, (i, r) => {
        const change = volumeRaiseOf(i, r, M);
        const after = change ? afterVolumeRaise(i, change, M) : i;
        expect(severity(after.impact)).toBeLessThanOrEqual(severity(i.impact));
        expect(severity(after.urgency)).toBeLessThanOrEqual(severity(i.urgency));
        expect(priorityRank(after.priority)).toBeLessThanOrEqual(priorityRank(i.priority));
        if (i.major) expect(after.major).toBe(true);
        if (r.impact) expect(severity(after.impact)).toBeLessThanOrEqual(severity(r.impact));
        if (r.urgency) expect(severity(after.urgency)).toBeLessThanOrEqual(severity(r.urgency));
        if (r.major) expect(after.major).toBe(true);
      }),
    );
  });

  it("is idempotent: a raised incident has nothing more to raise", () => {
    fc.assert(
      fc.property(incident, rule, (i, r) => {
        const change = volumeRaiseOf(i, r, M);
        if (change) expect(volumeRaiseOf(afterVolumeRaise(i, change, M), r, M)).toBeNull();
      }),
    );
  });

  it("returns a change only when something changes", () => {
    fc.assert(
      fc.property(incident, rule, (i, r) => {
        const change = volumeRaiseOf(i, r, M);
        if (change) expect(afterVolumeRaise(i, change, M)).not.toEqual(i);
      }),
    );
  });
});

describe("caller volume words", () => {
  it("gives the reason logged with the raise", () => {
    expect(volumeReason(10, 15 * 60_000)).toBe("caller volume: 10 callers in 15 minutes");
    expect(volumeReason(25, 3_600_000)).toBe("caller volume: 25 callers in 1 hour");
  });

  it("describes the crossing in the log without any caller's details", () => {
    const line = describeEntry({
      kind: "caller_volume_reached",
      details: { key: "r1", callers: 10, threshold: 10, withinMs: 15 * 60_000 },
    } as never);
    expect(line).toBe("Caller volume reached: 10 callers in 15 minutes");
  });
});
