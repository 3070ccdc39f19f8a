import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_PERMISSIONS } from "../../../src/domain/policy-types.js";
import { isMajor } from "../../../src/domain/priority-matrix.js";
import {
  type FactsClock,
  type FactsIncident,
  type FactsLogEntry,
  factLines,
  formatReviewTime,
  reviewFacts,
  slaLine,
} from "../../../src/domain/review-facts.js";
import {
  closeBlockedByReview,
  mayWriteReview,
  needsReview,
  reviewWriters,
} from "../../../src/domain/review-rules.js";

const T = (hhmm: string, day = "2026-11-23") => new Date(`${day}T${hhmm}:00Z`);
const label = (name: string) => ({ respond: "Acknowledge", resolve: "Resolve" })[name] ?? name;
const TZ = "Europe/London";

function incident(over: Partial<FactsIncident> = {}): FactsIncident {
  return {
    reportedAt: T("09:55"),
    loggedAt: T("10:00"),
    acknowledgedAt: T("10:10"),
    resolvedAt: T("12:00"),
    closedAt: null,
    respondDueAt: T("10:15"),
    resolveDueAt: T("14:00"),
    ...over,
  };
}

function clock(name: string, over: Partial<FactsClock> = {}): FactsClock {
  const durationMs = name === "respond" ? 15 * 60_000 : 4 * 3_600_000;
  return {
    name,
    hours: "always",
    startedAt: T("10:00"),
    durationMs,
    pausedMs: 0,
    dueAt: new Date(T("10:00").getTime() + durationMs),
    breachedAt: null,
    ...over,
  };
}

const entry = (
  at: Date,
  kind: string,
  details: Record<string, unknown> = {},
  actor = "system",
): FactsLogEntry => ({
  at,
  kind,
  actor,
  details,
});

const facts = (p: { incident?: FactsIncident; clocks?: FactsClock[]; log?: FactsLogEntry[] } = {}) =>
  reviewFacts({
    incident: p.incident ?? incident(),
    clocks: p.clocks ?? [clock("respond"), clock("resolve")],
    log: p.log ?? [],
    clockLabel: label,
    now: T("13:00"),
  });

