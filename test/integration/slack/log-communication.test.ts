import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { type IncidentRow, outbox, slaClocks } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { CARD_ACTION, COMMS_FIELDS as F, VIEW } from "../../../src/messages/ids.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { eventually } from "../../helpers/eventually.js";
import { readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { formValue } from "../../helpers/slack-payloads.js";

const { text, choice, when } = formValue;
const radio = (value: string) => ({ value: { type: "radio_buttons", selected_option: { value } } });

/** Complaints have a plan: the regulator, told in the complaints channel, at least hourly. */
function withRegulator(yaml: string): string {
  const channel = /complaint:\n\s+label: Complaint\n\s+stakeholder_channels: \[(\w+)\]/.exec(yaml)?.[1];
  if (!channel) throw new Error("test policy changed: no complaint stakeholder channel");
  const plan = `    communications:
      - label: Regulator
        via: slack
        channels: [${channel}]
        update_every: 1h
`;
  return yaml.replace("label: Complaint\n", `label: Complaint\n${plan}`);
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ editPolicy: withRegulator });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const ready = (title: string, type?: string) => readyIncident(deps(), { title, ...(type ? { type } : {}) });
const logged = async (incident: IncidentRow) =>
  (await listLog(deps().db, incident.id)).filter((e) => e.kind === "communication_logged");

/** A filled-in form: a phone call to someone else, five minutes ago, unless changed. */
function filled(changes: Record<string, unknown> = {}) {
  return {
    [F.with]: choice("other"),
    [F.other]: text("Ofcom duty officer"),
    [F.channel]: choice("phone"),
    [F.direction]: radio("outbound"),
    [F.summary]: text("Told them card payments failed from 09:10 and are fixed."),
    [F.at]: when(new Date(Date.now() - 5 * 60_000)),
    ...changes,
  };
}

/** The form `/incident <text>` opened for this incident. */
async function commandForm(incident: IncidentRow, commandText: string, channel: string): Promise<FakeView> {
  const before = new Set(h.slack.views.map((v) => v.id));
  const res = await h.command(commandText, { channel });
  expect(res.status).toBe(200);
  return h.slack.waitFor(() =>
    h.slack.views.find(
      (v) =>
        !before.has(v.id) &&
        v.view.callback_id === VIEW.logCommunication &&
        JSON.stringify(v.view.private_metadata).includes(incident.id),
    ),
  );
}

const cardForm = async (incident: IncidentRow) => {
  const opened = await clickButton(h, {
    channel: incident.channelId!,
    ts: incident.summaryTs!,
    actionId: CARD_ACTION.logCommunication,
    value: incident.id,
  });
  expect(opened.text).toBe("");
  return opened.view!;
};

