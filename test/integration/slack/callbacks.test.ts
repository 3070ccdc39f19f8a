import { Writable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import {
  callerReportContacts,
  callerReports,
  type IncidentRow,
  outbox,
  slaClocks,
} from "../../../src/db/schema/index.js";
import type { CallbackWanted } from "../../../src/domain/callers.js";
import { formatReference } from "../../../src/domain/reference.js";
import { startFakeSlack } from "../../../src/emulator/server.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { createLogger } from "../../../src/lib/logger.js";
import { CALLBACK_ACTION, CARD_ACTION } from "../../../src/messages/ids.js";
import { recordCallback, takeCallbacks } from "../../../src/services/callbacks.js";
import { addCallerReport } from "../../../src/services/callers.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { eraseExpiredCallerReferences } from "../../../src/services/retention.js";
import { reviewFactLines } from "../../../src/services/review.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, commandReply, directMessagesTo, openHome, submitView } from "../../helpers/interact.js";
import { settled } from "../../helpers/settled.js";
import { formValue, modalBlockAction } from "../../helpers/slack-payloads.js";

/** Seconds-long clocks only where a test watches one: the callback clock of security breaches. */
const SLA = `
sla:
  P1: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 2s }
  P2: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 2s }
  P3: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 2s }
  P4: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P5: { respond: 1h, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
warn_at: 0.5
`;

/** P4 and P5 are worked in threads in this channel (set before the policy is read). */
let workingChannel = "";

function withCallbackClocks(yaml: string): string {
  return `${yaml.replace(
    "    escalation: [duty_manager, head_of_operations]\n  complaint:",
    "    escalation: [duty_manager, head_of_operations]\n    callback_within: 4s\n  complaint:",
  )}callback_within: 1h\nretention:\n  caller_reference: 2s\nworking_channel: ${workingChannel}\nincident_channel: { for: [P1, P2, P3] }\n`;
}

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});

let h: Harness;
const deps = () => h.system.deps;
/** Every caller detail any test recorded: none may appear outside the claimer's modal. */
const personal: string[] = [];

beforeAll(async () => {
  const fakeSlack = await startFakeSlack();
  workingChannel = fakeSlack.addChannel("incidents");
  h = await startHarness({
    sla: SLA,
    editPolicy: withCallbackClocks,
    logger: createLogger("trace", sink),
    fakeSlack,
  });
});
afterAll(async () => {
  await h?.stop();
});

let serial = 0;

/** Adds callers to an incident: one per way listed ("no" for a caller wanting no callback). */
async function addCallers(
  incident: IncidentRow,
  ways: CallbackWanted[],
  by: string = USERS.agent,
): Promise<void> {
  for (const way of ways) {
    serial += 1;
    const ref = `CBREF-${serial}-PRIVATE`;
    const contact = way === "no" ? null : `+44 7700 9${String(serial).padStart(5, "0")}`;
    personal.push(ref, ...(contact ? [contact] : []));
    const added = await addCallerReport(deps(), {
      incidentId: incident.id,
      reportChannel: "phone",
      contactedAt: new Date(Date.now() - 60_000 + serial),
      said: "Card payment failed twice",
      callback: way,
      reportedBy: by,
      submissionKey: `test-view-${serial}`,
      callerReference: ref,
      callbackContact: contact,
    });
    expect(added.ok).toBe(true);
  }
}

const ways = (counts: Partial<Record<CallbackWanted, number>>): CallbackWanted[] =>
  (Object.entries(counts) as Array<[CallbackWanted, number]>).flatMap(([w, n]) => Array(n).fill(w));

async function resolve(incident: IncidentRow, actor: string = USERS.lead, callersNow?: string) {
  const outcome = await changeStatus(deps(), {
    incidentId: incident.id,
    actor,
    action: "resolve",
    resolution: {
      summary: "Card processor restarted",
      closeCode: "fixed",
      ...(callersNow ? { callersNow } : {}),
    },
  });
  expect(outcome.ok).toBe(true);
}

