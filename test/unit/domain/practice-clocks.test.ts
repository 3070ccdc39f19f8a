import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.js";
import { PRIORITIES } from "../../../src/domain/incident.js";
import { clockPolicyOf, isPractice, practiceClockPolicy } from "../../../src/domain/practice-clocks.js";
import { PRACTICE_SPEEDS } from "../../../src/domain/practice-scenarios.js";
import { initialClocks } from "../../../src/services/sla-plan.js";
import { policyOf } from "../../helpers/policy-result.js";

const policy = policyOf(loadPolicy(undefined));
const loggedAt = new Date("2026-12-05T21:00:00Z"); // a Saturday evening: out of business hours

describe("practiceClockPolicy", () => {
  it("divides every SLA target and repeat by the speed, in always-hours", () => {
    for (const speed of PRACTICE_SPEEDS) {
      const drill = practiceClockPolicy(policy, speed);
      for (const p of PRIORITIES) {
        const real = policy.sla[p];
        expect(drill.sla[p]).toEqual({
          respondMs: Math.round(real.respondMs / speed),
          updateEveryMs: Math.round(real.updateEveryMs / speed),
          resolveMs: Math.round(real.resolveMs / speed),
          repeatMs: Math.round(real.repeatMs / speed),
          hours: "always",
        });
      }
    }
  });

  it("scales a type's extra clocks, due time and warnings", () => {
    const drill = practiceClockPolicy(policy, 30);
    for (const [key, type] of Object.entries(policy.incidentTypes)) {
      for (const [name, clock] of Object.entries(type.clocks)) {
        const scaled = drill.incidentTypes[key]?.clocks[name];
        expect(scaled?.dueMs).toBe(Math.round(clock.dueMs / 30));
        expect(scaled?.warnMs).toEqual(clock.warnMs.map((w) => Math.round(w / 30)));
      }
    }
  });

  it("leaves the policy itself unchanged and returns one object per speed", () => {
    const before = JSON.stringify(policy);
    const a = practiceClockPolicy(policy, 10);
    expect(practiceClockPolicy(policy, 10)).toBe(a);
    expect(practiceClockPolicy(policy, 5)).not.toBe(a);
    expect(JSON.stringify(policy)).toBe(before);
    expect(a.roles).toBe(policy.roles);
  });
});

describe("clockPolicyOf", () => {
  it("is the policy itself for a real incident", () => {
    expect(clockPolicyOf(policy, { practiceRunId: null, practiceSpeed: null })).toBe(policy);
    expect(isPractice({ practiceRunId: null })).toBe(false);
  });

  it("plans a 30× drill's respond clock at a thirtieth of the target, even out of hours", () => {
    const drill = clockPolicyOf(policy, { practiceRunId: "run", practiceSpeed: 30 });
    const rows = initialClocks(drill, { incidentId: "i", type: "complaint", priority: "P4", loggedAt });
    const respond = rows.find((r) => r.name === "respond");
    const target = policy.sla.P4.respondMs / 30;
    expect(respond?.hours).toBe("always");
    expect(respond?.dueAt.getTime()).toBe(loggedAt.getTime() + target);
    expect(respond?.nextStepAt?.getTime()).toBe(loggedAt.getTime() + Math.floor(target * policy.warnAt));
  });

  it("runs a 1× drill at full length, still in always-hours", () => {
    const drill = clockPolicyOf(policy, { practiceRunId: "run", practiceSpeed: 1 });
    const rows = initialClocks(drill, { incidentId: "i", type: "complaint", priority: "P4", loggedAt });
    const resolve = rows.find((r) => r.name === "resolve");
    expect(resolve?.dueAt.getTime()).toBe(loggedAt.getTime() + policy.sla.P4.resolveMs);
  });
});
