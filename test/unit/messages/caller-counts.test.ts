import { describe, expect, it } from "vitest";
import {
  type CallerKpi,
  callbacksLine,
  callersFactLine,
  contactsKpiLine,
  customersAffectedLine,
} from "../../../src/domain/caller-figures.js";
import { type CallerCounts, NO_CALLERS } from "../../../src/domain/callers.js";
import type { KpiFigures } from "../../../src/domain/kpi.js";
import { factLines, reviewFacts } from "../../../src/domain/review-facts.js";
import { validateMessageBlocks, validateView } from "../../../src/emulator/block-kit.js";
import { CALLBACKS_MAX, homeView } from "../../../src/messages/home.js";
import { incidentCard } from "../../../src/messages/incident-card.js";
import { callersPart, incidentSection } from "../../../src/messages/incident-list.js";
import { kpiReportMessage } from "../../../src/messages/kpi-report.js";
import { milestoneNotice } from "../../../src/messages/milestone.js";
import { milestoneEmail } from "../../../src/messages/milestone-email.js";
import { stakeholderUpdateMessage } from "../../../src/messages/update.js";
import { incidentRow, NOW } from "../../helpers/fixtures.js";

const counts = (over: Partial<CallerCounts> = {}): CallerCounts => ({
  ...NO_CALLERS,
  callers: 37,
  recent: 9,
  callbacksWanted: 12,
  callbacksOutstanding: 3,
  ...over,
});
const TZ = "Europe/London";

describe("callbacks in the same words on every surface", () => {
  it.each([
    [{ wanted: 0, made: 0, reachedNoOne: 0 }, true, null],
    [{ wanted: 12, made: 0, reachedNoOne: 0 }, false, "12 callbacks wanted"],
    [{ wanted: 1, made: 0, reachedNoOne: 0 }, false, "1 callback wanted"],
    [{ wanted: 1, made: 0, reachedNoOne: 0 }, true, "1 callback to make"],
    [{ wanted: 12, made: 0, reachedNoOne: 0 }, true, "12 callbacks to make"],
    [{ wanted: 4, made: 3, reachedNoOne: 1 }, true, "3 of 4 callbacks made (1 reached no one)"],
    [{ wanted: 12, made: 8, reachedNoOne: 0 }, true, "8 of 12 callbacks made"],
    [{ wanted: 1, made: 1, reachedNoOne: 0 }, true, "The callback is made"],
    [{ wanted: 1, made: 1, reachedNoOne: 1 }, true, "The callback is made (it reached no one)"],
    [{ wanted: 3, made: 3, reachedNoOne: 0 }, true, "All 3 callbacks made"],
    [{ wanted: 3, made: 3, reachedNoOne: 2 }, true, "All 3 callbacks made (2 reached no one)"],
    // Reopened after some were made: the count stands.
    [{ wanted: 3, made: 1, reachedNoOne: 0 }, false, "1 of 3 callbacks made"],
  ] as const)("%o, fixed %s → %s", (figures, fixed, expected) => {
    expect(callbacksLine(figures, { fixed })).toBe(expected);
  });
});