/** The callback list where the incident is worked, once posted (and, with `shows`, once it says so). */
function callbackList(incident: IncidentRow, shows?: string) {
  return h.slack.waitFor(() =>
    h.slack
      .messagesIn(incident.channelId!)
      .find(
        (m) => m.text?.startsWith("Callbacks for") && (!shows || JSON.stringify(m.blocks).includes(shows)),
      ),
  );
}

const click = (incident: IncidentRow, ts: string, actionId: string, user: string) =>
  clickButton(h, { channel: incident.channelId!, ts, actionId, value: incident.id }, user);

/** The report ids whose outcome select a callbacks modal shows. */
const idsIn = (view: FakeView): string[] =>
  (view.view.blocks as Array<{ block_id?: string }>).flatMap((b) =>
    b.block_id?.startsWith("callback_") ? [b.block_id.slice("callback_".length)] : [],
  );

async function chooseOutcome(view: FakeView, reportId: string, outcome: string, user: string) {
  const res = await h.action(
    modalBlockAction({
      user,
      opened: view,
      state: {},
      actionId: CALLBACK_ACTION.outcome,
      blockId: `callback_${reportId}`,
      value: `${reportId}:${outcome}`,
    }),
  );
  expect(res.status).toBe(200);
}

const kinds = async (incident: IncidentRow, kind: string) =>
  (await listLog(deps().db, incident.id)).filter((e) => e.kind === kind);

/** The App Home `user` is shown once they open it. */
const homeOf = async (user: string): Promise<string> => JSON.stringify((await openHome(h, user)).view);

