import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadPolicy, parsePolicy } from "../../../src/config/policy.js";
import { DEFAULT_PERMISSIONS } from "../../../src/domain/policy-types.js";
import {
  BUILT_IN_SCENARIO_KEYS,
  PRACTICE_SPEEDS,
  scaledMs,
  scenarioFor,
  scenariosFor,
} from "../../../src/domain/practice-scenarios.js";
import { errorsOf, policyOf } from "../../helpers/policy-result.js";

const BASE = `
timezone: UTC
business_hours: { days: [mon], start: "09:00", end: "17:00" }
roles: { team_lead: [U1], duty_manager: [U2] }
incident_types:
  outage: { label: Outage, escalation: [team_lead] }
  complaint: { label: Complaint, escalation: [team_lead, duty_manager] }
sla:
  P1: { respond: 15m, update_every: 30m, resolve: 4h, hours: always, repeat: 15m }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: business, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: business, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: business, repeat: 1d }
`;

const SCENARIO = `
practice_scenarios:
  ivr_loop:
    label: IVR loops callers back to the menu
    summary: Callers choosing option 2 hear the main menu again.
    report:
      title: IVR option 2 loops back
      description: Callers pressing 2 for billing are sent back to the main menu.
      type: outage
      channel: phone
      caller_says: I've pressed 2 five times and I keep hearing the same menu.
      caller_reference: ACC-100200
    expected: { type: outage, impact: high, urgency: medium, major: false }
    expects: { manual_escalation: true }
    injects:
      - { after: 2m, kind: callers, callers: 5, text: Five more callers stuck in the menu. }
      - { after: 5m, kind: stakeholder_asks, text: "Billing manager: is anyone getting through?" }
      - { after: 10m, kind: system_back, text: The IVR routes option 2 again. }
`;

const M = 60_000;

describe("practice policy keys", () => {
  it("default to no scenarios of the policy's own and managers allowed to run drills", () => {
    const policy = policyOf(parsePolicy(BASE));
    expect(policy.practiceScenarios).toEqual([]);
    expect(policy.permissions.practice).toEqual(["team_lead", "duty_manager", "head_of_operations"]);
    expect(DEFAULT_PERMISSIONS.practice).toEqual(policy.permissions.practice);
  });

  it("reads a scenario, its injects in milliseconds, and flags defaulting from major", () => {
    const policy = policyOf(parsePolicy(BASE + SCENARIO));
    expect(policy.practiceScenarios).toEqual([
      {
        key: "ivr_loop",
        label: "IVR loops callers back to the menu",
        summary: "Callers choosing option 2 hear the main menu again.",
        report: {
          title: "IVR option 2 loops back",
          description: "Callers pressing 2 for billing are sent back to the main menu.",
          type: "outage",
          channel: "phone",
          callerSays: "I've pressed 2 five times and I keep hearing the same menu.",
          callerReference: "ACC-100200",
        },
        expected: { type: "outage", impact: "high", urgency: "medium", major: false },
        expects: { manualEscalation: true, briefing: false, review: false },
        injects: [
          { afterMs: 2 * M, kind: "callers", callers: 5, text: "Five more callers stuck in the menu." },
          { afterMs: 5 * M, kind: "stakeholder_asks", text: "Billing manager: is anyone getting through?" },
          { afterMs: 10 * M, kind: "system_back", text: "The IVR routes option 2 again." },
        ],
        builtIn: false,
      },
    ]);
  });

  it("a major scenario expects escalation, briefing and review unless it says otherwise", () => {
    const yaml = (BASE + SCENARIO)
      .replace("major: false", "major: true")
      .replace("expects: { manual_escalation: true }", "expects: { review: false }");
    const [scenario] = policyOf(parsePolicy(yaml)).practiceScenarios;
    expect(scenario?.expects).toEqual({ manualEscalation: true, briefing: true, review: false });
  });

  it("takes the practice permission from the policy, checked against its roles", () => {
    const ok = policyOf(parsePolicy(`${BASE}permissions: { practice: [duty_manager] }\n`));
    expect(ok.permissions.practice).toEqual(["duty_manager"]);
    expect(errorsOf(parsePolicy(`${BASE}permissions: { practice: [trainer] }\n`))).toEqual([
      'permissions.practice[0]: unknown role "trainer" (roles: team_lead, duty_manager)',
    ]);
  });

  it("lists every mistake in a scenario, one line each with its path", () => {
    const bad = `${BASE}
practice_scenarios:
  Bad-Key:
    label: x
    summary: x
    report: { title: t, description: d, type: outage, channel: phone, caller_says: hi }
    expected: { type: outage, impact: high, urgency: high, major: true }
  wrong:
    label: Wrong
    summary: Everything wrong
    report: { title: t, description: d, type: outages, channel: fax, caller_says: hi }
    expected: { type: billing, impact: huge, urgency: high, major: yes }
    expects: { briefing: true, coaching: true }
    injects:
      - { after: 5m, kind: callers, text: more }
      - { after: 2m, kind: gossip, text: psst }
      - { after: 10 mins, kind: note, text: n }
      - { after: 12m, kind: note, text: n, callers: 3 }
  unordered:
    label: Unordered
    summary: Injects out of order
    report: { title: t, description: d, type: outage, channel: phone, caller_says: hi }
    expected: { type: outage, impact: high, urgency: high, major: true }
    injects:
      - { after: 5m, kind: note, text: first }
      - { after: 2m, kind: note, text: second }
`;
    expect(errorsOf(parsePolicy(bad)).sort()).toEqual(
      [
        'practice_scenarios.Bad-Key: invalid name "Bad-Key": must be snake_case (lower-case letters, digits and _)',
        'practice_scenarios.wrong.report.channel: expected one of phone, email, chat, social, in_person, internal_monitoring, got "fax"',
        'practice_scenarios.wrong.expected.impact: expected one of high, medium, low, got "huge"',
        'practice_scenarios.wrong.expected.major: expected true or false, got "yes"',
        "practice_scenarios.wrong.expects.coaching: unknown key (allowed: manual_escalation, briefing, review)",
        "practice_scenarios.wrong.injects[0].callers: required when kind is callers",
        'practice_scenarios.wrong.injects[1].kind: expected one of callers, stakeholder_asks, manager_asks_owner, third_party_reply, system_back, note, got "gossip"',
        'practice_scenarios.wrong.injects[2].after: "10 mins" is not a duration (use 30s, 15m, 4h, 2d)',
        "practice_scenarios.wrong.injects[3].callers: only used when kind is callers",
        'practice_scenarios.wrong.report.type: unknown incident type "outages" (types: outage, complaint)',
        'practice_scenarios.wrong.expected.type: unknown incident type "billing" (types: outage, complaint)',
        "practice_scenarios.unordered.injects[1].after: injects must be in time order: this one comes before the one above it (5m)",
      ].sort(),
    );
  });

  it("refuses more than 20 injects", () => {
    const injects = Array.from({ length: 21 }, (_, i) => `      - { after: ${i + 1}m, kind: note, text: n }`);
    const yaml = (BASE + SCENARIO).replace(/ {4}injects:\n(.|\n)*$/, `    injects:\n${injects.join("\n")}\n`);
    expect(errorsOf(parsePolicy(yaml))).toEqual(["practice_scenarios.ivr_loop.injects: at most 20 injects"]);
  });

  it("lists an unknown scenario type even while another key of the policy is wrong", () => {
    const yaml = `${BASE.replace("timezone: UTC", "timezone: Mars/Olympus")}${SCENARIO.replace(
      "type: outage, impact",
      "type: outagee, impact",
    )}`;
    expect(errorsOf(parsePolicy(yaml))).toEqual([
      'timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/London)',
      'practice_scenarios.ivr_loop.expected.type: unknown incident type "outagee" (types: outage, complaint)',
    ]);
  });
});

