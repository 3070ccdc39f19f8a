import { Writable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { callerReports, incidents } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { createLogger } from "../../../src/lib/logger.js";
import { CALLER_ACTION, CALLER_FIELDS as F, KNOWN_BLOCKS, VIEW } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, makeIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { holdLock } from "../../helpers/hold-lock.js";
import { actInView, clickButton, commandReply, requestOptions, submitView } from "../../helpers/interact.js";
import { messageAction } from "../../helpers/slack-payloads.js";

/** Every process log line (pino, Bolt's included), at the most verbose level. */
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logger: createLogger("trace", sink) });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const REFERENCE = "ACC-CALLER-55501";
const CONTACT = "07700 900555";

const text = (value: string | null) => ({ value: { type: "plain_text_input", value } });
const choice = (value: string) => ({ value: { type: "static_select", selected_option: { value } } });
const radio = (value: string) => ({ value: { type: "radio_buttons", selected_option: { value } } });
const when = (d: Date) => ({
  value: { type: "datetimepicker", selected_date_time: Math.floor(d.getTime() / 1000) },
});

function callerState(over: Record<string, unknown> = {}) {
  return {
    [F.callerReference]: text(REFERENCE),
    [F.reportChannel]: choice("phone"),
    [F.contactedAt]: when(new Date(Date.now() - 60_000)),
    [F.said]: text("Card declined at checkout, twice"),
    [F.callback]: radio("phone"),
    [F.callbackContact]: text(CONTACT),
    ...over,
  };
}

/** Runs `/incident` and returns the Log form the bot opened for `user`. */
async function openLogForm(user: string = USERS.agent): Promise<FakeView> {
  const before = h.slack.views.length;
  expect((await h.command("", { user })).status).toBe(200);
  return h.slack.waitFor(() =>
    h.slack.views.slice(before).find((v) => v.type === "modal" && v.user === user),
  );
}

const countIncidents = async () => (await deps().db.select({ id: incidents.id }).from(incidents)).length;
const reportsOf = (incidentId: string) =>
  deps().db.select().from(callerReports).where(eq(callerReports.incidentId, incidentId));
const blocksOf = (view: FakeView) =>
  view.view.blocks as Array<{ block_id?: string; accessory?: { action_id?: string; value?: string } }>;

/** Nothing personal reached a stakeholder channel, the incident log or a DM. */
async function expectNoPersonalDataOutside(incidentId: string, channelId: string | null) {
  const stakeholder = [h.channels.stake, h.channels.telephony, h.channels.floor].flatMap((c) =>
    h.slack.messagesIn(c),
  );
  const dms = h.slack.messages.filter((m) => m.channel.startsWith("D"));
  for (const m of [...stakeholder, ...dms]) {
    expect(JSON.stringify(m)).not.toContain(REFERENCE);
    expect(JSON.stringify(m)).not.toContain(CONTACT);
  }
  if (channelId) {
    // Not even the incident channel shows it unasked: it is behind "Show caller details".
    expect(JSON.stringify(h.slack.messagesIn(channelId))).not.toContain(REFERENCE);
  }
  const log = JSON.stringify(await listLog(deps().db, incidentId));
  expect(log).not.toContain(REFERENCE);
  expect(log).not.toContain(CONTACT);
}

