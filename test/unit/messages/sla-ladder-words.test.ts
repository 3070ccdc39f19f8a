import { describe, expect, it } from "vitest";
import { ladderStep } from "../../../src/domain/escalation.js";
import { alreadyToldPeople, escalationDm, ladderClimbLine } from "../../../src/messages/sla.js";
import { incidentRow } from "../../helpers/fixtures.js";

/** What a person reads: Slack's date tokens show as their fallback text. */
const shown = (m: { text: string; blocks: unknown[] }) =>
  JSON.stringify(m).replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, "$1");

const LADDER = ["team_lead", "duty_manager", "head_of_operations"];
const p1 = incidentRow({ priority: "P1", title: "IVR drops calls after menu option 2" });

describe("how late an escalation DM says the breach is", () => {
  // A 45-second target with a 45-second repeat: the breach messages level 1 at the deadline,
  // level 2 a repeat later, level 3 two repeats later.
  const dm = (step: number, clockName: string, overdueMs: number, recipient?: string) =>
    shown(
      escalationDm(
        { ...p1, ownerId: recipient ?? null },
        {
          clockId: "c1",
          clock: clockName === "respond" ? "Acknowledge" : "Stakeholder update",
          clockName,
          targetMs: 45_000,
          overdueMs,
          ...ladderStep(LADDER, step),
          recipient,
        },
      ),
    );

  it("at the breach itself, says the target has just passed", () => {
    expect(dm(0, "respond", 400)).toContain(
      "Nobody has acknowledged this P1: its 45-second target has just passed.",
    );
    expect(dm(0, "update_every", 400)).toContain("the update is due now.");
  });

  it("a repeat later, says how late in full even under a minute", () => {
    const level2 = dm(1, "respond", 45_000);
    expect(level2).toContain("Nobody has acknowledged this P1: 45 seconds past its 45-second target.");
    expect(level2).not.toContain("just passed");
    expect(dm(1, "update_every", 45_000)).toContain("the update is 45 seconds late.");
    expect(dm(1, "update_every", 45_000, "U0OWNER")).toContain("now 45 seconds late");
  });

  it("two repeats later, says so too", () => {
    expect(dm(2, "respond", 90_000)).toContain("1 minute 30 seconds past its 45-second target.");
  });
});

describe("the channel's ladder lines name the clock's own problem", () => {
  const line = (clockName: string, clock: string, step: number, to = ["U0HEAD"]) =>
    ladderClimbLine(
      p1,
      { clock, clockName, ...ladderStep(LADDER, step), to, at: new Date("2026-12-06T03:00:00Z") },
      "Europe/London",
    ).text;

  it("says what is still wrong for each clock, never 'not acknowledged' once it was", () => {
    expect(line("respond", "Acknowledge", 1)).toBe(
      ":mega: INC-000042: nobody has acknowledged it yet, so it went to the duty manager (<@U0HEAD>).",
    );
    expect(line("update_every", "Stakeholder update", 3)).toBe(
      ":mega: INC-000042: stakeholders still have no update; reminded the head of operations (<@U0HEAD>) again.",
    );
    expect(line("resolve", "Resolve", 2)).toBe(
      ":mega: INC-000042: still not resolved, so it went to the head of operations (<@U0HEAD>).",
    );
    expect(line("regulator", "Regulator notified", 1)).toBe(
      ":mega: INC-000042: Regulator notified is overdue, so it went to the duty manager (<@U0HEAD>).",
    );
    for (const name of ["update_every", "resolve", "regulator"])
      expect(line(name, "x", 3)).not.toContain("acknowledged");
  });

  it("says so when nobody holds the role", () => {
    expect(line("respond", "Acknowledge", 1, [])).toBe(
      ":mega: INC-000042: nobody has acknowledged it yet, but nobody holds the duty manager role to tell.",
    );
  });

  it("heads a reminder '(reminder)' and lets the breach sentence say what is wrong", () => {
    const dm = escalationDm(p1, {
      clockId: "c1",
      clock: "Stakeholder update",
      clockName: "update_every",
      overdueMs: 180_000,
      ...ladderStep(LADDER, 4),
    });
    expect(dm.text).toBe(
      ":rotating_light: Escalation level 3 (head of operations): INC-000042 P1 (reminder)",
    );
    expect(shown(dm)).toContain("Stakeholders have had no update on this P1: the update is 3 minutes late.");
    expect(shown(dm)).not.toContain("not acknowledged");
  });
});

describe("Already told names each person once", () => {
  const at = (hhmm: string) => new Date(`2026-12-06T${hhmm}:00Z`);
  const told = [
    { role: "team_lead", holders: ["U0LEAD"], at: at("03:20") },
    { role: "duty_manager", holders: ["U0DUTY"], at: at("03:21") },
    { role: "head_of_operations", holders: ["U0HEAD"], at: at("03:25") },
    { role: "head_of_operations", holders: ["U0HEAD"], at: at("03:25") },
    { role: "head_of_operations", holders: ["U0HEAD"], at: at("03:26") },
  ];

  it("with when they were first told and how many reminders, none dropped", () => {
    const text = shown(
      escalationDm(p1, {
        clockId: "c1",
        clock: "Stakeholder update",
        clockName: "update_every",
        overdueMs: 180_000,
        ...ladderStep(LADDER, 5),
        alreadyTold: told,
        timezone: "Europe/London",
      }),
    );
    expect(text).toContain(
      "Already told: <@U0LEAD> (team lead) 6 Dec 2026 03:20 GMT; <@U0DUTY> (duty manager) 6 Dec 2026 03:21 GMT; " +
        "<@U0HEAD> (head of operations) 6 Dec 2026 03:25 GMT, reminded twice",
    );
    expect(text.match(/<@U0HEAD>/g)).toHaveLength(1);
  });

  it("counts once, twice, then times, and lists several holders of a role each once", () => {
    const people = alreadyToldPeople([
      { role: "team_lead", holders: ["U0A", "U0B"], at: at("03:20") },
      ...told.slice(2),
      { role: "head_of_operations", holders: ["U0HEAD"], at: at("03:27") },
    ]);
    expect(people.map((p) => [p.user, p.role, p.reminders])).toEqual([
      ["U0A", "team_lead", 0],
      ["U0B", "team_lead", 0],
      ["U0HEAD", "head_of_operations", 3],
    ]);
    expect(people[2]?.first).toEqual(at("03:25"));
    const three = shown(
      escalationDm(p1, {
        clockId: "c1",
        clock: "Acknowledge",
        clockName: "respond",
        overdueMs: 180_000,
        ...ladderStep(LADDER, 6),
        alreadyTold: [...told.slice(2), { role: "head_of_operations", holders: ["U0HEAD"], at: at("03:27") }],
        timezone: "Europe/London",
      }),
    );
    expect(three).toContain("<@U0HEAD> (head of operations) 6 Dec 2026 03:25 GMT, reminded 3 times");
    const once = shown(
      escalationDm(p1, {
        clockId: "c1",
        clock: "Acknowledge",
        clockName: "respond",
        overdueMs: 180_000,
        ...ladderStep(LADDER, 4),
        alreadyTold: told.slice(2, 4),
        timezone: "Europe/London",
      }),
    );
    expect(once).toContain("<@U0HEAD> (head of operations) 6 Dec 2026 03:25 GMT, reminded once");
  });
});
