import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.js";
import { scenarioFor } from "../../../src/domain/practice-scenarios.js";
import {
  type PracticeIncident,
  type PracticeLogEntry,
  type PracticePoint,
  type PracticeScore,
  personalDataIn,
  type ScoreInput,
  scorePractice,
} from "../../../src/domain/practice-scoring.js";
import { policyOf } from "../../helpers/policy-result.js";

const policy = policyOf(loadPolicy(undefined)); // Europe/London: GMT in December
const phones = scenarioFor(policy, "telephony_outage_flood"); // high × high → P1, major
if (!phones) throw new Error("built-in scenario missing");

const TRAINEE = "U0AGENT1";
const LEAD = "U0LEAD";
const t = (clock: string) => new Date(`2026-12-07T${clock}Z`);
const entry = (at: string, kind: string, details: Record<string, unknown> = {}, actor = TRAINEE) => ({
  at: t(at),
  actor,
  kind,
  details,
});

const incident = (over: Partial<PracticeIncident> = {}): PracticeIncident => ({
  title: "Main number cuts off after one ring",
  description: "Callers say the main number drops after one ring.",
  type: "telephony_outage",
  reportChannel: "phone",
  impact: "high",
  urgency: "high",
  priority: "P1",
  matrixPriority: "P1",
  priorityOverrideReason: null,
  major: true,
  loggedAt: t("10:00:00"),
  acknowledgedAt: t("10:00:20"),
  resolvedAt: t("10:03:20"),
  closedAt: t("10:05:30"),
  closeCode: "fixed",
  resolutionSummary: "Carrier re-routed the trunk group; calls reach the queues again.",
  ...over,
});

const created = (over: Record<string, unknown> = {}) =>
  entry("10:00:00", "created", {
    reference: "INC-000123",
    title: "Main number cuts off after one ring",
    type: "telephony_outage",
    reportChannel: "phone",
    impact: "high",
    urgency: "high",
    priority: "P1",
    matrixPriority: "P1",
    major: true,
    ...over,
  });

const WELL_RUN: PracticeLogEntry[] = [
  created(),
  entry("10:00:00", "caller_reference_set", { set: true }),
  entry("10:00:20", "status_changed", { from: "open", to: "acknowledged", action: "acknowledge" }),
  entry("10:00:40", "escalation_sent", { manual: true, level: 2, role: "duty_manager", to: ["U0DUTY"] }),
  entry("10:00:50", "update_written", { channels: ["C0STAKE"], nextUpdateAt: "2026-12-07T10:01:50Z" }),
  entry("10:01:00", "briefing_posted", { briefingId: "b1", channels: ["C0FLOOR"] }),
  entry("10:01:30", "briefing_confirmed", { briefingId: "b1", team: "floor_a", teamLabel: "Floor A" }, LEAD),
  entry("10:01:45", "update_written", { channels: ["C0STAKE"] }),
  entry("10:01:50", "note_added", {
    text: "Carrier says a trunk group is down; INC-000123 is the one to follow.",
  }),
  entry("10:02:40", "update_written", { channels: ["C0STAKE"] }),
  entry("10:03:20", "status_changed", {
    from: "in_progress",
    to: "resolved",
    action: "resolve",
    resolution: { closeCode: "fixed", summary: "Carrier re-routed the trunk group." },
  }),
  entry("10:05:00", "review_completed", { reviewId: "r1", category: "third_party", actions: 1 }),
];

const input = (over: Partial<ScoreInput> = {}): ScoreInput => ({
  incident: incident(),
  log: WELL_RUN,
  scenario: phones,
  policy,
  trainees: [TRAINEE],
  speed: 30,
  now: t("10:06:00"),
  ...over,
});

const byPoint = (score: PracticeScore) =>
  Object.fromEntries(score.points.map((p) => [p.point, p])) as Record<
    PracticePoint,
    PracticeScore["points"][number]
  >;