describe("Already known? on the Log form", () => {
  let payments: Awaited<ReturnType<typeof readyIncident>>;
  let major: Awaited<ReturnType<typeof readyIncident>>;

  beforeAll(async () => {
    payments = await readyIncident(deps(), {
      title: "Payments down at checkout",
      affectedService: "Card payments",
      impact: "medium",
      urgency: "medium",
    });
    major = await readyIncident(deps(), {
      title: "Phone lines dead in Leeds",
      impact: "high",
      urgency: "high",
    });
    // A closed incident is never offered.
    const { incident: closed } = await makeIncident(deps(), { title: "Payments portal slow (closed)" });
    await deps().db.execute(
      sql`update incidents set status = 'closed', closed_at = now() where id = ${closed.id}`,
    );
  }, 60_000);

  it("lists open incidents, major first, each with Add this caller", async () => {
    const form = await openLogForm();
    expect(form.view.callback_id).toBe(VIEW.logIncident);
    const buttons = blocksOf(form)
      .filter((b) => b.accessory?.action_id === CALLER_ACTION.addThisCaller)
      .map((b) => b.accessory!.value);
    expect(buttons[0]).toBe(major.id);
    expect(buttons).toContain(payments.id);
    expect(buttons.length).toBeLessThanOrEqual(5);
    const shown = JSON.stringify(form.view.blocks);
    expect(shown).toContain(formatReference(payments.number));
    expect(shown).toContain("Card payments");
    expect(shown).toContain("1 caller so far");
    expect(shown).not.toContain("(closed)");
  });

  it("answers the search with matching open incidents by title, service or reference", async () => {
    const form = await openLogForm(USERS.other);
    const ask = (typed: string) =>
      requestOptions(h, form, { blockId: KNOWN_BLOCKS.search, actionId: CALLER_ACTION.searchKnown, typed });
    // Fewer characters than min_query_length: the Slack client does not ask.
    expect(await ask("p")).toBeNull();
    const byTitle = await ask("paym");
    expect(byTitle?.options?.map((o) => o.value)).toEqual([payments.id]);
    expect(byTitle?.options?.[0]?.text.text).toBe(
      `${formatReference(payments.number)} · P3 · Payments down at checkout`,
    );
    expect((await ask("CARD PAY"))?.options?.map((o) => o.value)).toEqual([payments.id]);
    expect((await ask(formatReference(major.number)))?.options?.map((o) => o.value)).toEqual([major.id]);
    // References as agents type them: short, lower case, or the number alone.
    expect((await ask(`INC-${major.number}`))?.options?.map((o) => o.value)).toContain(major.id);
    expect((await ask(`inc-${major.number}`))?.options?.map((o) => o.value)).toContain(major.id);
    expect((await ask("99999999999"))?.options).toEqual([]);
    expect((await ask("nothing like this"))?.options).toEqual([]);
    expect((await ask("%%"))?.options).toEqual([]);
  });

  it("Add this caller switches the form in place; its submission records a report, no incident, no channel", async () => {
    const form = await openLogForm();
    const incidentsBefore = await countIncidents();
    const createsBefore = h.slack.callsTo("conversations.create").length;
    await actInView(h, form, {
      type: "button",
      action_id: CALLER_ACTION.addThisCaller,
      block_id: KNOWN_BLOCKS.incident(1),
      value: payments.id,
    });
    await h.slack.waitFor(() => (form.view.callback_id === VIEW.addCaller ? true : undefined));
    expect(form.view.private_metadata).toBe(payments.id);
    expect(JSON.stringify(form.view.blocks)).toContain(formatReference(payments.number));
    expect(h.slack.callsTo("views.update").at(-1)?.ok).toBe(true);

    const answer = (await submitView(h, form, callerState())) as { response_action?: string; view?: unknown };
    expect(answer.response_action).toBe("update");
    expect(JSON.stringify(answer.view)).toContain(
      `Caller added to ${formatReference(payments.number)}. Callers so far: 2.`,
    );
    const reports = await reportsOf(payments.id);
    expect(reports).toHaveLength(2);
    expect(reports.find((r) => r.submissionKey === form.id)).toMatchObject({
      reportChannel: "phone",
      callback: "phone",
      reportedBy: USERS.agent,
      said: "Card declined at checkout, twice",
    });
    expect(await countIncidents()).toBe(incidentsBefore);
    expect(h.slack.callsTo("conversations.create").length).toBe(createsBefore);

    // The card is redrawn (coalesced) with the new count.
    await eventually("the card to say Callers: 2", async () => {
      const card = h.slack.messagesIn(payments.channelId!).find((m) => m.ts === payments.summaryTs);
      return JSON.stringify(card?.blocks ?? []).includes("*Callers:* 2") ? true : undefined;
    });
    const log = await listLog(deps().db, payments.id);
    expect(log.filter((e) => e.kind === "caller_report_added")).toHaveLength(1);

    // The same view sent again (a retry) adds nothing.
    const again = (await submitView(h, form, callerState())) as { view?: unknown };
    expect(JSON.stringify(again.view)).toContain("already added");
    expect(await reportsOf(payments.id)).toHaveLength(2);
    await expectNoPersonalDataOutside(payments.id, payments.channelId);
  });

  it("the Log as incident shortcut offers the same known incidents", async () => {
    const triggerId = h.slack.issueTrigger({ user: USERS.agent });
    const res = await h.action(
      messageAction({
        user: USERS.agent,
        channel: h.channels.floor,
        triggerId,
        responseUrl: h.slack.responseUrl(),
        message: { ts: "1700000000.000200", text: "Customer says payments fail", user: USERS.other },
      }),
    );
    expect(res.status).toBe(200);
    const opened = await h.slack.waitFor(() => h.slack.views.find((v) => v.triggerId === triggerId));
    const values = blocksOf(opened)
      .filter((b) => b.accessory?.action_id === CALLER_ACTION.addThisCaller)
      .map((b) => b.accessory!.value);
    expect(values).toContain(payments.id);
    expect(JSON.stringify(opened.view.blocks)).toContain("Customer says payments fail");
  });

  it("choosing an incident in the search switches the form too", async () => {
    const form = await openLogForm(USERS.lead);
    await actInView(h, form, {
      type: "external_select",
      action_id: CALLER_ACTION.searchKnown,
      block_id: KNOWN_BLOCKS.search,
      selected_option: { text: { type: "plain_text", text: "x" }, value: major.id },
    });
    await h.slack.waitFor(() => (form.view.callback_id === VIEW.addCaller ? true : undefined));
    expect(form.view.private_metadata).toBe(major.id);
  });

  it("opens the form in time when the known incidents are slow to read, and adds them once read", async () => {
    const other = postgres(h.config.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      // Even a plain read of incidents waits behind this lock.
      const release = await holdLock(other, (tx) => tx`lock table incidents in access exclusive mode`);
      let form: FakeView;
      try {
        form = await openLogForm(USERS.head);
        expect(JSON.stringify(form.view.blocks)).not.toContain(KNOWN_BLOCKS.heading);
      } finally {
        await release();
      }
      await h.slack.waitFor(() =>
        JSON.stringify(form.view.blocks).includes(KNOWN_BLOCKS.heading) ? true : undefined,
      );
      expect(form.view.callback_id).toBe(VIEW.logIncident);
      expect(JSON.stringify(form.view.blocks)).toContain(payments.id);
    } finally {
      await other.end();
    }
  });

  it("shows every caller's details to whom may see them, logged without the values", async () => {
    const card = h.slack.messagesIn(payments.channelId!).find((m) => m.ts === payments.summaryTs)!;
    const reveal = await clickButton(
      h,
      {
        channel: payments.channelId!,
        ts: card.ts,
        actionId: "incident_show_caller_details",
        value: payments.id,
      },
      USERS.lead,
    );
    expect(reveal.text).toContain("(2 callers)");
    expect(reveal.text).toMatch(/1\. ACC-\d+ · Phone/);
    expect(reveal.text).toContain(`2. ${REFERENCE} · Phone`);
    expect(reveal.text).toContain(`callback by phone: ${CONTACT}`);
    const refused = await clickButton(
      h,
      {
        channel: payments.channelId!,
        ts: card.ts,
        actionId: "incident_show_caller_details",
        value: payments.id,
      },
      USERS.other,
    );
    expect(refused.text).not.toContain(REFERENCE);
    const viewed = (await listLog(deps().db, payments.id)).filter((e) => e.kind === "personal_data_viewed");
    expect(viewed.map((e) => e.actor)).toEqual([USERS.lead]);
    expect(JSON.stringify(viewed)).not.toContain(REFERENCE);
  });
});

