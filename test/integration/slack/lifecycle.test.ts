import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, type makeIncident, readyIncident as makeReady } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { submitView } from "../../helpers/interact.js";
import { buttonClick, formValue } from "../../helpers/slack-payloads.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

const readyIncident = (overrides: Parameters<typeof makeIncident>[1] = {}) => makeReady(deps(), overrides);

/** Clicks a card button and returns the ephemeral answer (or the modal it opened). */
async function click(
  incident: IncidentRow,
  actionId: string,
  user: string = USERS.agent,
  actionTs?: string,
  headers?: Record<string, string>,
) {
  const triggerId = h.slack.issueTrigger({ user });
  const responseUrl = h.slack.responseUrl();
  const payload = buttonClick({
    user,
    channel: incident.channelId!,
    messageTs: incident.summaryTs!,
    actionId,
    value: incident.id,
    triggerId,
    responseUrl,
    actionTs,
  });
  const res = await h.action(payload, headers ? { headers } : undefined);
  expect(res.status).toBe(200);
  return h.slack.waitFor(() => {
    const reply = h.slack.responses.find((r) => r.url === responseUrl);
    if (reply) return { text: String(reply.body.text), view: undefined as FakeView | undefined };
    const view = h.slack.views.find((v) => v.triggerId === triggerId);
    return view ? { text: "", view } : undefined;
  });
}

/** Fills and submits a working modal; returns Slack's answer to the submission. */
const submitForm = (view: FakeView, state: Record<string, unknown>, user?: string) =>
  submitView(h, view, state, user);

const { text, choice, when } = formValue;

describe("the whole lifecycle, from the card's buttons", () => {
  it("goes open → acknowledged → in progress ⇄ on hold → resolved → closed, and the card follows", async () => {
    const incident = await readyIncident({ title: "Lifecycle walk" });
    expect((await click(incident, CARD_ACTION.acknowledge)).text).toContain("Acknowledged");
    expect((await loadIncident(deps(), incident.id)).ownerId).toBe(USERS.agent);
    expect((await click(incident, CARD_ACTION.start)).text).toContain("In progress");

    const hold = await click(incident, CARD_ACTION.hold);
    expect(
      await submitForm(hold.view!, {
        hold_reason: choice("awaiting_customer"),
        hold_note: text("Customer to call back"),
      }),
    ).toEqual({});
    await eventually("on hold", async () => (await loadIncident(deps(), incident.id)).status === "on_hold");
    expect((await click(incident, CARD_ACTION.resume)).text).toContain("In progress");

    const resolve = await click(incident, CARD_ACTION.resolve);
    const resolved = await submitForm(resolve.view!, {
      resolution_summary: text("Router replaced"),
      close_code: choice("fixed"),
      root_cause: text("Power surge"),
    });
    expect(resolved).toEqual({});
    const lead = await click(incident, CARD_ACTION.close, USERS.lead);
    expect(lead.text).toContain("Closed");

    const final = await loadIncident(deps(), incident.id);
    expect(final).toMatchObject({
      status: "closed",
      closeCode: "fixed",
      resolutionSummary: "Router replaced",
      rootCause: "Power surge",
    });
    expect(final.acknowledgedAt).not.toBeNull();
    expect(final.resolvedAt).not.toBeNull();
    expect(final.closedAt).not.toBeNull();

    const moves = (await listLog(deps().db, incident.id))
      .filter((e) => e.kind === "status_changed")
      .map((e) => `${e.details.from}>${e.details.to}`);
    expect(moves).toEqual([
      "open>acknowledged",
      "acknowledged>in_progress",
      "in_progress>on_hold",
      "on_hold>in_progress",
      "in_progress>resolved",
      "resolved>closed",
    ]);
    const card = await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(incident.channelId!).find((x) => x.ts === incident.summaryTs);
      return m?.edited && JSON.stringify(m.blocks).includes("Closed") ? m : undefined;
    });
    expect(JSON.stringify(card.blocks)).toContain("Router replaced");
    expect(JSON.stringify(card.blocks)).not.toContain(CARD_ACTION.resolve);
  });

  it("refuses closing to someone without a team-lead role, saying who may", async () => {
    const incident = await readyIncident();
    await click(incident, CARD_ACTION.acknowledge); // the agent owns it, so may resolve
    const resolve = await click(incident, CARD_ACTION.resolve);
    await submitForm(resolve.view!, { resolution_summary: text("Fixed"), close_code: choice("workaround") });
    const refused = await click(incident, CARD_ACTION.close, USERS.agent);
    expect(refused.text).toMatch(/team lead/);
    expect((await loadIncident(deps(), incident.id)).status).toBe("resolved");
  });

  it("keeps a form open with the reason when the state machine refuses", async () => {
    const incident = await readyIncident();
    await click(incident, CARD_ACTION.acknowledge);
    await click(incident, CARD_ACTION.start);
    // The hold form was opened while the incident was in progress, then it was resolved.
    const hold = await click(incident, CARD_ACTION.hold);
    const form = await click(incident, CARD_ACTION.resolve);
    await submitForm(form.view!, { resolution_summary: text("Done"), close_code: choice("fixed") });
    const answer = await submitForm(hold.view!, { hold_reason: choice("awaiting_customer") });
    expect(answer.response_action).toBe("errors");
    expect(answer.errors?.hold_reason).toMatch(/Resolved/);
  });

  it("refuses a form for a move the state machine does not allow before it opens", async () => {
    const incident = await readyIncident();
    await click(incident, CARD_ACTION.acknowledge);
    const before = h.slack.views.length;
    const answer = await click(incident, CARD_ACTION.hold);
    expect(answer.view).toBeUndefined();
    expect(answer.text).toMatch(/Acknowledged/);
    expect(h.slack.views.length).toBe(before);
  });
});