describe("callbacks close the loop", () => {
  // First in the file: Home shows the five incidents resolved earliest with callbacks to make.
  it("says the same of its callbacks on the card, the list, Home, show and the review", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 2 }));
    await resolve(incident, USERS.lead, "Card payments work again. Please retry your order.");
    const list = await callbackList(incident);
    const taken = await click(incident, list.ts, CALLBACK_ACTION.takeAll, USERS.lead);
    const [first, second] = idsIn(taken.view!);
    // Whoever calls back reads what to tell the caller, as the resolve form put it.
    expect(JSON.stringify(taken.view!.view.blocks)).toContain(
      "*What to tell callers now*\\nCard payments work again. Please retry your order.",
    );
    // A call nobody answered is made, and every surface says it reached no one.
    await chooseOutcome(taken.view!, first!, "no_answer", USERS.lead);
    const line = "1 of 2 callbacks made (1 reached no one)";
    await callbackList(incident, `${line} · 1 still to make: 1 taken`);
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find((m) => m.ts === incident.summaryTs && JSON.stringify(m.blocks).includes(line)),
    );
    const ref = formatReference(incident.number);
    expect(
      await commandReply(h, `show ${ref}`, { user: USERS.lead, channel: incident.channelId! }),
    ).toContain(line);
    const home = await homeOf(USERS.lead);
    expect(home.split("Callbacks to make")[1]).toContain(` callers · ${line}`);
    const review = await reviewFactLines(
      deps().db,
      deps(),
      await loadIncident(deps(), incident.id),
      "document",
    );
    expect(review.callers).toHaveLength(1);
    const [callersFact] = review.callers ?? [];
    expect(callersFact).toMatch(/^Callers: \d+ \(phone \d+\) · /);
    expect(callersFact?.endsWith(` · ${line}`)).toBe(true);

    // The one nobody answered stays under *My callbacks* to try again.
    const mine = await click(incident, list.ts, CALLBACK_ACTION.mine, USERS.lead);
    expect(idsIn(mine.view!).sort()).toEqual([first, second].sort());
    expect(JSON.stringify(mine.view!.view.blocks)).toContain("1 call reached no one: try again");
    await chooseOutcome(mine.view!, first!, "reached", USERS.lead);
    await chooseOutcome(mine.view!, second!, "reached", USERS.lead);
    await callbackList(incident, "All 2 callbacks made.");
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find(
          (m) => m.ts === incident.summaryTs && JSON.stringify(m.blocks).includes("All 2 callbacks made"),
        ),
    );
  });

  it("posts the callback list where the incident is worked when it is resolved, counts only", async () => {
    const incident = await readyIncident(deps(), { title: "Card payments down" });
    await addCallers(incident, ways({ phone: 8, email: 3, sms: 1, no: 2 }));
    // Resolved from the card's form, through the receiver.
    const form = await clickButton(
      h,
      {
        channel: incident.channelId!,
        ts: incident.summaryTs!,
        actionId: CARD_ACTION.resolve,
        value: incident.id,
      },
      USERS.lead,
    );
    const { text, choice } = formValue;
    expect(
      await submitView(
        h,
        form.view!,
        { resolution_summary: text("Processor restarted"), close_code: choice("fixed") },
        USERS.lead,
      ),
    ).toEqual({});

    const list = await callbackList(incident);
    expect(JSON.stringify(list.blocks)).toContain(
      "12 callers asked to be called back (8 by phone, 3 by email, 1 by SMS). Take some and record what happened.",
    );
    expect(JSON.stringify(list.blocks)).toContain("12 callbacks to make · none taken yet");
    for (const id of [CALLBACK_ACTION.takeFive, CALLBACK_ACTION.takeTen, CALLBACK_ACTION.takeAll])
      expect(JSON.stringify(list.blocks)).toContain(id);
    expect((await kinds(incident, "callbacks_listed")).map((e) => e.details)).toEqual([{ count: 12 }]);
    // Stakeholders hear that it is resolved, never about callbacks.
    for (const channel of [h.channels.stake, h.channels.telephony]) {
      await h.slack.waitFor(() =>
        h.slack.messagesIn(channel).find((m) => JSON.stringify(m).includes(formatReference(incident.number))),
      );
      expect(h.slack.messagesIn(channel).some((m) => /callback/i.test(JSON.stringify(m)))).toBe(false);
    }
    // The card counts what is still to make.
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find(
          (m) => m.ts === incident.summaryTs && JSON.stringify(m.blocks).includes(" · 12 callbacks to make"),
        ),
    );
  });

  it("gives two people taking ten at once disjoint callbacks, each shown privately, and logs outcomes", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 15 }));
    await resolve(incident);
    const list = await callbackList(incident);

    const [lead, duty] = await Promise.all([
      click(incident, list.ts, CALLBACK_ACTION.takeTen, USERS.lead),
      click(incident, list.ts, CALLBACK_ACTION.takeTen, USERS.duty),
    ]);
    const leadIds = idsIn(lead.view!);
    const dutyIds = idsIn(duty.view!);
    expect([leadIds.length, dutyIds.length].sort((a, b) => a - b)).toEqual([5, 10]);
    expect(new Set([...leadIds, ...dutyIds]).size).toBe(15);
    // The taker sees each caller's reference and contact; the list in the channel never does.
    expect(JSON.stringify(lead.view!.view.blocks)).toMatch(/CBREF-\d+-PRIVATE/);
    expect(JSON.stringify(lead.view!.view.blocks)).toMatch(/\+44 7700 9\d{5}/);
    const claims = (await kinds(incident, "callback_claimed")).map((e) => e.details.count).sort();
    expect(claims).toEqual([10, 5].sort());
    const reveals = await kinds(incident, "personal_data_viewed");
    expect(reveals.map((e) => e.actor).sort()).toEqual([USERS.duty, USERS.lead].sort());
    expect(reveals.every((e) => e.details.what === "callback contacts")).toBe(true);
    const held = await deps()
      .db.select({ by: callerReports.callbackClaimedBy, n: sql<number>`count(*)::int` })
      .from(callerReports)
      .where(sql`${callerReports.incidentId} = ${incident.id} and ${callerReports.callback} <> 'no'`)
      .groupBy(callerReports.callbackClaimedBy);
    expect(held.map((r) => r.n).sort((a, b) => a - b)).toEqual([5, 10]);

    // An outcome chosen in the modal is recorded, logged without details, and shown.
    const first = leadIds[0]!;
    await chooseOutcome(lead.view!, first, "reached", USERS.lead);
    await eventually("outcome logged", async () => (await kinds(incident, "callback_recorded")).length === 1);
    expect((await kinds(incident, "callback_recorded"))[0]).toMatchObject({
      actor: USERS.lead,
      details: { outcome: "reached", reportId: first },
    });
    await h.slack.waitFor(() => {
      const v = h.slack.views.find((x) => x.id === lead.view!.id);
      return JSON.stringify(v?.view.blocks).includes('"initial_option"') ? v : undefined;
    });
    // Someone else's callback is theirs to record.
    const refused = await recordCallback(deps(), {
      incidentId: incident.id,
      reportId: dutyIds[0]!,
      outcome: "reached",
      actor: USERS.lead,
    });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.message).toContain(`<@${USERS.duty}>`);
    // The list says how it stands; with nothing left to take, its Take buttons go.
    const edited = await callbackList(incident, "1 of 15 callbacks made · 14 still to make: 14 taken");
    expect(JSON.stringify(edited.blocks)).not.toContain(CALLBACK_ACTION.takeTen);
    expect(JSON.stringify(edited.blocks)).toContain(CALLBACK_ACTION.mine);
  });

  it("posts the list in the thread of a routine incident, where its callbacks are taken", async () => {
    const incident = await readyIncident(deps(), { impact: "low", urgency: "medium" });
    expect(incident).toMatchObject({ channelId: null, workingChannelId: workingChannel });
    await addCallers(incident, ways({ sms: 2 }));
    await resolve(incident);
    const list = await h.slack.waitFor(() =>
      h.slack.messagesIn(workingChannel).find((m) => m.text?.startsWith("Callbacks for")),
    );
    expect(list.thread_ts).toBe(incident.threadTs);
    const taken = await clickButton(
      h,
      { channel: workingChannel, ts: list.ts, actionId: CALLBACK_ACTION.takeAll, value: incident.id },
      USERS.lead,
    );
    expect(idsIn(taken.view!)).toHaveLength(2);
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(workingChannel)
        .find((m) => m.ts === list.ts && JSON.stringify(m.blocks).includes("2 callbacks to make · 2 taken")),
    );
  });

  it("puts a caller who asks for a callback after the fix on the list, and starts its clock", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ no: 1 }));
    await resolve(incident);
    expect(await kinds(incident, "callbacks_listed")).toEqual([]);
    await addCallers(incident, ways({ phone: 1 }));
    const list = await callbackList(incident, "1 callback to make · not taken yet");
    expect(JSON.stringify(list.blocks)).toContain("1 caller asked to be called back (1 by phone).");
    const [clock] = await deps()
      .db.select()
      .from(slaClocks)
      .where(sql`${slaClocks.incidentId} = ${incident.id} and ${slaClocks.name} = 'callbacks'`);
    expect(clock).toMatchObject({ state: "running" });
    // A second one joins the same list and the clock keeps its deadline.
    await addCallers(incident, ways({ email: 1 }));
    await callbackList(incident, "2 callbacks to make · none taken yet");
    const [still] = await deps()
      .db.select()
      .from(slaClocks)
      .where(sql`${slaClocks.incidentId} = ${incident.id} and ${slaClocks.name} = 'callbacks'`);
    expect(still!.dueAt).toEqual(clock!.dueAt);
    expect(await kinds(incident, "callbacks_listed")).toHaveLength(1);
  });

  it("lets only the people working the calls take callbacks", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ email: 2 }));
    await resolve(incident);
    const list = await callbackList(incident);
    const answer = await click(incident, list.ts, CALLBACK_ACTION.takeAll, USERS.other);
    expect(answer.text).toContain("personal data");
    expect(await kinds(incident, "callback_claimed")).toEqual([]);
  });

  it("lets an agent who took a call about the incident take its callbacks", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 1 }), USERS.other);
    await resolve(incident);
    const list = await callbackList(incident);
    // One callback: the list offers "Take it" alone, never sizes that all take the same one.
    const shown = JSON.stringify(list.blocks);
    expect(shown).toContain(CALLBACK_ACTION.takeOne);
    for (const id of [CALLBACK_ACTION.takeFive, CALLBACK_ACTION.takeTen, CALLBACK_ACTION.takeAll])
      expect(shown).not.toContain(id);
    const taken = await click(incident, list.ts, CALLBACK_ACTION.takeOne, USERS.other);
    expect(idsIn(taken.view!)).toHaveLength(1);
    const claimed = await eventually("the claim to be logged", async () => {
      const entries = await kinds(incident, "callback_claimed");
      return entries.length > 0 ? entries : null;
    });
    expect(claimed[0]?.actor).toBe(USERS.other);
  });

  it("runs the callback clock: warns, breaches up the type's ladder, stops with the last callback", async () => {
    const incident = await readyIncident(deps(), { type: "security_breach" });
    await addCallers(incident, ways({ phone: 1, sms: 1 }));
    await resolve(incident);
    const ref = formatReference(incident.number);

    const warning = await h.slack.waitFor(
      () =>
        h.slack
          .messagesIn(incident.channelId!)
          .find((m) => m.text?.includes(`Callbacks for *${ref}*: 2 of 2 still to make, due by`)),
      { timeoutMs: 15_000 },
    );
    expect(warning.text).not.toMatch(/CBREF|7700/);
    const breach = await h.slack.waitFor(
      () => h.slack.messagesIn(incident.channelId!).find((m) => m.text?.includes("were due by")),
      { timeoutMs: 15_000 },
    );
    expect(breach.text).toContain("Escalating to the duty manager");
    const logged = await listLog(deps().db, incident.id);
    expect(logged.some((e) => e.kind === "sla_warning" && e.details.clock === "callbacks")).toBe(true);
    expect(logged.some((e) => e.kind === "sla_breached" && e.details.clock === "callbacks")).toBe(true);
    expect(logged.some((e) => e.kind === "escalation_sent" && e.details.clock === "callbacks")).toBe(true);

    const taken = await takeCallbacks(deps(), { incidentId: incident.id, actor: USERS.lead, size: "all" });
    if (!taken.ok) throw new Error(taken.message);
    for (const [i, c] of taken.callbacks.entries())
      expect(
        (
          await recordCallback(deps(), {
            incidentId: incident.id,
            reportId: c.id,
            outcome: i ? "sms_sent" : "no_answer",
            actor: USERS.lead,
          })
        ).ok,
      ).toBe(true);
    const [clock] = await deps()
      .db.select()
      .from(slaClocks)
      .where(sql`${slaClocks.incidentId} = ${incident.id} and ${slaClocks.name} = 'callbacks'`);
    expect(clock).toMatchObject({ state: "stopped", nextStep: null });
  });

  it("stops the clock on reopen and keeps the list; resolving again starts the clock again", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 2 }));
    await resolve(incident);
    await callbackList(incident);
    const clockOf = async () =>
      (
        await deps()
          .db.select()
          .from(slaClocks)
          .where(sql`${slaClocks.incidentId} = ${incident.id} and ${slaClocks.name} = 'callbacks'`)
      )[0]!;
    expect((await clockOf()).state).toBe("running");
    const reopened = await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.lead,
      action: "reopen",
      reason: "Callers say it is failing again",
    });
    expect(reopened.ok).toBe(true);
    expect((await clockOf()).state).toBe("stopped");
    await resolve(incident);
    const again = await clockOf();
    expect(again.state).toBe("running");
    expect(again.generation).toBeGreaterThan(1);
    expect(
      h.slack.messagesIn(incident.channelId!).filter((m) => m.text?.startsWith("Callbacks for")),
    ).toHaveLength(1);
    expect(await kinds(incident, "callbacks_listed")).toHaveLength(1);
  });

  it("tells each agent who took a caller wanting a callback, once, where to take them", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 2, no: 1 }), USERS.agent);
    await addCallers(incident, ways({ email: 1 }), USERS.other);
    await resolve(incident);
    const ref = formatReference(incident.number);
    // Each person's DMs are paced (one a second, as Slack allows) behind what earlier tests sent
    // them: wait until this incident's outbox has been delivered, however long that takes.
    await settled(deps(), { incidentIds: [incident.id] });
    const dmOf = (user: string) =>
      directMessagesTo(h, user).find((m) => m.text?.startsWith(`${ref} is resolved`));
    const agentDm = JSON.stringify(dmOf(USERS.agent)?.blocks);
    expect(agentDm).toContain("3 callbacks to make, 2 of them for callers you spoke to.");
    expect(agentDm).toContain(`Take them from the callback list in <#${incident.channelId}>`);
    expect(JSON.stringify(dmOf(USERS.other)?.blocks)).toContain(
      "3 callbacks to make, 1 of them for callers you spoke to.",
    );
    for (const p of personal) expect(agentDm).not.toContain(p);

    // Reopened and resolved again, with a late caller: nobody is told twice.
    const reopened = await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.lead,
      action: "reopen",
      reason: "Callers say it is failing again",
    });
    expect(reopened.ok).toBe(true);
    await resolve(incident);
    await addCallers(incident, ways({ sms: 1 }), USERS.agent);
    await callbackList(incident, "4 callbacks to make");
    const dms = await deps()
      .db.select({ channel: outbox.channel })
      .from(outbox)
      .where(sql`${outbox.incidentId} = ${incident.id} and ${outbox.purpose} = 'callback_dm'`);
    expect(dms.map((d) => d.channel).sort()).toEqual([USERS.agent, USERS.other].sort());
  });

  it("asks before closing with callbacks still to make, and closes when told to anyway", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 3, email: 1 }));
    await resolve(incident);
    const taken = await takeCallbacks(deps(), { incidentId: incident.id, actor: USERS.lead, size: "five" });
    if (!taken.ok) throw new Error(taken.message);
    await recordCallback(deps(), {
      incidentId: incident.id,
      reportId: taken.callbacks[0]!.id,
      outcome: "reached",
      actor: USERS.lead,
    });

    const asked = await clickButton(
      h,
      {
        channel: incident.channelId!,
        ts: incident.summaryTs!,
        actionId: CARD_ACTION.close,
        value: incident.id,
      },
      USERS.lead,
    );
    expect(asked.text).toContain("3 callbacks are still to make. Close anyway?");
    expect((await loadIncident(deps(), incident.id)).status).toBe("resolved");
    const byCommand = await commandReply(h, `close ${formatReference(incident.number)}`, {
      user: USERS.lead,
    });
    expect(byCommand).toContain("Close anyway?");
    expect(byCommand).toContain(CALLBACK_ACTION.closeAnyway);

    const closed = await clickButton(
      h,
      {
        channel: incident.channelId!,
        ts: incident.summaryTs!,
        actionId: CALLBACK_ACTION.closeAnyway,
        value: incident.id,
      },
      USERS.lead,
    );
    expect(closed.text).toContain("Closed");
    expect((await loadIncident(deps(), incident.id)).status).toBe("closed");
  });

  it("refuses to close with callbacks still to make when the policy requires them", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 1 }));
    await resolve(incident);
    // The running system reads its policy at each request: switch the rule on for this test.
    deps().policy.callbacksRequiredForClose = true;
    try {
      const refused = await clickButton(
        h,
        {
          channel: incident.channelId!,
          ts: incident.summaryTs!,
          actionId: CARD_ACTION.close,
          value: incident.id,
        },
        USERS.lead,
      );
      expect(refused.text).toContain("can't be closed yet: 1 callback is still to make");
      expect(refused.text).not.toContain("Close anyway");
      const anyway = await clickButton(
        h,
        {
          channel: incident.channelId!,
          ts: incident.summaryTs!,
          actionId: CALLBACK_ACTION.closeAnyway,
          value: incident.id,
        },
        USERS.lead,
      );
      expect(anyway.text).toContain("can't be closed yet");
      expect((await loadIncident(deps(), incident.id)).status).toBe("resolved");
    } finally {
      deps().policy.callbacksRequiredForClose = false;
    }
  });

  it("erases callback contacts with the caller references after retention, the log intact", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 2, no: 1 }));
    await resolve(incident);
    const taken = await takeCallbacks(deps(), { incidentId: incident.id, actor: USERS.lead, size: "all" });
    if (!taken.ok) throw new Error(taken.message);
    for (const c of taken.callbacks)
      await recordCallback(deps(), {
        incidentId: incident.id,
        reportId: c.id,
        outcome: "left_message",
        actor: USERS.lead,
      });
    expect(
      (await changeStatus(deps(), { incidentId: incident.id, actor: USERS.lead, action: "close" })).ok,
    ).toBe(true);
    const before = await listLog(deps().db, incident.id);

    const contacts = () =>
      deps()
        .db.select({ c: callerReportContacts })
        .from(callerReportContacts)
        .innerJoin(callerReports, eq(callerReports.id, callerReportContacts.reportId))
        .where(eq(callerReports.incidentId, incident.id));
    // Retention is 2 s after closing: erase until this incident's turn has come.
    await eventually(
      "callback contacts erased",
      async () => {
        await eraseExpiredCallerReferences(deps());
        return (await contacts()).every((r) => r.c.erasedAt !== null);
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    for (const { c } of await contacts())
      expect(c).toMatchObject({ callerReference: null, callbackContact: null });
    const after = await listLog(deps().db, incident.id);
    expect(after.slice(0, before.length)).toEqual(before);
    const erased = after.filter(
      (e) => e.kind === "caller_reference_erased" && e.details.what === "callers' details",
    );
    expect(erased).toHaveLength(1);
    // Its three callers, and the first caller, logged with the incident.
    expect(erased[0]!.details.count).toBe(4);
    expect(before.filter((e) => e.kind === "callback_recorded")).toHaveLength(2);
  });

  it("never lets a caller's details into a channel post, a log line, the incident log or an export", async () => {
    const incident = await readyIncident(deps());
    await addCallers(incident, ways({ phone: 1, email: 1 }));
    await resolve(incident);
    await callbackList(incident);
    const taken = await takeCallbacks(deps(), { incidentId: incident.id, actor: USERS.lead, size: "all" });
    if (!taken.ok) throw new Error(taken.message);
    await recordCallback(deps(), {
      incidentId: incident.id,
      reportId: taken.callbacks[0]!.id,
      outcome: "email_sent",
      actor: USERS.lead,
    });
    const exported = await commandReply(h, `export ${formatReference(incident.number)}`, {
      user: USERS.lead,
    });
    expect(exported).toContain("Exported");
    const files = await h.slack.waitFor(() => {
      const shared = h.slack.files.filter((f) => f.channel === incident.channelId);
      return shared.length === 2 ? shared : undefined;
    });

    const posts = [...h.slack.channels.keys()]
      .flatMap((c) => h.slack.messagesIn(c))
      .map((m) => JSON.stringify(m));
    const log = (await deps().db.execute<{ details: unknown }>(sql`select details from incident_log`)).map(
      (r) => JSON.stringify(r.details),
    );
    const everything = [...posts, ...lines, ...log, ...files.map((f) => f.content.toString("utf8"))];
    for (const value of personal) {
      expect(
        everything.filter((s) => s.includes(value)),
        value,
      ).toEqual([]);
    }
  });
});