describe("reviewFacts", () => {
  it("lists reported, logged, acknowledged and resolved in time order", () => {
    const f = facts();
    expect(f.times.map((t) => [t.label, t.at.toISOString()])).toEqual([
      ["Reported", T("09:55").toISOString()],
      ["Logged", T("10:00").toISOString()],
      ["Acknowledged", T("10:10").toISOString()],
      ["Resolved", T("12:00").toISOString()],
    ]);
  });

  it("reads escalations from the log with their level, role and recipients, and reopens with the reason", () => {
    const f = facts({
      log: [
        entry(T("10:16"), "escalation_sent", {
          clock: "respond",
          level: 1,
          role: "team_lead",
          to: ["U0LEAD"],
        }),
        entry(
          T("10:40"),
          "escalation_sent",
          { manual: true, level: 2, role: "duty_manager", to: ["U0DUTY"] },
          "U0A",
        ),
        entry(T("11:00"), "status_changed", { action: "reopen", reason: "Again" }),
        entry(T("10:30"), "note_added", { text: "ignored" }),
      ],
    });
    const escalations = f.times.filter((t) => t.label === "Escalated");
    expect(escalations).toEqual([
      {
        label: "Escalated",
        at: T("10:16"),
        detail: "level 1, team lead, Acknowledge SLA",
        people: ["U0LEAD"],
      },
      { label: "Escalated", at: T("10:40"), detail: "level 2, duty manager, by hand", people: ["U0DUTY"] },
    ]);
    expect(f.times.find((t) => t.label === "Reopened")).toMatchObject({ at: T("11:00"), detail: "Again" });
  });

  it("says by how much each SLA was met or missed", () => {
    const f = facts({
      incident: incident({ acknowledgedAt: T("10:20"), resolvedAt: T("13:30") }),
      clocks: [clock("respond", { breachedAt: T("10:15") }), clock("resolve")],
    });
    expect(f.respond).toMatchObject({ met: false, tookMs: 20 * 60_000, marginMs: 5 * 60_000 });
    expect(f.resolve).toMatchObject({ met: true, tookMs: 3.5 * 3_600_000, marginMs: 30 * 60_000 });
    const lines = factLines(f, { timezone: TZ, clockLabel: label, mention: (u) => `<@${u}>` });
    expect(lines.sla).toEqual([
      "Time to respond: 20m against 15m — missed by 5m",
      "Time to resolve: 3h 30m against 4h — met, 30m to spare",
    ]);
  });

  it("counts resolving an unacknowledged incident as its response", () => {
    const f = facts({ incident: incident({ acknowledgedAt: null, resolvedAt: T("10:12") }) });
    expect(f.respond).toMatchObject({ met: true, at: T("10:12") });
  });

  it("notes time on hold, which the resolve clock does not count", () => {
    const resolve = clock("resolve", { pausedMs: 3_600_000, dueAt: T("15:00") });
    const line = slaLine(
      facts({ incident: incident({ resolvedAt: T("14:30") }), clocks: [resolve] }).resolve!,
      TZ,
    );
    expect(line).toBe("Time to resolve: 4h 30m against 4h — met, 30m to spare; 1h on hold not counted");
  });

  it("falls back to the incident's deadlines when a clock row is missing", () => {
    const f = facts({ clocks: [] });
    expect(f.respond).toMatchObject({ dueAt: T("10:15"), targetMs: 15 * 60_000, met: true });
    expect(
      facts({ clocks: [], incident: incident({ respondDueAt: null, resolveDueAt: null }) }).respond,
    ).toBeNull();
  });

  it("lists each breach once, from the log or from a clock marked breached", () => {
    const f = facts({
      clocks: [
        clock("respond", { breachedAt: T("10:15") }),
        clock("update_every", { breachedAt: T("10:45") }),
      ],
      log: [entry(T("10:15"), "sla_breached", { clock: "respond", dueAt: T("10:15").toISOString() })],
    });
    expect(f.breaches).toEqual([
      { clock: "respond", at: T("10:15"), dueAt: T("10:15") },
      { clock: "update_every", at: T("10:45"), dueAt: clock("update_every").dueAt },
    ]);
  });

  it("says a breach once, and how late it was noticed only when that was a minute or more", () => {
    const f = facts({
      log: [
        entry(T("10:15"), "sla_breached", { clock: "respond", dueAt: T("10:15").toISOString() }),
        entry(T("12:20"), "sla_breached", { clock: "resolve", dueAt: T("10:05").toISOString() }),
      ],
    });
    const lines = factLines(f, { timezone: TZ, clockLabel: label, mention: (u) => u });
    expect(lines.breaches).toEqual([
      "Acknowledge SLA breached Mon 23 Nov 2026 10:15 GMT",
      `${label("resolve")} SLA breached Mon 23 Nov 2026 12:20 GMT, 2 h 15 min after it was due`,
    ]);
  });

  it("renders times in the policy's zone, summer time included", () => {
    expect(formatReviewTime(T("10:05"), TZ)).toBe("Mon 23 Nov 2026 10:05 GMT");
    expect(formatReviewTime(T("10:05", "2026-07-01"), TZ)).toBe("Wed 1 Jul 2026 11:05 BST");
  });

  it("escapes free text and renders mentions the medium's way", () => {
    const f = facts({
      log: [
        entry(T("10:16"), "escalation_sent", {
          clock: "respond",
          level: 1,
          role: "team_lead",
          to: ["U0LEAD"],
        }),
        entry(T("11:00"), "status_changed", { action: "reopen", reason: "<b>x</b>" }),
      ],
    });
    const lines = factLines(f, {
      timezone: TZ,
      clockLabel: label,
      mention: (u) => `@${u}`,
      escape: (s) => s.replace(/</g, "&lt;").replace(/>/g, "&gt;"),
    });
    expect(lines.times).toContain(
      "Escalated: Mon 23 Nov 2026 10:16 GMT (level 1, team lead, Acknowledge SLA) → @U0LEAD",
    );
    expect(lines.times).toContain("Reopened: Mon 23 Nov 2026 11:00 GMT (&lt;b&gt;x&lt;/b&gt;)");
  });

  it("property: key times are always in time order and the SLA verdict matches the deadline", () => {
    const minute = fc.integer({ min: 0, max: 24 * 60 });
    fc.assert(
      fc.property(minute, minute, fc.array(minute, { maxLength: 6 }), (ack, resolved, escalations) => {
        const at = (m: number) => new Date(T("10:00").getTime() + m * 60_000);
        const f = facts({
          incident: incident({ acknowledgedAt: at(ack), resolvedAt: at(Math.max(ack, resolved)) }),
          log: escalations.map((m) => entry(at(m), "escalation_sent", { clock: "respond", level: 1 })),
        });
        const times = f.times.map((t) => t.at.getTime());
        expect([...times].sort((a, b) => a - b)).toEqual(times);
        expect(f.respond!.met).toBe(ack <= 15);
        expect(f.resolve!.met).toBe(Math.max(ack, resolved) <= 240);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});

describe("review rules", () => {
  const policy = {
    roles: { team_lead: ["U0LEAD"], dpo: ["U0DPO"] },
    review: { requiredForClose: true, rootCauseCategories: {} },
    permissions: DEFAULT_PERMISSIONS,
  };

  it("treats P1, P2 and flagged incidents as major", () => {
    expect(isMajor({ priority: "P1", major: false })).toBe(true);
    expect(isMajor({ priority: "P2", major: false })).toBe(true);
    expect(isMajor({ priority: "P3", major: false })).toBe(false);
    expect(isMajor({ priority: "P4", major: true })).toBe(true);
  });

  it("lets the owner, the reporter and the managers write a review, nobody else", () => {
    const i = { ownerId: "U0OWN", reporterId: "U0REP" };
    expect(["U0OWN", "U0REP", "U0LEAD"].map((u) => mayWriteReview(policy, i, u))).toEqual([true, true, true]);
    expect(mayWriteReview(policy, i, "U0DPO")).toBe(false);
    expect(mayWriteReview(policy, { ownerId: null, reporterId: "U0REP" }, "U0OTHER")).toBe(false);
    expect(reviewWriters(policy)).toBe(
      "its owner, its reporter, a team lead, a duty manager or a head of operations",
    );
  });

  it("lets the policy's permissions.review name the roles that may write a review", () => {
    const own = { ...policy, permissions: { ...DEFAULT_PERMISSIONS, review: ["dpo"] } };
    const i = { ownerId: "U0OWN", reporterId: "U0REP" };
    expect(["U0OWN", "U0REP", "U0DPO", "U0LEAD"].map((u) => mayWriteReview(own, i, u))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(reviewWriters(own)).toBe("its owner, its reporter or a DPO");
  });

  it("holds closing only for a major incident without a completed review, when the policy says so", () => {
    const p1 = { priority: "P1" as const, major: false };
    expect(closeBlockedByReview(policy, p1, null)).toBe(true);
    expect(closeBlockedByReview(policy, p1, "requested")).toBe(true);
    expect(closeBlockedByReview(policy, p1, "completed")).toBe(false);
    expect(closeBlockedByReview(policy, { priority: "P3", major: false }, null)).toBe(false);
    expect(closeBlockedByReview({ review: { ...policy.review, requiredForClose: false } }, p1, null)).toBe(
      false,
    );
  });

  it("does not ask a duplicate for a review: its master is the one reviewed", () => {
    expect(needsReview({ priority: "P1", major: true, closeCode: "duplicate" })).toBe(false);
    expect(needsReview({ priority: "P1", major: true, closeCode: "fixed" })).toBe(true);
    expect(closeBlockedByReview(policy, { priority: "P2", major: false, closeCode: "duplicate" }, null)).toBe(
      false,
    );
  });
});
