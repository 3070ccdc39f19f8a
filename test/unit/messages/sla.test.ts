import { describe, expect, it } from "vitest";
import { ladderStep } from "../../../src/domain/escalation.js";
import { CARD_ACTION, ESCALATION_ACTION } from "../../../src/messages/ids.js";
import {
  acknowledgedDm,
  escalationDm,
  ladderClimbLine,
  slaBreach,
  slaWarning,
} from "../../../src/messages/sla.js";
import { incidentRow } from "../../helpers/fixtures.js";

type Button = { action_id: string; style?: string; value?: string; text: { text: string } };
const buttons = (m: { blocks: unknown[] }): Button[] =>
  m.blocks.flatMap((b) =>
    (b as { type: string }).type === "actions" ? (b as { elements: Button[] }).elements : [],
  );
const actionIds = (m: { blocks: unknown[] }) => buttons(m).map((b) => b.action_id);

/** What a person reads: Slack's date tokens show as their fallback text. */
const shown = (m: { text: string; blocks: unknown[] }) =>
  JSON.stringify(m).replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, "$1");

const ZONE = "Europe/London";
const LOGGED = new Date("2026-12-06T02:36:00Z");
const p1 = incidentRow({
  priority: "P1",
  title: "0800 number down",
  description: "Callers to the 0800 number hear silence.",
  reporterId: "U0AGENT",
  loggedAt: LOGGED,
});