describe("scoring a practice drill", () => {
  it("a well-run drill meets every point, with the times as evidence", () => {
    const score = scorePractice(input());
    expect(score.points.map((p) => [p.point, p.score])).toEqual([
      ["logged", "met"],
      ["priority", "met"],
      ["acknowledged", "met"],
      ["updates", "met"],
      ["briefing", "met"],
      ["escalation", "met"],
      ["personal_data", "met"],
      ["resolved", "met"],
      ["review", "met"],
    ]);
    expect(score).toMatchObject({ earned: 9, applicable: 9, overall: 1 });
    const points = byPoint(score);
    expect(points.acknowledged.evidence).toBe(
      "Acknowledged at 10:00:20, 20 seconds after logging; the P1 respond SLA is 15 minutes (scaled 30×: 30 seconds).",
    );
    expect(points.priority.evidence).toBe("P1: impact high and urgency high give P1.");
    expect(points.updates.evidence).toBe(
      "3 updates, the first at 10:00:50, never more than 55 seconds apart; the P1 cadence is every 30 minutes (scaled 30×: 1 minute).",
    );
    expect(points.briefing.evidence).toBe(
      "Briefing posted at 10:01:00; confirmed for Floor A from 10:01:30.",
    );
    expect(points.escalation.evidence).toBe("Escalated by hand at 10:00:40 to the duty manager.");
    expect(points.resolved.evidence).toBe("Resolved at 10:03:20 as Fixed, with a summary.");
    expect(points.review.evidence).toBe("Review written at 10:05:00.");
  });

  it("a badly-run drill misses the late acknowledgement, the updates, the priority and the pasted reference", () => {
    const log: PracticeLogEntry[] = [
      created({ impact: "high", urgency: "medium", priority: "P2", matrixPriority: "P2", major: false }),
      entry("10:00:00", "caller_reference_set", { set: true }),
      entry("10:01:10", "note_added", { text: "Caller acc 448120 says it rings once then drops" }),
      entry("10:02:00", "status_changed", { from: "open", to: "acknowledged", action: "acknowledge" }),
      entry("10:06:00", "status_changed", {
        from: "in_progress",
        to: "resolved",
        action: "resolve",
        resolution: { closeCode: "fixed", summary: "Working again." },
      }),
    ];
    const score = scorePractice(
      input({
        log,
        incident: incident({
          urgency: "medium",
          priority: "P2",
          matrixPriority: "P2",
          major: false,
          acknowledgedAt: t("10:02:00"),
          resolvedAt: t("10:06:00"),
          closedAt: null,
        }),
        now: t("10:07:00"),
      }),
    );
    const points = byPoint(score);
    expect(points.acknowledged).toMatchObject({
      score: "missed",
      evidence:
        "Acknowledged at 10:02:00, 2 minutes after logging; the P1 respond SLA is 15 minutes (scaled 30×: 30 seconds), so 1 minute 30 seconds late.",
    });
    expect(points.updates).toMatchObject({
      score: "missed",
      evidence:
        "No stakeholder update; the first was due by 10:01:00. The P1 cadence is every 30 minutes (scaled 30×: 1 minute).",
    });
    expect(points.priority).toMatchObject({
      score: "missed",
      evidence:
        "Priority is P2 (impact high, urgency medium); this scenario's impact high and urgency high give P1.",
    });
    expect(points.personal_data).toMatchObject({
      score: "missed",
      evidence: `A note at 10:01:10 by <@${TRAINEE}> contains the caller's reference. Those are shared and kept in the log: caller details go in the caller fields only.`,
    });
    // The evidence names the slip, never repeats the reference.
    expect(points.personal_data.evidence).not.toMatch(/448120/);
    expect(points.escalation.score).toBe("missed");
    expect(points.briefing.score).toBe("missed");
    expect(points.review.score).toBe("missed");
    expect(points.logged.score).toBe("met");
    expect(points.resolved.score).toBe("met");
    expect(score).toMatchObject({ earned: 2, applicable: 9 });
  });

  it("gives half marks for a priority reached by override, a type fixed late, and a briefing nobody confirmed", () => {
    const log = [
      created({ type: "service_failure" }),
      entry("10:00:00", "caller_reference_set", { set: true }),
      entry("10:00:30", "field_changed", { field: "type", from: "service_failure", to: "telephony_outage" }),
      entry("10:01:00", "briefing_posted", { briefingId: "b1" }),
    ];
    const points = byPoint(
      scorePractice(input({ log, incident: incident({ priorityOverrideReason: "Whole floor affected" }) })),
    );
    expect(points.logged).toMatchObject({
      score: "partly",
      evidence:
        "Logged at 10:00:00 as Service failure, changed to Telephony outage at 10:00:30. Choose the type when logging so the right people hear at once.",
    });
    expect(points.priority.score).toBe("partly");
    expect(points.priority.evidence).not.toContain("Whole floor");
    expect(points.briefing).toMatchObject({
      score: "partly",
      evidence: "Briefing posted at 10:01:00, but no team lead confirmed their team was briefed.",
    });
  });

  it("does not hold the trainee to a type the scenario logged for them", () => {
    const log = [
      { ...created({ type: "service_failure" }), actor: LEAD },
      entry("10:00:00", "caller_reference_set", { set: true }),
      entry("10:00:30", "field_changed", { field: "type", from: "service_failure", to: "telephony_outage" }),
    ];
    expect(byPoint(scorePractice(input({ log }))).logged.score).toBe("met");
  });

  it("marks an acknowledgement by someone else than the trainee as partly, and unacknowledged SLA escalations", () => {
    const log = [
      ...WELL_RUN.filter((e) => e.kind !== "status_changed" || e.details.action !== "acknowledge"),
      entry("10:00:20", "status_changed", { to: "acknowledged", action: "acknowledge" }, LEAD),
      entry(
        "10:00:10",
        "escalation_sent",
        { clock: "respond", level: 1, role: "telephony_engineer" },
        "system",
      ),
      entry("10:02:00", "escalation_sent", { clock: "regulator_notice", level: 1, role: "dpo" }, "system"),
    ];
    const points = byPoint(scorePractice(input({ log })));
    expect(points.acknowledged.score).toBe("partly");
    expect(points.acknowledged.evidence).toContain(`by <@${LEAD}> rather than the trainee`);
    expect(points.escalation).toMatchObject({
      score: "partly",
      evidence:
        "Escalated by hand at 10:00:40 to the duty manager. " +
        "The respond SLA escalation at 10:00:10 was answered at 10:00:20 (the incident acknowledged). " +
        "The regulator notice SLA escalation at 10:02:00 was never acknowledged.",
    });
  });

  it("leaves out what the scenario does not ask for, and says the drill ended unresolved", () => {
    const complaint = scenarioFor(policy, "complaint_escalates");
    if (!complaint) throw new Error("built-in scenario missing");
    const points = byPoint(
      scorePractice(
        input({
          scenario: { ...complaint, expects: { manualEscalation: false, briefing: false, review: false } },
          log: [created({ type: "complaint" })],
          incident: incident({ type: "complaint", resolvedAt: null, closedAt: null }),
        }),
      ),
    );
    expect(points.briefing.score).toBe("not_applicable");
    expect(points.review.score).toBe("not_applicable");
    expect(points.escalation).toMatchObject({
      score: "not_applicable",
      evidence: "No escalation was expected, and no SLA escalation was sent.",
    });
    expect(points.resolved).toMatchObject({
      score: "missed",
      evidence: "Not resolved by the end of the drill (10:06:00).",
    });
  });

  it("at 1× reads times to the minute and the SLA targets unscaled", () => {
    const points = byPoint(scorePractice(input({ speed: 1 })));
    expect(points.acknowledged.evidence).toBe(
      "Acknowledged at 10:00, 20 seconds after logging; the P1 respond SLA is 15 minutes.",
    );
    expect(points.updates.evidence).toBe(
      "3 updates, the first at 10:00, never more than 55 seconds apart; the P1 cadence is every 30 minutes.",
    );
  });

  it("counts a stakeholder update's own text when it holds personal data", () => {
    const texts = [
      { at: t("10:02:40"), actor: TRAINEE, what: "a stakeholder update", text: "Ring 07700 900123 back" },
    ];
    const points = byPoint(scorePractice(input({ texts })));
    expect(points.personal_data).toMatchObject({ score: "missed" });
    expect(points.personal_data.evidence).toContain(
      "A stakeholder update at 10:02:40 by <@U0AGENT1> contains a phone number.",
    );
  });
});

