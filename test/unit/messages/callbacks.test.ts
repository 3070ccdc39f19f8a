import { describe, expect, it } from "vitest";
import type { ClaimedCallback } from "../../../src/db/queries/callbacks.js";
import type { CallbackTally } from "../../../src/domain/callbacks.js";
import {
  CALLBACKS_SHOWN,
  callbackClockNotice,
  callbackList,
  callbackTakersDm,
  closeAnywayReply,
  myCallbacksModal,
} from "../../../src/messages/callbacks.js";
import { CALLBACK_ACTION } from "../../../src/messages/ids.js";
import { breachSentence } from "../../../src/messages/sla.js";

const incident = {
  id: "8f0c7a52-8a8e-4a53-9a55-3f1f6d3f2b10",
  number: 123,
  title: "Card payments failing",
  status: "resolved" as const,
  ownerId: "U0OWNER",
};
const tally = (over: Partial<CallbackTally> = {}): CallbackTally => ({
  wanted: 12,
  outstanding: 12,
  claimed: 0,
  reachedNoOne: 0,
  byWay: { phone: 8, email: 3, sms: 1 },
  ...over,
});
const callback = (n: number, over: Partial<ClaimedCallback> = {}): ClaimedCallback => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  contactedAt: new Date("2026-12-07T10:05:00Z"),
  reportChannel: "phone",
  said: "Charged twice <b>",
  way: "phone",
  outcome: null,
  callerReference: `ACC-${n}`,
  callbackContact: `07700 900${n}`,
  ...over,
});

const json = (x: unknown) => JSON.stringify(x);

describe("the callback list", () => {
  it("asks to take callbacks, with counts only", () => {
    const list = callbackList(incident, tally());
    expect(json(list.blocks)).toContain(
      "12 callers asked to be called back (8 by phone, 3 by email, 1 by SMS). Take some and record what happened.",
    );
    expect(json(list.blocks)).toContain(CALLBACK_ACTION.takeFive);
    expect(json(list.blocks)).toContain(CALLBACK_ACTION.takeTen);
    expect(json(list.blocks)).toContain(CALLBACK_ACTION.takeAll);
    expect(list.text).toBe("Callbacks for INC-000123: 12 callbacks to make · none taken yet");
  });

  it("offers only the sizes that differ: one callback is 'Take it', seven are 'Take 5' and 'Take all'", () => {
    const labels = (t: CallbackTally) =>
      (
        callbackList(incident, t).blocks.at(-1) as { elements: Array<{ text: { text: string } }> }
      ).elements.map((e) => e.text.text);
    expect(labels(tally({ wanted: 1, outstanding: 1, byWay: { phone: 1, email: 0, sms: 0 } }))).toEqual([
      "Take it",
    ]);
    expect(labels(tally({ wanted: 7, outstanding: 7 }))).toEqual(["Take 5", "Take all"]);
    expect(labels(tally({ wanted: 7, outstanding: 3 }))).toEqual(["Take all", "My callbacks"]);
    expect(labels(tally({ outstanding: 12, claimed: 1 }))).toEqual([
      "Take 5",
      "Take 10",
      "Take all",
      "My callbacks",
    ]);
  });

  it("drops the Take buttons once all are taken, and every button once closed or done", () => {
    const taken = callbackList(incident, tally({ outstanding: 4, claimed: 4 }));
    expect(json(taken.blocks)).not.toContain(CALLBACK_ACTION.takeTen);
    expect(json(taken.blocks)).toContain(CALLBACK_ACTION.mine);
    expect(json(taken.blocks)).not.toContain("Take some");
    expect(json(taken.blocks)).toContain("All are taken: record what happened under *My callbacks*.");
    const closed = callbackList({ ...incident, status: "closed" }, tally({ outstanding: 4, claimed: 1 }));
    expect(json(closed.blocks)).not.toContain(CALLBACK_ACTION.takeFive);
    expect(json(closed.blocks)).not.toContain("Take some");
    const done = callbackList(incident, tally({ outstanding: 0 }));
    expect(json(done.blocks)).toContain("All 12 callbacks made.");
    expect(json(done.blocks)).not.toContain("Take some");
  });
});