describe("the example in docs/practice.md", () => {
  it("parses with a policy that has its type", () => {
    const doc = readFileSync(new URL("../../../docs/practice.md", import.meta.url), "utf8");
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    const base = BASE.replace("outage: { label: Outage", "service_failure: { label: Service failure");
    const [scenario] = policyOf(parsePolicy(base + yaml)).practiceScenarios;
    expect(scenario).toMatchObject({
      key: "ivr_loop",
      expected: { type: "service_failure", impact: "high", urgency: "medium", major: false },
      expects: { manualEscalation: true, briefing: false, review: false },
    });
    expect(scenario?.injects).toHaveLength(5);
  });
});

describe("scenariosFor", () => {
  it("gives the policy's own scenarios first, then the built-in ones its types can run", () => {
    const policy = policyOf(parsePolicy(BASE + SCENARIO));
    // This policy has a complaint type but no telephony, service failure or security type.
    expect(scenariosFor(policy).map((s) => [s.key, s.builtIn, s.expected.type])).toEqual([
      ["ivr_loop", false, "outage"],
      ["complaint_escalates", true, "complaint"],
    ]);
  });

  it("offers all three built-in scenarios with the built-in policy, on its own types", () => {
    const policy = policyOf(loadPolicy(undefined));
    const scenarios = scenariosFor(policy);
    expect(scenarios.map((s) => s.key)).toEqual([...BUILT_IN_SCENARIO_KEYS]);
    expect(scenarios.map((s) => s.expected.type)).toEqual([
      "telephony_outage",
      "security_breach",
      "complaint",
    ]);
    for (const s of scenarios) {
      expect(Object.keys(policy.incidentTypes)).toContain(s.report.type);
      expect(s.injects.length).toBeLessThanOrEqual(20);
      const offsets = s.injects.map((i) => i.afterMs);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      for (const i of s.injects) expect(i.kind === "callers").toBe(i.callers !== undefined);
    }
  });

  it("falls back to a service failure for the phone outage when the policy has no telephony type", () => {
    const yaml = BASE.replace("outage: { label: Outage", "service_failure: { label: Service failure");
    const phones = scenarioFor(policyOf(parsePolicy(yaml)), "telephony_outage_flood");
    expect(phones?.report.type).toBe("service_failure");
    expect(phones?.expected.type).toBe("service_failure");
  });

  it("lets a policy scenario replace a built-in one of the same key", () => {
    const yaml = BASE + SCENARIO.replace("ivr_loop:", "complaint_escalates:");
    const scenarios = scenariosFor(policyOf(parsePolicy(yaml)));
    expect(scenarios.map((s) => [s.key, s.builtIn])).toEqual([["complaint_escalates", false]]);
  });

  it("scales offsets by the drill's speed", () => {
    expect(PRACTICE_SPEEDS).toEqual([1, 5, 10, 30]);
    expect(PRACTICE_SPEEDS.map((speed) => scaledMs(15 * M, speed))).toEqual([15 * M, 3 * M, 90_000, 30_000]);
  });
});