describe("permissions", () => {
  it("refuses resolving to someone who neither owns it nor leads, before any form opens", async () => {
    const incident = await readyIncident();
    await click(incident, CARD_ACTION.takeOwnership, USERS.lead);
    const answer = await click(incident, CARD_ACTION.resolve, USERS.other);
    expect(answer.view).toBeUndefined();
    expect(answer.text).toMatch(/Only the owner or a team lead/);
    expect((await loadIncident(deps(), incident.id)).status).toBe("open");
  });

  it("lets only a duty manager or above lower a P1", async () => {
    const incident = await readyIncident({ impact: "high", urgency: "high" });
    expect(incident.priority).toBe("P1");
    const lower = {
      impact: choice("low"),
      urgency: choice("low"),
      priority: choice("matrix"),
      type: choice("service_failure"),
      reason: text("Only one caller affected"),
    };
    const agentForm = await click(incident, CARD_ACTION.recategorise, USERS.agent);
    const refused = await submitForm(agentForm.view!, lower, USERS.agent);
    expect(refused.errors?.reason).toMatch(/duty manager/);
    const dutyForm = await click(incident, CARD_ACTION.recategorise, USERS.duty);
    expect(await submitForm(dutyForm.view!, lower, USERS.duty)).toEqual({});
    const after = await loadIncident(deps(), incident.id);
    expect(after).toMatchObject({ impact: "low", urgency: "low", priority: "P5" });
    const changes = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "field_changed");
    expect(changes.find((e) => e.details.field === "priority")?.details).toMatchObject({
      from: "P1",
      to: "P5",
      reason: "Only one caller affected",
    });
  });
});

describe("/incident status refuses every illegal move with what is allowed", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["open", "in_progress", /can't go straight to In progress/],
    ["open", "closed", /can't go straight to Closed/],
    ["open", "open", /already Open/],
    ["open", "bogus", /not a status\. Use one of: Acknowledged, In progress, On hold, Resolved, Closed\./],
  ];
  for (const [from, to, message] of cases) {
    it(`${from} → ${to}`, async () => {
      const incident = await readyIncident();
      const before = h.slack.responses.length;
      await h.command(`status ${to}`, { channel: incident.channelId! });
      const reply = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
      expect(String(reply.body.text)).toMatch(message);
      expect((await loadIncident(deps(), incident.id)).status).toBe(from);
    });
  }

  it("a closed incident accepts nothing", async () => {
    const incident = await readyIncident();
    await click(incident, CARD_ACTION.acknowledge);
    await h.command("status resolved", { channel: incident.channelId! }); // opens the resolve form
    const view = await h.slack.waitFor(() =>
      h.slack.views.find(
        (v) =>
          v.view.callback_id === "incident_resolve_modal" && JSON.stringify(v.view).includes(incident.id),
      ),
    );
    await submitForm(view, { resolution_summary: text("x"), close_code: choice("workaround") });
    const before = h.slack.responses.length;
    await h.command("close", { channel: incident.channelId!, user: USERS.duty });
    await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    for (const word of ["acknowledged", "in_progress", "on_hold", "resolved"]) {
      const n = h.slack.responses.length;
      await h.command(`status ${word}`, { channel: incident.channelId! });
      const reply = await h.slack.waitFor(() => h.slack.responses.slice(n)[0]);
      // Back to work means reopening, which a closed incident allows to managers only.
      expect(String(reply.body.text)).toMatch(
        word === "in_progress" ? /can reopen a closed incident/ : /Closed/,
      );
    }
    expect((await loadIncident(deps(), incident.id)).status).toBe("closed");
  });
});

