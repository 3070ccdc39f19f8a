import { describe, expect, it } from "vitest";
import {
  briefingStatus,
  formatRate,
  helpDestination,
  impactChanges,
  impactSummary,
  teamsLedBy,
} from "../../../src/domain/floor.js";
import { describeEntry } from "../../../src/domain/log-describe.js";
import type { TeamPolicy } from "../../../src/domain/policy-types.js";

const team = (key: string, over: Partial<TeamPolicy> = {}): TeamPolicy => ({
  key,
  label: key.toUpperCase(),
  leads: [],
  members: [],
  supportChannel: null,
  ...over,
});

const A = team("a", { leads: ["U0LEADA", "U0BOTH"], members: ["U0AGENT"], supportChannel: "C0A" });
const B = team("b", { leads: ["U0LEADB", "U0BOTH"], members: ["U0AGENT", "U0OTHER"] });
const AT = new Date("2026-11-23T10:00:00Z");

describe("briefingStatus", () => {
  it("lists every team in policy order, confirmed or waiting on its leads", () => {
    const status = briefingStatus([A, B], [{ team: "b", leadId: "U0LEADB", confirmedAt: AT }]);
    expect(status).toEqual([
      { team: "a", label: "A", state: "waiting", leads: ["U0LEADA", "U0BOTH"] },
      { team: "b", label: "B", state: "confirmed", leadId: "U0LEADB", confirmedAt: AT },
    ]);
  });

  it("keeps a confirmation for a team the policy no longer has", () => {
    const status = briefingStatus([A], [{ team: "gone", leadId: "U0X", confirmedAt: AT }]);
    expect(status.map((s) => [s.team, s.state])).toEqual([
      ["a", "waiting"],
      ["gone", "confirmed"],
    ]);
  });
});

describe("teamsLedBy", () => {
  it("finds every team a lead leads, and none for an agent", () => {
    expect(teamsLedBy([A, B], "U0BOTH").map((t) => t.key)).toEqual(["a", "b"]);
    expect(teamsLedBy([A, B], "U0LEADB").map((t) => t.key)).toEqual(["b"]);
    expect(teamsLedBy([A, B], "U0AGENT")).toEqual([]);
  });
});

describe("impact", () => {
  const none = { callsQueued: null, abandonmentRate: null, affectedQueue: null };

  it("lists only the fields that changed, with old and new values", () => {
    const before = { callsQueued: 10, abandonmentRate: 5, affectedQueue: "Billing" };
    const after = { callsQueued: 42, abandonmentRate: 5, affectedQueue: null };
    expect(impactChanges(before, after)).toEqual([
      { field: "callsQueued", from: 10, to: 42 },
      { field: "affectedQueue", from: "Billing", to: null },
    ]);
    expect(impactChanges(before, before)).toEqual([]);
  });

  it("summarises what is known, in words", () => {
    expect(impactSummary(none)).toBeNull();
    expect(impactSummary({ callsQueued: 1, abandonmentRate: 12.5, affectedQueue: "Billing" })).toBe(
      "1 call queued · 12.5% abandoned · queue Billing",
    );
    expect(impactSummary({ ...none, callsQueued: 0 })).toBe("0 calls queued");
  });

  it("shows a rate with one decimal at most, as a real column may hold 12.499999", () => {
    expect(formatRate(12.499999)).toBe("12.5");
    expect(formatRate(40)).toBe("40");
    expect(formatRate(0)).toBe("0");
  });
});

describe("helpDestination", () => {
  const types = (supportChannel: string | null) => ({
    service_failure: {
      key: "service_failure",
      label: "Service failure",
      guidance: null,
      stakeholderChannels: [],
      escalation: [],
      clocks: {},
      playbook: [],
      supportChannel,
    },
  });
  const ask = (policy: Parameters<typeof helpDestination>[0], teams: TeamPolicy[]) =>
    helpDestination(policy, { type: "service_failure", askerTeams: teams, leads: ["U0LEADA", "U0LEADA"] });

  it("prefers the type's channel, then the team's, then the policy's, then the leads", () => {
    expect(ask({ incidentTypes: types("C0TYPE"), supportChannel: "C0ALL" }, [A])).toEqual({
      via: "incident_type",
      channels: ["C0TYPE"],
    });
    expect(ask({ incidentTypes: types(null), supportChannel: "C0ALL" }, [B, A])).toEqual({
      via: "team",
      channels: ["C0A"],
      teamLabel: "A",
    });
    expect(ask({ incidentTypes: types(null), supportChannel: "C0ALL" }, [B])).toEqual({
      via: "policy",
      channels: ["C0ALL"],
    });
    expect(ask({ incidentTypes: types(null), supportChannel: null }, [B])).toEqual({
      via: "team_leads",
      channels: ["U0LEADA"],
    });
  });

  it("treats an unknown incident type as having no channel of its own", () => {
    const d = helpDestination(
      { incidentTypes: types("C0TYPE"), supportChannel: "C0ALL" },
      { type: "toString", askerTeams: [], leads: [] },
    );
    expect(d).toEqual({ via: "policy", channels: ["C0ALL"] });
  });
});

describe("log descriptions of the floor's entries", () => {
  const names = new Map([
    ["C0FLOOR", "#contact-floor"],
    ["U0LEAD", "Lee Lead"],
  ]);
  const line = (kind: string, details: Record<string, unknown>) =>
    describeEntry({ kind, details, actor: "U0X" } as never, { names, timezone: "Europe/London" });

  it("describes briefings, confirmations, impact and help requests", () => {
    expect(
      line("briefing_posted", {
        briefingId: "b",
        channels: ["C0FLOOR"],
        nextUpdateAt: "2026-11-23T11:00:00.000Z",
      }),
    ).toBe("Agents briefed in #contact-floor; next update to agents by Mon 23 Nov 11:00 GMT");
    expect(line("briefing_confirmed", { team: "a", teamLabel: "Floor A", lead: "U0LEAD" })).toBe(
      "Floor A confirmed briefed by Lee Lead",
    );
    expect(
      line("impact_recorded", {
        changes: [
          { field: "callsQueued", from: null, to: 42 },
          { field: "abandonmentRate", from: 5, to: 12.5 },
        ],
      }),
    ).toBe("Contact-centre impact recorded: calls queued none → 42, abandonment % 5 → 12.5");
    expect(line("impact_recorded", { changes: [] })).toBe("Contact-centre impact recorded (unchanged)");
    expect(line("help_requested", { via: "team_leads", to: ["U0LEAD"], request: "Approve\nrefunds?" })).toBe(
      "Help requested from Lee Lead by direct message: Approve refunds?",
    );
  });

  it("describes the confirmations a reopen took back, naming who had confirmed", () => {
    expect(
      line("briefing_confirmations_cleared", {
        cleared: [
          { team: "a", teamLabel: "Floor A", lead: "U0LEAD" },
          { team: "b", teamLabel: "Floor B", lead: "U0OTHER" },
        ],
      }),
    ).toBe(
      "Briefing to be confirmed again after the reopen: Floor A (was confirmed by Lee Lead) and Floor B (was confirmed by someone)",
    );
    expect(line("briefing_confirmations_cleared", { cleared: "x" })).toBe(
      "Briefing to be confirmed again after the reopen",
    );
  });

  it("never throws on odd details", () => {
    for (const kind of [
      "briefing_posted",
      "briefing_confirmed",
      "briefing_confirmations_cleared",
      "impact_recorded",
      "help_requested",
    ]) {
      expect(typeof line(kind, { channels: "x", changes: [null, 3], to: 5 })).toBe("string");
    }
  });
});