describe("the logged point", () => {
  it("misses a caller reference never recorded in its field, and a type left wrong", () => {
    const noReference = byPoint(
      scorePractice(input({ log: WELL_RUN.filter((e) => e.kind !== "caller_reference_set") })),
    );
    expect(noReference.logged).toMatchObject({
      score: "missed",
      evidence:
        "Logged at 10:00:00 without: caller reference. Every incident needs it; the caller reference goes in its own field.",
    });
    const wrongType = byPoint(scorePractice(input({ incident: incident({ type: "service_failure" }) })));
    expect(wrongType.logged).toMatchObject({
      score: "missed",
      evidence:
        "Logged as Service failure; this scenario's type is Telephony outage. The type decides who is told and who it escalates to.",
    });
  });

  it("says when an unacknowledged incident was due", () => {
    const log = WELL_RUN.filter((e) => e.kind !== "status_changed" || e.details.action !== "acknowledge");
    const points = byPoint(scorePractice(input({ log, incident: incident({ acknowledgedAt: null }) })));
    expect(points.acknowledged.evidence).toBe(
      "Not acknowledged; it was due by 10:00:30. The P1 respond SLA is 15 minutes (scaled 30×: 30 seconds).",
    );
  });
});

describe("the built-in scenarios", () => {
  it("hold no personal data in what they log for the trainee", () => {
    for (const s of [
      phones,
      scenarioFor(policy, "personal_data_breach"),
      scenarioFor(policy, "complaint_escalates"),
    ]) {
      if (!s) throw new Error("built-in scenario missing");
      for (const text of [
        s.report.title,
        s.report.description,
        s.report.callerSays,
        ...s.injects.map((i) => i.text),
      ]) {
        expect(personalDataIn(text, s.report.callerReference)).toBeNull();
      }
      expect(personalDataIn(`ref ${s.report.callerReference}`, s.report.callerReference)).toBe(
        "the caller's reference",
      );
    }
  });
});