describe("reopening a closed incident", () => {
  async function closedIncident() {
    const incident = await readyIncident();
    await click(incident, CARD_ACTION.acknowledge);
    const resolve = await click(incident, CARD_ACTION.resolve);
    await submitForm(resolve.view!, {
      resolution_summary: text("Router replaced"),
      close_code: choice("fixed"),
    });
    expect((await click(incident, CARD_ACTION.close, USERS.lead)).text).toContain("Closed");
    return incident;
  }

  it("lets a team lead reopen it from the closed card's Reopen button", async () => {
    const incident = await closedIncident();
    const card = await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(incident.channelId!).find((x) => x.ts === incident.summaryTs);
      return m && JSON.stringify(m.blocks).includes("Closed") ? m : undefined;
    });
    expect(JSON.stringify(card.blocks)).toContain(CARD_ACTION.reopen);
    const form = await click(incident, CARD_ACTION.reopen, USERS.lead);
    expect(await submitForm(form.view!, { reason: text("Callers report it again") }, USERS.lead)).toEqual({});
    const reopened = await loadIncident(deps(), incident.id);
    expect(reopened).toMatchObject({ status: "in_progress", closedAt: null, reopenCount: 1 });
    // Back on the clocks: the update cadence runs again and the card shows its deadline.
    expect(reopened.nextUpdateDueAt).not.toBeNull();
    expect(reopened.resolveDueAt).not.toBeNull();
    await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(incident.channelId!).find((x) => x.ts === incident.summaryTs);
      const shown = JSON.stringify(m?.blocks ?? []);
      return shown.includes("In progress") && shown.includes("next update by") ? m : undefined;
    });
  });

  it("lets a team lead reopen it with /incident reopen, and refuses anyone else before any form", async () => {
    const incident = await closedIncident();
    for (const user of [USERS.agent, USERS.other]) {
      const [replies, forms] = [h.slack.responses.length, h.slack.views.length];
      await h.command("reopen", { channel: incident.channelId!, user });
      const reply = await h.slack.waitFor(() => h.slack.responses.slice(replies)[0]);
      expect(String(reply.body.text)).toMatch(
        /Only a team lead, duty manager or head of operations can reopen a closed incident/,
      );
      expect(h.slack.views.length).toBe(forms);
    }
    expect((await loadIncident(deps(), incident.id)).status).toBe("closed");

    // What is typed after the command starts the form's reason: nothing typed is lost.
    const forms = h.slack.views.length;
    await h.command("reopen Callers report it again", { channel: incident.channelId!, user: USERS.lead });
    const view = await h.slack.waitFor(() => h.slack.views.slice(forms)[0]);
    expect(JSON.stringify(view.view.blocks)).toContain('"initial_value":"Callers report it again"');
    expect(await submitForm(view, { reason: text("Callers report it again") }, USERS.lead)).toEqual({});
    expect(await loadIncident(deps(), incident.id)).toMatchObject({ status: "in_progress", reopenCount: 1 });
    const log = await listLog(deps().db, incident.id);
    expect(
      log.filter((e) => e.kind === "status_changed" && e.details.action === "reopen").map((e) => e.actor),
    ).toEqual([USERS.lead]);
  });

  it("refuses anyone else before any form opens, saying who may", async () => {
    const incident = await closedIncident();
    const before = h.slack.views.length;
    for (const user of [USERS.agent, USERS.other]) {
      const answer = await click(incident, CARD_ACTION.reopen, user);
      expect(answer.view).toBeUndefined();
      expect(answer.text).toMatch(
        /Only a team lead, duty manager or head of operations can reopen a closed incident/,
      );
    }
    expect(h.slack.views.length).toBe(before);
    expect((await loadIncident(deps(), incident.id)).status).toBe("closed");
  });
});