describe("review facts: callers by channel and their callbacks", () => {
  it("reads 'Callers: 37 (phone 30, email 5, chat 2) · 11 of 12 callbacks made (1 reached no one)'", () => {
    expect(
      callersFactLine({
        callers: 37,
        byChannel: [
          { channel: "phone", count: 30 },
          { channel: "email", count: 5 },
          { channel: "chat", count: 2 },
        ],
        callbacksWanted: 12,
        callbacksMade: 11,
        callbacksReachedNoOne: 1,
      }),
    ).toBe("Callers: 37 (phone 30, email 5, chat 2) · 11 of 12 callbacks made (1 reached no one)");
  });

  it("leaves out callbacks nobody wanted, and says nothing without callers", () => {
    const one = { callers: 1, byChannel: [{ channel: "in_person" as const, count: 1 }] };
    const none = { callbacksWanted: 0, callbacksMade: 0, callbacksReachedNoOne: 0 };
    expect(callersFactLine({ ...one, ...none })).toBe("Callers: 1 (in person 1)");
    expect(callersFactLine({ callers: 0, byChannel: [], ...none })).toBeNull();
  });

  it("becomes one of the fact lines, and none without callers", () => {
    const incident = incidentRow({ resolvedAt: null, closedAt: null });
    const base = { incident, clocks: [], log: [], clockLabel: (n: string) => n, now: NOW };
    const lines = (callers?: Parameters<typeof reviewFacts>[0]["callers"]) =>
      factLines(reviewFacts({ ...base, callers }), {
        timezone: TZ,
        clockLabel: (n) => n,
        mention: (id) => id,
      });
    expect(
      lines({
        callers: 2,
        byChannel: [{ channel: "phone", count: 2 }],
        callbacksWanted: 1,
        callbacksMade: 1,
        callbacksReachedNoOne: 0,
      }).callers,
    ).toEqual(["Callers: 2 (phone 2) · The callback is made"]);
    expect(lines().callers).toEqual([]);
  });
});

describe("stakeholders hear how many customers called, never who", () => {
  it("an update says 'Customers affected so far: 37 callers'", () => {
    const update = {
      happening: "Carrier rerouting",
      customerImpact: "Card payments fail",
      nextUpdateAt: NOW,
      author: "U0LEAD",
    };
    const message = stakeholderUpdateMessage(incidentRow(), update, TZ, 37);
    expect(JSON.stringify(message.blocks)).toContain("Customers affected so far: 37 callers");
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(JSON.stringify(stakeholderUpdateMessage(incidentRow(), update, TZ).blocks)).not.toContain(
      "Customers affected",
    );
  });

  it("a milestone notice says it beside where to read more", () => {
    const notice = milestoneNotice(incidentRow(), { milestone: "resumed", by: "U0LEAD" }, 1);
    expect(JSON.stringify(notice.blocks)).toContain(
      "Customers affected so far: 1 caller · Details and updates",
    );
    expect(validateMessageBlocks(notice.blocks)).toEqual([]);
    expect(customersAffectedLine(0)).toBeNull();
  });

  it("an email lists it among the facts", () => {
    const snapshot = {
      id: "inc_1",
      reference: "INC-000123",
      priority: "P1" as const,
      major: true,
      status: "in_progress" as const,
      type: "telephony",
      typeLabel: "Telephony outage",
      title: "Payments line down",
      ownerId: "U0LEAD",
      loggedAt: "2026-12-07T10:05:00Z",
      acknowledgedAt: null,
      resolvedAt: null,
      closedAt: null,
      nextUpdateBy: null,
      channelId: "C0INC",
      callers: 37,
    };
    const mail = milestoneEmail(
      snapshot,
      { milestone: "resumed", by: "U0LEAD" },
      {
        names: (id) => id,
        timezone: TZ,
        audienceLabel: "Executives",
        channelUrl: null,
      },
    );
    expect(JSON.stringify(mail)).toContain("37 callers");
  });

  it("the stakeholder card shows the counts line and no caller reference", () => {
    const card = incidentCard(incidentRow(), {
      audience: "stakeholder",
      typeLabel: "Service failure",
      timezone: TZ,
      callerReference: "ACC-31337",
      callers: counts({ callbacksOutstanding: 12 }),
    });
    const shown = JSON.stringify(card);
    expect(shown).toContain("*Callers:* 37 (9 in the last 15 min) · 12 callbacks wanted");
    expect(shown).not.toContain("ACC-31337");
  });
});