describe("the Add a caller form on its own", () => {
  /** Opens the form by `/incident caller INC-n` and returns it. */
  async function openByCommand(reference: string, user: string = USERS.agent): Promise<FakeView> {
    const before = h.slack.views.length;
    expect((await h.command(`caller ${reference}`, { user })).status).toBe(200);
    return h.slack.waitFor(() =>
      h.slack.views.slice(before).find((v) => v.user === user && v.view.callback_id === VIEW.addCaller),
    );
  }

  it("opens with /incident caller INC-n, and in the incident's channel without it", async () => {
    const incident = await readyIncident(deps(), { title: "Chat widget down" });
    const form = await openByCommand(formatReference(incident.number));
    expect(form.view.private_metadata).toBe(incident.id);
    const before = h.slack.views.length;
    await h.command("caller", { channel: incident.channelId! });
    const inChannel = await h.slack.waitFor(() =>
      h.slack.views.slice(before).find((v) => v.view.callback_id === VIEW.addCaller),
    );
    expect(inChannel.view.private_metadata).toBe(incident.id);
  });

  it("tells the agent clearly about an unknown or a closed incident", async () => {
    expect(await commandReply(h, "caller INC-987654")).toContain("There is no incident INC-987654");
    const { incident } = await makeIncident(deps(), { title: "Old outage" });
    await deps().db.execute(
      sql`update incidents set status = 'closed', closed_at = now() where id = ${incident.id}`,
    );
    expect(await commandReply(h, `caller ${formatReference(incident.number)}`)).toMatch(
      /is closed.*log a new incident/,
    );
  });

  it("keeps the form open with a field error when a callback contact is missing or the time is wrong", async () => {
    const incident = await readyIncident(deps(), { title: "Email bounces" });
    const form = await openByCommand(formatReference(incident.number));
    const missing = await submitView(h, form, callerState({ [F.callbackContact]: text("") }));
    expect(missing.response_action).toBe("errors");
    expect(missing.errors?.[F.callbackContact]).toMatch(/call them back/);
    const future = await submitView(
      h,
      form,
      callerState({ [F.contactedAt]: when(new Date(Date.now() + 10 * 60_000)) }),
    );
    expect(future.errors?.[F.contactedAt]).toMatch(/future/);
    const early = await submitView(
      h,
      form,
      callerState({ [F.contactedAt]: when(new Date(incident.loggedAt.getTime() - 2 * 86_400_000)) }),
    );
    expect(early.errors?.[F.contactedAt]).toMatch(/more than a day before/);
    expect(await reportsOf(incident.id)).toHaveLength(1);
  });

  it("refuses a caller for an incident closed while the form was open, as a form error", async () => {
    const incident = await readyIncident(deps(), { title: "SMS gateway down" });
    const form = await openByCommand(formatReference(incident.number));
    await deps().db.execute(
      sql`update incidents set status = 'closed', closed_at = now() where id = ${incident.id}`,
    );
    const answer = await submitView(h, form, callerState());
    expect(answer.response_action).toBe("errors");
    expect(answer.errors?.[F.callerReference]).toMatch(/is closed/);
    expect(await reportsOf(incident.id)).toHaveLength(1);
  });

  it("opens from the card's Add a caller button", async () => {
    const incident = await readyIncident(deps(), { title: "IVR loops" });
    const opened = await clickButton(h, {
      channel: incident.channelId!,
      ts: incident.summaryTs!,
      actionId: CALLER_ACTION.addCaller,
      value: incident.id,
    });
    expect(opened.view?.view.callback_id).toBe(VIEW.addCaller);
    expect(opened.view?.view.private_metadata).toBe(incident.id);
    const answer = await submitView(h, opened.view!, callerState({ [F.callback]: radio("no") }));
    expect(answer.response_action).toBe("update");
    const reports = await reportsOf(incident.id);
    expect(reports).toHaveLength(2);
    expect((await loadIncident(deps(), incident.id)).status).toBe("open");
  });
});

describe("process logs", () => {
  it("never carry a caller reference or a callback contact", () => {
    expect(lines.length).toBeGreaterThan(10);
    const all = lines.join("");
    expect(all).not.toContain(REFERENCE);
    expect(all).not.toContain(CONTACT);
  });
});