describe("ownership and duplicates", () => {
  it("two people taking ownership together: exactly one wins, the other is told who owns it", async () => {
    const incident = await readyIncident();
    const [a, b] = await Promise.all([
      click(incident, CARD_ACTION.takeOwnership, USERS.agent),
      click(incident, CARD_ACTION.takeOwnership, USERS.other),
    ]);
    const owner = (await loadIncident(deps(), incident.id)).ownerId;
    expect([USERS.agent, USERS.other]).toContain(owner);
    const [won, lost] = owner === USERS.agent ? [a, b] : [b, a];
    expect(won.text).toContain("You now own");
    expect(lost.text).toContain(`<@${owner}> owns`);
    const changes = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "owner_changed");
    expect(changes).toHaveLength(1);
  });

  it("applies a redelivered request once", async () => {
    const incident = await readyIncident();
    const actionTs = "1795000000.123456";
    await click(incident, CARD_ACTION.acknowledge, USERS.agent, actionTs);
    const second = await click(incident, CARD_ACTION.acknowledge, USERS.agent, actionTs, {
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
    });
    expect(second.text).toBe("Already done.");
    const acks = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "status_changed");
    expect(acks).toHaveLength(1);
  });

  it("assigns by mention and notes go to the log and the channel", async () => {
    const incident = await readyIncident();
    let n = h.slack.responses.length;
    await h.command(`assign <@${USERS.lead}|lead>`, { channel: incident.channelId! });
    expect(String((await h.slack.waitFor(() => h.slack.responses.slice(n)[0])).body.text)).toContain(
      `<@${USERS.lead}> now owns`,
    );
    n = h.slack.responses.length;
    await h.command("note Carrier says 30 minutes &amp; counting", { channel: incident.channelId! });
    await h.slack.waitFor(() => h.slack.responses.slice(n)[0]);
    const note = await h.slack.waitFor(() =>
      h.slack.messagesIn(incident.channelId!).find((m) => String(m.text).includes("Carrier says")),
    );
    expect(note.text).toContain("30 minutes &amp; counting");
    const log = await listLog(deps().db, incident.id);
    expect(log.find((e) => e.kind === "note_added")?.details.text).toBe("Carrier says 30 minutes & counting");
    expect(log.find((e) => e.kind === "owner_changed")?.details).toMatchObject({ to: USERS.lead });
  });
});

describe("stakeholder updates", () => {
  it("fan out to five channels under 1 msg/s, 429s and 500s: one post per channel, each logged, no caller reference", async () => {
    const incident = await readyIncident({ type: "major_outage", callerReference: "ACC-SECRET-1" });
    await eventually(
      "announcements sent",
      async () => {
        const rows = await deps().db.query.outbox.findMany({
          where: (t, { eq }) => eq(t.incidentId, incident.id),
        });
        return rows.every((r) => r.status !== "pending");
      },
      { timeoutMs: 20_000 },
    );
    h.slack.setChannelRateLimit({ perSecond: 1, burst: 1 });
    h.slack.failNext("chat.postMessage", { status: 429, retryAfter: 1, channel: h.channels.security });
    h.slack.failNext("chat.postMessage", { status: 500, channel: h.channels.complaints });
    try {
      const form = await click(incident, CARD_ACTION.update);
      const next = new Date(Date.now() + 30 * 60_000);
      const answer = await submitForm(form.view!, {
        happening: text("Carrier fault on the Leeds trunk; engineers on site."),
        customer_impact: text("Callers in the north hear an engaged tone."),
        next_update: when(next),
      });
      expect(answer).toEqual({});
      const channels = [
        h.channels.stake,
        h.channels.telephony,
        h.channels.security,
        h.channels.complaints,
        h.channels.floor,
      ];
      const posted = await eventually(
        "update posted everywhere",
        async () => {
          const log = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "update_posted");
          return log.length === channels.length + 1 ? log : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(posted.map((e) => e.details.channel).sort()).toEqual([...channels, incident.channelId!].sort());
      for (const channel of channels) {
        const updates = h.slack
          .messagesIn(channel)
          .filter((m) => JSON.stringify(m).includes("Carrier fault on the Leeds trunk"));
        expect(updates).toHaveLength(1);
        expect(JSON.stringify(updates[0])).not.toContain("ACC-SECRET-1");
      }
      expect((await loadIncident(deps(), incident.id)).nextUpdateDueAt?.getTime()).toBe(
        Math.floor(next.getTime() / 1000) * 1000,
      );
    } finally {
      h.slack.setChannelRateLimit(null);
    }
  });

  it("tells the owner when an update cannot be delivered", async () => {
    const incident = await readyIncident({ type: "complaint" });
    await click(incident, CARD_ACTION.takeOwnership, USERS.lead);
    h.slack.channels.get(h.channels.complaints)!.is_archived = true;
    try {
      const form = await click(incident, CARD_ACTION.update);
      await submitForm(form.view!, {
        happening: text("Reviewing the complaint."),
        customer_impact: text("One customer."),
        next_update: when(new Date(Date.now() + 3_600_000)),
      });
      const notice = await h.slack.waitFor(
        () =>
          h.slack.messages.find((m) => m.channel.startsWith("D") && String(m.text).includes("couldn't post")),
        { timeoutMs: 20_000 },
      );
      expect(notice.text).toContain("is_archived");
      const im = h.slack.channels.get(notice.channel);
      expect(im?.members.has(USERS.lead)).toBe(true);
      const log = await listLog(deps().db, incident.id);
      expect(log.some((e) => e.kind === "delivery_failed")).toBe(true);
      expect(log.find((e) => e.kind === "delivery_failure_reported")?.details).toMatchObject({
        to: USERS.lead,
      });
    } finally {
      h.slack.channels.get(h.channels.complaints)!.is_archived = false;
    }
  });
});