describe("Log a communication", () => {
  it("from the card: logged once, told in the incident channel, shown in the timeline", async () => {
    const incident = await ready("Card payments down");
    const ref = formatReference(incident.number);
    const form = await cardForm(incident);
    expect(form.view.callback_id).toBe(VIEW.logCommunication);

    expect(await submitView(h, form, filled())).toEqual({});
    // The same view submitted again (a double click, a retry) adds nothing.
    expect(await submitView(h, form, filled())).toEqual({});

    const entries = await logged(incident);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.actor).toBe(USERS.agent);
    expect(entries[0]!.details).toMatchObject({
      with: "other",
      other: "Ofcom duty officer",
      channel: "phone",
      direction: "outbound",
      summary: "Told them card payments failed from 09:10 and are fixed.",
    });

    const line = await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find((m) => m.text?.includes("logged a phone call to Ofcom duty officer")),
    );
    expect(line.text).toContain(`<@${USERS.agent}>`);
    expect(line.text).toContain(ref);
    const posts = await deps()
      .db.select()
      .from(outbox)
      .where(and(eq(outbox.incidentId, incident.id), like(outbox.dedupeKey, "note:comms:%")));
    expect(posts).toHaveLength(1);

    await h.slack.waitFor(() =>
      h.slack.ephemerals.find((e) => e.user === USERS.agent && e.text === `Logged on ${ref}.`),
    );

    const before = h.slack.responses.length;
    await h.command("timeline", { channel: incident.channelId! });
    const timeline = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    expect(JSON.stringify(timeline.body)).toMatch(
      /Phone call to Ofcom duty officer \(outbound, [^)]+\): Told them card payments failed from 09:10 and are fixed\./,
    );
  });

  it("from /incident comms: the same form, in the incident channel or by reference elsewhere", async () => {
    const incident = await ready("Web chat down");
    const here = await commandForm(incident, "comms", incident.channelId!);
    const elsewhere = await commandForm(
      incident,
      `comms ${formatReference(incident.number)}`,
      h.channels.floor,
    );
    const blockIds = (v: FakeView) => (v.view.blocks as Array<{ block_id?: string }>).map((b) => b.block_id);
    expect(blockIds(here)).toEqual(blockIds(elsewhere));
    expect(blockIds(here)).toEqual(expect.arrayContaining(Object.values(F)));
    expect(
      await submitView(
        h,
        elsewhere,
        filled({
          [F.with]: choice("customers"),
          [F.channel]: choice("email"),
          [F.direction]: radio("inbound"),
        }),
      ),
    ).toEqual({});
    const entries = await logged(incident);
    expect(entries.map((e) => e.details)).toEqual([
      expect.objectContaining({ with: "customers", channel: "email", direction: "inbound" }),
    ]);
    expect(entries[0]!.details).not.toHaveProperty("other");
  });

  it("refuses a time in the future on the When block, and Other without who, storing nothing", async () => {
    const incident = await ready("Queue overflow");
    const form = await commandForm(incident, "comms", incident.channelId!);
    const future = await submitView(h, form, filled({ [F.at]: when(new Date(Date.now() + 10 * 60_000)) }));
    expect(future).toEqual({
      response_action: "errors",
      errors: { [F.at]: "That time is in the future: give the time it happened." },
    });
    const nobody = await submitView(h, form, filled({ [F.other]: text("  ") }));
    expect(nobody).toEqual({
      response_action: "errors",
      errors: { [F.other]: "Say who: a role or an organisation." },
    });
    const tooEarly = await submitView(
      h,
      form,
      filled({ [F.at]: when(new Date(incident.loggedAt.getTime() - 26 * 3_600_000)) }),
    );
    expect(tooEarly.response_action).toBe("errors");
    expect(tooEarly.errors?.[F.at]).toMatch(/more than a day before INC-\d{6} was logged/);
    expect(await logged(incident)).toEqual([]);
  });

  it("a closed incident: the button answers in words, and a form opened before is refused", async () => {
    const incident = await ready("Payments line dead");
    const form = await cardForm(incident);
    const lead = { incidentId: incident.id, actor: USERS.lead };
    const resolution = { summary: "Carrier fixed the route", closeCode: "fixed" as const };
    expect((await changeStatus(deps(), { ...lead, action: "resolve", resolution })).ok).toBe(true);
    // Resolved is not closed: calls to customers often follow the fix.
    expect((await cardForm(incident)).view.callback_id).toBe(VIEW.logCommunication);
    expect((await changeStatus(deps(), { ...lead, action: "close" })).ok).toBe(true);

    const clicked = await clickButton(h, {
      channel: incident.channelId!,
      ts: incident.summaryTs!,
      actionId: CARD_ACTION.logCommunication,
      value: incident.id,
    });
    expect(clicked.view).toBeUndefined();
    expect(clicked.text).toMatch(/is closed, so nothing about it can change/);
    const late = await submitView(h, form, filled());
    expect(late.response_action).toBe("errors");
    expect(late.errors?.[F.at]).toMatch(/is closed, so nothing about it can change/);
    expect(await logged(incident)).toEqual([]);
  });

  it("with an audience of the incident's plan: its key and label are logged", async () => {
    const incident = await ready("IVR message wrong");
    const form = await cardForm(incident);
    const withWhom = (
      form.view.blocks as Array<{ block_id?: string; element?: { options?: unknown[] } }>
    ).find((b) => b.block_id === F.with);
    const options = (withWhom?.element?.options ?? []) as Array<{ value: string; text: { text: string } }>;
    expect(options.slice(-2).map((o) => o.value)).toEqual(["customers", "other"]);
    // The type's stakeholder channels are an audience of its plan even without `communications`.
    const audience = options.find((o) => o.value.startsWith("audience:"));
    expect(audience).toBeDefined();
    expect(
      await submitView(h, form, filled({ [F.with]: choice(audience!.value), [F.channel]: choice("letter") })),
    ).toEqual({});
    const [entry] = await logged(incident);
    expect(entry?.details).toMatchObject({
      with: "audience",
      audience: audience!.value.slice("audience:".length),
      audienceLabel: audience!.text.text.replace(/ \((Slack|email|webhook)\)$/, ""),
      channel: "letter",
    });
  });

  it("with an audience that has its own cadence: its clock starts again", async () => {
    const incident = await ready("Complaint about a lost refund", "complaint");
    const clockOf = async () => {
      const [clock] = await deps()
        .db.select()
        .from(slaClocks)
        .where(and(eq(slaClocks.incidentId, incident.id), eq(slaClocks.name, "comms_regulator")));
      return clock;
    };
    const before = await eventually("the regulator's cadence clock", clockOf);
    const form = await cardForm(incident);
    expect(
      await submitView(
        h,
        form,
        filled({ [F.with]: choice("audience:regulator"), [F.channel]: choice("email") }),
      ),
    ).toEqual({});
    const after = await eventually("the cadence clock started again", async () => {
      const clock = await clockOf();
      return clock && clock.generation > before.generation ? clock : undefined;
    });
    expect(after.state).toBe("running");
    expect(after.startedAt.getTime()).toBeGreaterThan(before.startedAt.getTime());
    const [entry] = await logged(incident);
    expect(entry?.details).toMatchObject({
      with: "audience",
      audience: "regulator",
      audienceLabel: "Regulator",
    });
  });
});
