import { describe, expect, it } from "vitest";
import { loadPolicy, parsePolicy } from "../../../src/config/policy.js";
import {
  ALL_GET_CHANNELS,
  callbackPolicyOf,
  callerVolumeOf,
  workingChannelOf,
} from "../../../src/domain/policy-types.js";
import { errorsOf, policyOf } from "../../helpers/policy-result.js";

const MINIMAL = `
timezone: UTC
business_hours: { days: [mon], start: "09:00", end: "17:00" }
roles: { team_lead: [U1] }
incident_types:
  outage: { label: Outage, escalation: [team_lead] }
  complaint: { label: Complaint, escalation: [team_lead] }
sla:
  P1: { respond: 15m, update_every: 30m, resolve: 4h, hours: always, repeat: 15m }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: business, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: business, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: business, repeat: 1d }
`;

const M = 60_000;

describe("caller and routine-incident policy keys", () => {
  it("keep today's behaviour when absent: every incident gets a channel, no trigger, no callback clock", () => {
    const policy = policyOf(parsePolicy(MINIMAL));
    expect(policy.incidentChannel).toBeUndefined();
    expect(policy.workingChannel).toBeUndefined();
    expect(callerVolumeOf(policy, "outage")).toBeNull();
    expect(callbackPolicyOf(policy, "outage")).toBeNull();
    expect(policy.callbacksRequiredForClose).toBe(false);
    expect(ALL_GET_CHANNELS.for).toEqual(["P1", "P2", "P3", "P4", "P5"]);
  });

  it("the built-in policy works P4 and P5 in a thread of its working channel", () => {
    const policy = policyOf(loadPolicy(undefined));
    expect(policy.incidentChannel).toEqual({ for: ["P1", "P2", "P3"], major: true });
    expect(workingChannelOf(policy, "service_failure")).toBe("C0INCIDENTS");
    expect(callerVolumeOf(policy, "service_failure")).toEqual({
      threshold: 10,
      withinMs: 15 * M,
      raise: { impact: "high" },
    });
    expect(callbackPolicyOf(policy, "complaint")).toEqual({ withinMs: 240 * M });
  });

  it("a type's own keys win over the top level", () => {
    const policy = policyOf(
      parsePolicy(`${MINIMAL.slice(0, MINIMAL.indexOf("incident_types:"))}
working_channel: C0WORK
caller_volume: { threshold: 10, within: 15m, raise: { impact: high } }
callback_within: 4h
incident_types:
  outage:
    label: Outage
    escalation: [team_lead]
    working_channel: C0OUTAGES
    caller_volume: { threshold: 5, within: 5m, raise: { urgency: high, major: true } }
    callback_within: { due: 2h, hours: always }
  complaint: { label: Complaint, escalation: [team_lead] }
${MINIMAL.slice(MINIMAL.indexOf("sla:"))}`),
    );
    expect(workingChannelOf(policy, "outage")).toBe("C0OUTAGES");
    expect(workingChannelOf(policy, "complaint")).toBe("C0WORK");
    expect(callerVolumeOf(policy, "outage")).toEqual({
      threshold: 5,
      withinMs: 5 * M,
      raise: { urgency: "high", major: true },
    });
    expect(callerVolumeOf(policy, "complaint")?.threshold).toBe(10);
    expect(callbackPolicyOf(policy, "outage")).toEqual({ withinMs: 120 * M, hours: "always" });
    expect(callbackPolicyOf(policy, "complaint")).toEqual({ withinMs: 240 * M });
  });

  it("a priority left out of incident_channel.for needs a working channel for every type", () => {
    expect(errorsOf(parsePolicy(`${MINIMAL}incident_channel: { for: [P1, P2, P3] }\n`))).toEqual([
      "incident_types.outage.working_channel: P4, P5 incidents are worked in a thread (incident_channel.for leaves them out), so this type needs a working_channel, or set one at the top level",
      "incident_types.complaint.working_channel: P4, P5 incidents are worked in a thread (incident_channel.for leaves them out), so this type needs a working_channel, or set one at the top level",
    ]);
  });

  it("a working channel on every type is enough", () => {
    const yaml = MINIMAL.replace(
      "outage: { label: Outage, escalation: [team_lead] }",
      "outage: { label: Outage, escalation: [team_lead], working_channel: C0A }",
    ).replace(
      "complaint: { label: Complaint, escalation: [team_lead] }",
      "complaint: { label: Complaint, escalation: [team_lead], working_channel: C0B }",
    );
    const policy = policyOf(parsePolicy(`${yaml}incident_channel: { for: [P1] }\n`));
    expect(policy.incidentChannel).toEqual({ for: ["P1"], major: true });
  });

  it.each([
    ["caller_volume: { threshold: 1, within: 15m, raise: { impact: high } }", "caller_volume.threshold"],
    ["caller_volume: { threshold: 10, within: soon, raise: { impact: high } }", "caller_volume.within"],
    [
      "caller_volume: { threshold: 10, within: 15m, raise: {} }",
      "caller_volume.raise: say what to raise: impact, urgency or major: true",
    ],
    ["caller_volume: { threshold: 10, within: 15m, raise: { impact: huge } }", "caller_volume.raise.impact"],
    ["incident_channel: { for: [P9] }", "incident_channel.for[0]"],
    ["working_channel: general", 'working_channel: "general" is not a Slack channel id'],
    ["callback_within: later", "callback_within"],
    ["callback_within: { due: 4h, hours: weekends }", "callback_within"],
    ["callbacks_required_for_close: sometimes", "callbacks_required_for_close"],
  ])("%s is refused with its path", (line, start) => {
    const errors = errorsOf(parsePolicy(`${MINIMAL}${line}\n`));
    expect(
      errors.some((e) => e.startsWith(start)),
      errors.join("\n"),
    ).toBe(true);
  });
});
