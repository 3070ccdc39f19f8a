import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/config/policy.js";
import { callbackClock, scheduleFields } from "../../../src/services/sla-plan.js";
import { policyOf } from "../../helpers/policy-result.js";

const YAML = `
timezone: UTC
business_hours: { days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00" }
roles: { team_lead: [U1] }
incident_types:
  outage: { label: Outage, escalation: [team_lead] }
  complaint: { label: Complaint, escalation: [team_lead], callback_within: { due: 1d, hours: always } }
  other: { label: Other, escalation: [team_lead] }
sla:
  P1: { respond: 15m, update_every: 30m, resolve: 4h, hours: always, repeat: 15m }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: business, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: business, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: business, repeat: 1d }
warn_at: 0.75
callback_within: 4h
`;
const policy = policyOf(parsePolicy(YAML));

const H = 3_600_000;
// Friday 15:00 UTC: two business hours left that day.
const friday = new Date("2026-11-27T15:00:00Z");
const at = (type: string, priority: "P1" | "P4") =>
  callbackClock(policy, { incidentId: "i", type, priority, now: friday });

describe("the callback clock", () => {
  it("runs `callback_within` from the resolve, warning at warn_at", () => {
    expect(at("outage", "P1")).toMatchObject({
      name: "callbacks",
      durationMs: 4 * H,
      hours: "always",
      startedAt: friday,
      warnOffsetsMs: [3 * H],
    });
  });

  it("counts in the priority's hours unless the policy says", () => {
    const p4 = at("outage", "P4")!;
    expect(p4.hours).toBe("business");
    // Two hours on Friday, two on Monday from 09:00.
    expect(scheduleFields(policy, p4, "P4", friday).dueAt).toEqual(new Date("2026-11-30T11:00:00Z"));
    expect(at("complaint", "P4")).toMatchObject({ durationMs: 24 * H, hours: "always" });
  });

  it("is not there without `callback_within`", () => {
    const none = policyOf(parsePolicy(YAML.replace("callback_within: 4h\n", "")));
    expect(callbackClock(none, { incidentId: "i", type: "outage", priority: "P1", now: friday })).toBeNull();
    expect(
      callbackClock(none, { incidentId: "i", type: "complaint", priority: "P1", now: friday }),
    ).not.toBeNull();
  });
});
