import { describe, expect, it } from "vitest";
import { slaFor } from "../../../src/config/policy.js";
import { demoPolicy } from "../../../src/demo/policy.js";
import { CHANNELS, PERSONAS } from "../../../src/demo/workspace.js";

const ids = Object.fromEntries(CHANNELS.map((c, i) => [c.name, `C0DEMO${i}`]));

describe("the demo policy", () => {
  it("parses with the real parser once its channel names become the workspace's ids", () => {
    const policy = demoPolicy(ids);
    const named = [
      ...policy.agentChannels,
      ...Object.values(policy.incidentTypes).flatMap((t) => t.stakeholderChannels),
    ];
    expect(named.length).toBeGreaterThan(0);
    for (const channel of named) expect(Object.values(ids)).toContain(channel);
  });

  it("escalates an unacknowledged P1 of the common type to the team lead within a minute", () => {
    const policy = demoPolicy(ids);
    expect(slaFor(policy, "P1").respondMs).toBeLessThan(60_000);
    expect(policy.incidentTypes.service_failure?.escalation[0]).toBe("team_lead");
    expect(policy.roles.team_lead).toEqual([PERSONAS.teamLead.id]);
    expect(policy.roles.duty_manager).toEqual([PERSONAS.dutyManager.id]);
    expect(policy.roles.head_of_operations).toEqual([PERSONAS.headOfOperations.id]);
  });

  it("refuses a workspace that lacks a channel it names", () => {
    const { "client-updates": _, ...missing } = ids;
    expect(() => demoPolicy(missing)).toThrow(/client-updates/);
  });
});