describe("the claimer's callbacks", () => {
  it("shows each caller's details, escaped, with an outcome choice per callback", () => {
    const view = myCallbacksModal(incident, [callback(1), callback(2, { outcome: "reached" })], {
      timezone: "Europe/London",
      justTook: 2,
    });
    const text = json(view.blocks);
    expect(text).toContain("ACC-1");
    expect(text).toContain("07700 9001");
    expect(text).toContain("Charged twice &lt;b&gt;");
    expect(text).toContain("You took 2. You have 1 to make.");
    expect(text).toContain("That you viewed it is logged");
    const selects = view.blocks.filter((b) => json(b).includes(CALLBACK_ACTION.outcome));
    expect(selects).toHaveLength(2);
    expect(json(selects[1])).toContain(`"initial_option"`);
    expect(JSON.parse(view.private_metadata)).toEqual({
      incidentId: incident.id,
      ids: [callback(1).id, callback(2).id],
    });
  });

  it("keeps a call that reached no one to try again, and says so", () => {
    const view = myCallbacksModal(incident, [callback(1, { outcome: "no_answer" }), callback(2)], {
      timezone: "Europe/London",
    });
    expect(json(view.blocks)).toContain(
      "You have 1 to make. Choose what happened after each call. 1 call reached no one: try again, and choose *Reached* if you get through.",
    );
    const done = myCallbacksModal(incident, [callback(1, { outcome: "no_answer" })], {
      timezone: "Europe/London",
    });
    expect(json(done.blocks)).toContain(
      "All your callbacks for INC-000123 are recorded. 1 call reached no one",
    );
    const reached = myCallbacksModal(incident, [callback(1, { outcome: "reached" })], {
      timezone: "Europe/London",
    });
    expect(json(reached.blocks)).toContain("are recorded. Thank you.");
  });

  it("says what to tell callers now, as written at the resolve, or the built-in words", () => {
    const told = myCallbacksModal(
      { ...incident, callersNow: "Payments work again <now>. Retry your order." },
      [callback(1)],
      { timezone: "Europe/London" },
    );
    expect(json(told.blocks)).toContain(
      "*What to tell callers now*\\nPayments work again &lt;now&gt;. Retry your order.",
    );
    const unwritten = myCallbacksModal({ ...incident, callersNow: null }, [callback(1)], {
      timezone: "Europe/London",
    });
    expect(json(unwritten.blocks)).toContain("The problem has been fixed. Thank you for your patience.");
    const reopened = myCallbacksModal({ ...incident, status: "in_progress" }, [callback(1)], {
      timezone: "Europe/London",
    });
    expect(json(reopened.blocks)).not.toContain("What to tell callers now");
  });

  it("shows at most CALLBACKS_SHOWN at a time, and says how many more", () => {
    const many = Array.from({ length: CALLBACKS_SHOWN + 5 }, (_, i) => callback(i + 1));
    const view = myCallbacksModal(incident, many, { timezone: "Europe/London" });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(json(view.blocks)).toContain("…and 5 more");
  });

  it("says when a caller's details were erased", () => {
    const view = myCallbacksModal(incident, [callback(1, { callerReference: null, callbackContact: null })], {
      timezone: "Europe/London",
    });
    expect(json(view.blocks)).toContain("Caller details erased");
  });
});

describe("the DM to an agent who took callers wanting a callback", () => {
  const where = { ...incident, channelId: "C0INC", workingChannelId: null };
  it("says it is resolved, how many callbacks are to make, how many are theirs and where: counts only", () => {
    const dm = callbackTakersDm(where, { total: 3, yours: 2 });
    expect(dm.text).toBe("INC-000123 is resolved: 3 callbacks to make, take them in <#C0INC>.");
    expect(json(dm.blocks)).toContain(
      "3 callbacks to make, 2 of them for callers you spoke to. Take them from the callback list in <#C0INC>",
    );
    expect(json(callbackTakersDm(where, { total: 1, yours: 1 }).blocks)).toContain(
      "1 callback to make, for the caller you spoke to.",
    );
    expect(json(callbackTakersDm(where, { total: 4, yours: 4 }).blocks)).toContain(
      "4 callbacks to make, all for callers you spoke to.",
    );
    const thread = callbackTakersDm(
      { ...where, channelId: null, workingChannelId: "C0WORK" },
      { total: 2, yours: 1 },
    );
    expect(thread.text).toContain("take them in its thread in <#C0WORK>");
  });
});

describe("the callback clock's notices and the close question", () => {
  const dueAt = new Date("2026-12-07T16:00:00Z");
  it("says how many are still to make and by when; never who", () => {
    const warn = callbackClockNotice(incident, {
      tally: tally({ outstanding: 4 }),
      dueAt,
      timezone: "Europe/London",
      breached: false,
    });
    expect(warn.text).toContain("Callbacks for *INC-000123*: 4 of 12 still to make, due by <!date^");
    expect(warn.text).toContain("<@U0OWNER>");
    expect(warn.text).toContain("take some from the callback list");
    const allTaken = callbackClockNotice(incident, {
      tally: tally({ outstanding: 3, claimed: 3 }),
      dueAt,
      timezone: "Europe/London",
      breached: false,
    });
    expect(allTaken.text).not.toContain("take some");
    expect(allTaken.text).toContain(
      "all are taken; whoever took them, record what happened under *My callbacks*.",
    );
    const breach = callbackClockNotice(incident, {
      tally: tally({ outstanding: 4 }),
      dueAt,
      timezone: "Europe/London",
      breached: true,
      escalatingTo: "team lead",
      dmed: ["U0LEAD"],
    });
    expect(breach.text).toContain("4 of 12 still to make, were due by");
    expect(breach.text).toContain("Escalating to the team lead: <@U0LEAD> messaged.");
  });

  it("asks to close anyway with a button carrying the incident", () => {
    const reply = closeAnywayReply(incident, 4);
    expect(reply.text).toBe("INC-000123: 4 callbacks are still to make. Close anyway?");
    expect(json(reply.blocks)).toContain(CALLBACK_ACTION.closeAnyway);
    expect(json(reply.blocks)).toContain(incident.id);
  });
});

describe("the callback clock's escalation DM", () => {
  it("says callers are waiting for their callbacks", () => {
    const sentence = breachSentence(
      { priority: "P2" },
      {
        clockId: "c",
        clock: "Callbacks",
        clockName: "callbacks",
        overdueMs: 30 * 60_000,
        level: 1,
        role: "team_lead",
        atTop: false,
      },
    );
    expect(sentence).toBe(
      "Callers who asked to be called back after this P2 are still waiting: the callbacks are 30 minutes late.",
    );
  });
});