describe("Home tab", () => {
  it("each incident's line ends with its callers and its callbacks, in the card's words", () => {
    expect(callersPart(counts(), "resolved")).toBe(" · 37 callers · 9 of 12 callbacks made");
    expect(callersPart(counts({ callbacksOutstanding: 12 }), "in_progress")).toBe(
      " · 37 callers · 12 callbacks wanted",
    );
    expect(callersPart(counts({ callbacksOutstanding: 0, callbacksReachedNoOne: 1 }), "closed")).toBe(
      " · 37 callers · All 12 callbacks made (1 reached no one)",
    );
    expect(callersPart(counts({ callbacksWanted: 0, callbacksOutstanding: 0 }), "open")).toBe(
      " · 37 callers",
    );
    expect(callersPart(counts({ callers: 0 }), "open")).toBe("");
    expect(callersPart(undefined, "open")).toBe("");
    const row = incidentSection({ ...incidentRow({ status: "resolved" }), callers: counts() }, TZ);
    expect(JSON.stringify(row)).toContain("37 callers · 9 of 12 callbacks made");
  });

  it("lists resolved incidents with callbacks to make, and stays inside a view's limits when full", () => {
    const priorities = ["P1", "P2", "P3", "P4", "P5"] as const;
    const many = Array.from({ length: 61 }, (_, n) =>
      incidentRow({ number: n + 1, priority: priorities[n % 5]!, id: `id-${n}` }),
    );
    const resolved = Array.from({ length: CALLBACKS_MAX + 2 }, (_, n) => ({
      ...incidentRow({ number: 100 + n, status: "resolved", id: `r-${n}` }),
      callers: counts(),
    }));
    const view = homeView({ mine: many, open: many, callbacks: resolved, timezone: TZ });
    expect(validateView(view)).toEqual([]);
    const shown = JSON.stringify(view);
    expect(shown).toContain("Callbacks to make");
    expect(shown).toContain("INC-000104");
    expect(shown).not.toContain("INC-000105");
    expect(JSON.stringify(homeView({ mine: [], open: [], timezone: TZ }))).not.toContain("Callbacks to make");
  });

  it("offers no Close beside callbacks still to make: the next step is the callback list", () => {
    const resolved = [
      {
        ...incidentRow({ number: 7, status: "resolved", id: "r-7" }),
        next: { kind: "lifecycle" as const, action: "close" as const },
        callers: counts(),
      },
    ];
    const view = homeView({ mine: [], open: [], callbacks: resolved, timezone: TZ });
    const [, part] = JSON.stringify(view).split("Callbacks to make");
    expect(part).toContain("INC-000007");
    expect(part).toContain("take them from the callback list");
    expect(part).not.toContain('"accessory"');
  });
});

describe("KPI report: contacts per incident", () => {
  const kpi: CallerKpi = {
    contacts: 44,
    incidents: 4,
    mean: 11,
    median: 2.5,
    byPriority: [
      { priority: "P1", incidents: 1, contacts: 40, mean: 40 },
      { priority: "P3", incidents: 3, contacts: 4, mean: 4 / 3 },
    ],
    byChannel: [
      { key: "phone", count: 40 },
      { key: "in_person", count: 4 },
    ],
  };

  it("says mean, median, per priority and per report channel", () => {
    expect(contactsKpiLine(kpi)).toBe(
      "44 contacts, 11.0 per incident (median 2.5) · by priority: P1 40.0, P3 1.3 · by channel: phone 40, in person 4",
    );
    expect(contactsKpiLine({ ...kpi, contacts: 0 })).toBe("none");
  });

  it("shows in the report message", () => {
    const figures: KpiFigures = {
      byType: [],
      byChannel: [],
      byPriority: [],
      daily: [],
      breaches: [],
      escalations: [],
      rootCauses: [],
      services: [],
      actions: { open: 0, overdue: 0 },
      callers: kpi,
    };
    const message = kpiReportMessage({
      title: "KPIs",
      periodLabel: "this week",
      timezone: TZ,
      figures,
      labels: { typeLabel: (t) => t, rootCauseLabel: (c) => c },
      footer: "footer",
    });
    expect(JSON.stringify(message.blocks)).toContain(
      "*Contacts per incident:* 44 contacts, 11.0 per incident",
    );
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
  });
});