describe("personal data in the description", () => {
  it("is a slip too, named with who logged it", () => {
    const score = scorePractice(
      input({ incident: incident({ description: "Caller jane@example.com can't get through" }) }),
    );
    expect(byPoint(score).personal_data).toMatchObject({
      score: "missed",
      evidence: `The description at 10:00:00 by <@${TRAINEE}> contains an email address. Those are shared and kept in the log: caller details go in the caller fields only.`,
    });
  });
});

describe("personalDataIn", () => {
  it.each([
    ["Caller ACC-448120 rang twice", "the caller's reference"],
    ["caller is acc 448120", "the caller's reference"],
    ["another one: ACC-551902", "a caller reference"],
    ["call her on 07700 900123", "a phone number"],
    ["call +44 7700 900123", "a phone number"],
    ["wrote from jane.doe@example.com", "an email address"],
  ])("finds personal data in %j", (text, kind) => {
    expect(personalDataIn(text, "ACC-448120")).toBe(kind);
  });

  it.each([
    "See INC-000123 and ACT-42",
    "Queue at 43 calls, longest wait 12 minutes",
    "Carrier re-routed at 10:05; next update 10:35",
    "Ask <@U0LEAD> in <#C0FLOOR>",
    "1,200 statements printed on 2026-12-03",
  ])("finds none in %j", (text) => {
    expect(personalDataIn(text, "ACC-448120")).toBeNull();
  });
});

describe("scoring properties", () => {
  const KINDS = [
    "created",
    "status_changed",
    "field_changed",
    "priority_overridden",
    "update_written",
    "briefing_posted",
    "briefing_confirmed",
    "escalation_sent",
    "escalation_acknowledged",
    "note_added",
    "review_completed",
    "review_requested",
    "caller_reference_set",
    "something_new",
  ];
  const at = fc.date({ min: t("09:55:00"), max: t("10:10:00"), noInvalidDate: false });
  const oddEntry = fc.record({
    at,
    actor: fc.constantFrom(TRAINEE, LEAD, "system", ""),
    kind: fc.oneof(fc.constantFrom(...KINDS), fc.string()),
    details: fc.oneof(
      fc.dictionary(
        fc.constantFrom(
          "text",
          "to",
          "action",
          "field",
          "manual",
          "clock",
          "resolution",
          "teamLabel",
          "role",
        ),
        fc.anything(),
      ),
      fc.anything(),
    ) as fc.Arbitrary<Record<string, unknown>>,
  });
  const speed = fc.constantFrom(1, 5, 10, 30, 0, -3, Number.NaN);

  it("never throws on odd log details, and the overall score stays in [0, 1]", () => {
    fc.assert(
      fc.property(fc.array(oddEntry, { maxLength: 30 }), speed, (log, s) => {
        const score = scorePractice(input({ log, speed: s }));
        expect(score.points).toHaveLength(9);
        expect(score.overall).toBeGreaterThanOrEqual(0);
        expect(score.overall).toBeLessThanOrEqual(1);
        for (const p of score.points) expect(p.evidence.length).toBeGreaterThan(0);
      }),
    );
  });

  const metAction = fc.oneof(
    at.map((a) => ({ at: a, actor: TRAINEE, kind: "update_written", details: {} })),
    at.map((a) => ({ at: a, actor: TRAINEE, kind: "briefing_posted", details: {} })),
    at.map((a) => ({ at: a, actor: LEAD, kind: "briefing_confirmed", details: { teamLabel: "Floor A" } })),
    at.map((a) => ({
      at: a,
      actor: TRAINEE,
      kind: "escalation_sent",
      details: { manual: true, role: "duty_manager" },
    })),
    at.map((a) => ({ at: a, actor: LEAD, kind: "escalation_acknowledged", details: { clock: "respond" } })),
    at.map((a) => ({ at: a, actor: TRAINEE, kind: "status_changed", details: { action: "acknowledge" } })),
    at.map((a) => ({ at: a, actor: TRAINEE, kind: "review_completed", details: {} })),
    at.map((a) => ({ at: a, actor: TRAINEE, kind: "note_added", details: { text: "Carrier engaged" } })),
  );

  it("adding a well-done action never lowers the score", () => {
    fc.assert(
      fc.property(
        fc.array(oddEntry, { maxLength: 20 }),
        metAction,
        fc.boolean(),
        (log, action, acknowledged) => {
          const base = input({ incident: incident({ acknowledgedAt: acknowledged ? t("10:00:20") : null }) });
          const before = scorePractice({ ...base, log }).overall;
          const after = scorePractice({ ...base, log: [...log, action] }).overall;
          expect(after).toBeGreaterThanOrEqual(before);
        },
      ),
    );
  });
});