describe("SLA warnings name the right people", () => {
  const warn = {
    clock: "Acknowledge",
    dueAt: new Date("2026-12-06T02:51:00Z"),
    timezone: ZONE,
  };

  it("mentions the owner", () => {
    const m = slaWarning({ ...p1, ownerId: "U0OWNER" }, { ...warn, ladderFirst: ["U0LEAD"] });
    expect(m.text).toMatch(/^:hourglass_flowing_sand: <@U0OWNER> \*INC-000042\*: Acknowledge is due/);
    expect(m.text).not.toContain("U0LEAD");
    expect(m.text).not.toContain("U0AGENT");
  });

  it("asks the first role of the ladder to take it while nobody owns it, never the reporter", () => {
    const one = slaWarning(p1, { ...warn, ladderFirst: ["U0LEAD"], ladderRole: "team_lead" });
    expect(shown(one)).toContain(
      "*INC-000042*: Acknowledge is due 6 Dec 2026 02:51 GMT. Nobody owns it yet: <@U0LEAD> (team lead), can you take it?",
    );
    const two = slaWarning(p1, { ...warn, ladderFirst: ["U0LEAD", "U0LEAD2"], ladderRole: "team_lead" });
    expect(two.text).toContain("<@U0LEAD>, <@U0LEAD2> (team lead), can one of you take it?");
    expect(two.text).not.toContain("U0AGENT");
  });

  it("gives the due time as a date Slack shows, never a countdown that goes stale", () => {
    const m = slaWarning(p1, { ...warn, ladderFirst: ["U0LEAD"], ladderRole: "team_lead" });
    expect(m.text).toContain("<!date^");
    expect(m.text).not.toMatch(/\(in \d/);
  });
});

describe("a breach notice", () => {
  it("names who was messaged", () => {
    const m = slaBreach(p1, {
      clock: "Acknowledge",
      dueAt: new Date("2026-12-06T02:51:00Z"),
      timezone: ZONE,
      escalatingTo: "team lead",
      dmed: ["U0LEAD", "U0LEAD2"],
    });
    expect(m.text).toContain("breached its acknowledge SLA");
    expect(m.text).toContain("Escalating to the team lead: <@U0LEAD>, <@U0LEAD2> messaged.");
  });
});

describe("an escalation DM", () => {
  const respond = {
    clockId: "c1",
    clock: "Acknowledge",
    clockName: "respond",
    targetMs: 15 * 60_000,
    overdueMs: 20 * 60_000,
    level: 2,
    role: "duty_manager",
    atTop: false,
    timezone: ZONE,
    alreadyTold: [{ role: "team_lead", holders: ["U0LEAD"], at: new Date("2026-12-06T02:51:00Z") }],
  };

  it("says what breached in plain words, what the incident is, when it was logged and who was told before", () => {
    const text = shown(escalationDm(p1, respond));
    expect(text).toContain("Nobody has acknowledged this P1: 20 minutes past its 15-minute target.");
    expect(text).toContain("Callers to the 0800 number hear silence.");
    expect(text).toContain("*Logged*\\n6 Dec 2026 02:36 GMT");
    expect(text).toContain("Already told: <@U0LEAD> (team lead) 6 Dec 2026 02:51 GMT");
    expect(text).toContain("makes you its owner if nobody owns it");
  });

  it("names a target of several units in full", () => {
    const text = shown(escalationDm(p1, { ...respond, clockName: "resolve", targetMs: 90 * 60_000 }));
    expect(text).toContain("This P1 is still not resolved: 20 minutes past its target of 1 hour 30 minutes.");
  });

  it("on another clock, says Acknowledge stops the messages and Take ownership makes an owner", () => {
    const text = shown(
      escalationDm(p1, { ...respond, clock: "Stakeholder update", clockName: "update_every" }),
    );
    expect(text).toContain("Stakeholders have had no update on this P1: the update is 20 minutes late.");
    expect(text).toContain("*Acknowledge* tells everyone you are on it");
  });

  it("under a minute late, says the target has just passed, never '0 seconds'", () => {
    const justNow = { ...respond, targetMs: 45_000, overdueMs: 400 };
    const ack = shown(escalationDm(p1, justNow));
    expect(ack).toContain("Nobody has acknowledged this P1: its 45-second target has just passed.");
    const update = shown(
      escalationDm(p1, { ...justNow, clock: "Stakeholder update", clockName: "update_every" }),
    );
    expect(update).toContain("Stakeholders have had no update on this P1: the update is due now.");
    for (const text of [ack, update]) expect(text).not.toContain("0 seconds");
  });

  it("keeps Take ownership for someone who does not own the incident", () => {
    const dm = escalationDm(
      { ...p1, ownerId: "U0OWNER" },
      { ...respond, clockName: "update_every", recipient: "U0HEAD" },
    );
    expect(actionIds(dm)).toEqual([
      ESCALATION_ACTION.acknowledge,
      CARD_ACTION.takeOwnership,
      ESCALATION_ACTION.openChannel,
    ]);
  });

  describe("to the incident's owner", () => {
    const owned = { ...p1, ownerId: "U0LEAD", status: "in_progress" as const };
    const toOwner = { ...respond, level: 1, role: "team_lead", alreadyTold: [], recipient: "U0LEAD" };

    it("says the missing update is theirs to post and offers Post update, not Take ownership", () => {
      const dm = escalationDm(owned, {
        ...toOwner,
        clock: "Stakeholder update",
        clockName: "update_every",
        overdueMs: 0,
      });
      const text = shown(dm);
      expect(text).toContain("You own it: stakeholders are waiting for an update on this P1, due now.");
      expect(text).not.toContain("Stakeholders have had no update");
      expect(text).toContain("*Owner*\\nYou");
      expect(actionIds(dm)).toEqual([
        CARD_ACTION.update,
        ESCALATION_ACTION.acknowledge,
        ESCALATION_ACTION.openChannel,
      ]);
      const post = buttons(dm).find((b) => b.action_id === CARD_ACTION.update);
      expect(post).toMatchObject({ style: "primary", value: owned.id, text: { text: "Post update" } });
      expect(text).toContain("*Post update* opens the update form");
      expect(text).not.toContain("Take ownership");
    });

    it("on the resolve clock, says it is still theirs to resolve and points to the channel", () => {
      const dm = escalationDm(owned, {
        ...toOwner,
        clock: "Resolve",
        clockName: "resolve",
        targetMs: 4 * 3_600_000,
      });
      const text = shown(dm);
      expect(text).toContain("You own it: this P1 is still not resolved, 20 minutes past its 4-hour target.");
      expect(actionIds(dm)).toEqual([ESCALATION_ACTION.acknowledge, ESCALATION_ACTION.openChannel]);
      expect(text).not.toContain("Take ownership");
    });

    it("by hand, drops Take ownership too", () => {
      const dm = escalationDm(owned, { ...toOwner, clockId: "", manualReason: "Queues at 20 minutes" });
      expect(actionIds(dm)).toEqual([ESCALATION_ACTION.openChannel]);
    });
  });

  describe("once acknowledged", () => {
    const ackAt = new Date("2026-12-06T03:00:00Z");
    const respondClock = {
      label: "Acknowledge",
      name: "respond",
      dueAt: new Date("2026-12-06T02:51:00Z"),
      targetMs: 15 * 60_000,
    };

    it("tells the breach in the past tense, gives status and owner as they are now, with no buttons left", () => {
      const dm = escalationDm(p1, { ...respond, step: 3, level: 3, role: "head_of_operations" });
      const edited = acknowledgedDm(dm, {
        by: "U0HEAD",
        at: ackAt,
        timezone: ZONE,
        incident: { ...p1, status: "acknowledged", ownerId: "U0HEAD" },
        clock: respondClock,
      });
      const text = shown(edited);
      expect(text).toContain("Nobody acknowledged this P1 until 9 minutes past its 15-minute target.");
      expect(text).not.toContain("Nobody has acknowledged");
      // No live-looking status or owner fields: the closing line says who owned it, with its time.
      expect(text).not.toContain("*Status*");
      expect(text).not.toContain("*Owner*");
      expect(text).toContain("<@U0HEAD> owns it.");
      expect(text).not.toContain("unassigned");
      expect(text).not.toContain("still not acknowledged");
      expect(edited.text).toContain("(reminder)");
      expect(text).toContain("Acknowledged by <@U0HEAD> 6 Dec 2026 03:00 GMT.");
      expect(text).toContain("Callers to the 0800 number hear silence.");
      expect(edited.blocks.some((b) => (b as { type: string }).type === "actions")).toBe(false);
      expect(text).not.toContain("*Acknowledge*");
    });

    it("on another clock, says how late the update was when someone said they are on it", () => {
      const owned = { ...p1, ownerId: "U0LEAD", status: "in_progress" as const };
      const dm = escalationDm(owned, {
        ...respond,
        clockName: "update_every",
        overdueMs: 0,
        recipient: "U0LEAD",
      });
      const edited = acknowledgedDm(dm, {
        by: "U0HEAD",
        at: new Date("2026-12-06T02:51:20Z"),
        timezone: ZONE,
        incident: owned,
        clock: {
          label: "Stakeholder update",
          name: "update_every",
          dueAt: respondClock.dueAt,
          targetMs: 30 * 60_000,
        },
      });
      const text = shown(edited);
      expect(text).toContain(
        "When this was acknowledged, stakeholders had had no update on this P1: the update was just due.",
      );
      expect(text).not.toContain("You own it: stakeholders are waiting");
      expect(text).not.toContain("*Status*");
      expect(text).toContain("<@U0LEAD> owns it.");
      expect(text).not.toContain("0 seconds");
    });
  });

  describe("once the breach is put right without Acknowledge", () => {
    const updateClock = {
      label: "Stakeholder update",
      name: "update_every",
      dueAt: new Date("2026-12-06T03:21:00Z"),
      targetMs: 30 * 60_000,
    };
    const lateDm = escalationDm(p1, {
      ...respond,
      clock: "Stakeholder update",
      clockName: "update_every",
      overdueMs: 60_000,
    });

    it("says who posted the update and when, in the past tense, with no buttons or their help", () => {
      const owned = { ...p1, ownerId: "U0AGENT", status: "in_progress" as const };
      expect(shown(lateDm)).toContain("Stakeholders have had no update on this P1");
      const edited = acknowledgedDm(lateDm, {
        by: "U0AGENT",
        at: new Date("2026-12-06T03:41:00Z"),
        reason: "update",
        timezone: ZONE,
        incident: owned,
        clock: updateClock,
      });
      const text = shown(edited);
      expect(text).toContain("The stakeholder update on this P1 came 20 minutes late.");
      expect(text).not.toContain("Stakeholders have had no update");
      expect(text).toContain("Dealt with: <@U0AGENT> posted an update 6 Dec 2026 03:41 GMT.");
      expect(text).not.toContain("Acknowledged by");
      expect(text).not.toContain("*Status*");
      expect(text).toContain("<@U0AGENT> owns it.");
      expect(actionIds(edited)).toEqual([]);
      expect(text).not.toContain("*Acknowledge*");
    });

    it("says who resolved it, and how late, once the incident is resolved", () => {
      const resolved = { ...p1, ownerId: "U0AGENT", status: "resolved" as const };
      const dm = escalationDm(p1, { ...respond, clock: "Resolve", clockName: "resolve", overdueMs: 0 });
      const edited = acknowledgedDm(dm, {
        by: "U0AGENT",
        at: new Date("2026-12-06T07:06:00Z"),
        reason: "resolved",
        timezone: ZONE,
        incident: resolved,
        clock: {
          label: "Resolve",
          name: "resolve",
          dueAt: new Date("2026-12-06T06:36:00Z"),
          targetMs: 4 * 3_600_000,
        },
      });
      const text = shown(edited);
      expect(text).toContain("This P1 was resolved 30 minutes past its 4-hour target.");
      expect(text).not.toContain("still not resolved");
      expect(text).toContain("Resolved by <@U0AGENT> 6 Dec 2026 07:06 GMT.");
      expect(text).not.toContain("*Status*");
      expect(text).not.toContain("owns it");
      expect(actionIds(edited)).toEqual([]);
    });

    it("names what was recorded when an extra clock's task is done", () => {
      const dm = escalationDm(p1, { ...respond, clock: "Regulator notice", clockName: "regulator_notice" });
      const edited = acknowledgedDm(dm, {
        by: "U0DPO",
        at: new Date("2026-12-06T03:41:00Z"),
        reason: "done",
        task: "Regulator notified",
        timezone: ZONE,
        incident: p1,
        clock: { label: "Regulator notice", name: "regulator_notice", dueAt: updateClock.dueAt },
      });
      const text = shown(edited);
      expect(text).toContain("When this was dealt with, *Regulator notice* was 20 minutes overdue.");
      expect(text).toContain("Dealt with: <@U0DPO> recorded *Regulator notified* 6 Dec 2026 03:41 GMT.");
      expect(actionIds(edited)).toEqual([]);
    });
  });
});

describe("climbing to the top of the ladder", () => {
  const LADDER = ["team_lead", "duty_manager", "head_of_operations"];
  const climb = (step: number) => {
    const rung = ladderStep(LADDER, step);
    const line = ladderClimbLine(
      p1,
      {
        clock: "Acknowledge",
        clockName: "respond",
        ...rung,
        to: ["U0HEAD"],
        at: new Date("2026-12-06T03:00:00Z"),
      },
      ZONE,
    );
    const dm = escalationDm(p1, {
      clockId: "c1",
      clock: "Acknowledge",
      clockName: "respond",
      overdueMs: 0,
      ...rung,
    });
    return { line: line.text, dm: dm.text };
  };

  it("escalates to the top role the first time it is reached, not reminds it", () => {
    const { line, dm } = climb(2);
    expect(line).toBe(
      ":mega: INC-000042: nobody has acknowledged it yet, so it went to the head of operations (<@U0HEAD>).",
    );
    expect(dm).toBe(":rotating_light: Escalation level 3 (head of operations): INC-000042 P1");
  });

  it("reminds the top role at each step after that", () => {
    const { line, dm } = climb(3);
    expect(line).toBe(
      ":mega: INC-000042: nobody has acknowledged it yet; reminded the head of operations (<@U0HEAD>) again.",
    );
    expect(dm).toBe(":rotating_light: Escalation level 3 (head of operations): INC-000042 P1 (reminder)");
  });
});
