import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { callerReferences, incidents } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { type LogForm, logFormState, validLogForm, viewSubmission } from "../../helpers/slack-payloads.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Runs `/incident [text]` and returns the modal the bot opened. */
async function openModal(text = "", user: string = USERS.agent): Promise<FakeView> {
  const before = h.slack.views.length;
  const res = await h.command(text, { user });
  expect(res.status).toBe(200);
  return h.slack.waitFor(() =>
    h.slack.views.slice(before).find((v) => v.type === "modal" && v.user === user),
  );
}

async function submit(opened: FakeView, form: LogForm, user: string = USERS.agent) {
  const res = await h.action(viewSubmission({ user, opened, state: logFormState(form) }));
  expect(res.status).toBe(200);
  const text = await res.text();
  return (text ? JSON.parse(text) : {}) as {
    response_action?: string;
    errors?: Record<string, string>;
    view?: { blocks: unknown[] };
  };
}

const db = () => h.system.deps.db;
const countIncidents = async () => (await db().select({ id: incidents.id }).from(incidents)).length;

async function incidentFromAck(ack: { view?: { blocks: unknown[] } }) {
  const match = JSON.stringify(ack.view?.blocks ?? []).match(/INC-(\d+)/);
  expect(match, "the ack names the new reference").not.toBeNull();
  const [row] = await db()
    .select()
    .from(incidents)
    .where(eq(incidents.number, Number(match![1])));
  expect(row).toBeDefined();
  return row!;
}

describe("/incident opens the log-incident modal", () => {
  it("opens an empty form that Slack accepts, with the policy's types", async () => {
    const view = await openModal();
    expect(view.view.callback_id).toBe("log_incident_modal");
    const typeBlock = (
      view.view.blocks as Array<{ block_id?: string; element?: { options?: Array<{ value: string }> } }>
    ).find((b) => b.block_id === "type");
    expect(typeBlock?.element?.options?.map((o) => o.value)).toEqual([
      "service_failure",
      "security_breach",
      "complaint",
      "major_outage",
    ]);
    expect(h.slack.callsTo("views.open").at(-1)?.ok).toBe(true);
  });

  it("fills in the title from `/incident <title>`", async () => {
    const view = await openModal("Phones dropping calls on queue 3");
    expect(JSON.stringify(view.view.blocks)).toContain('"initial_value":"Phones dropping calls on queue 3"');
  });

  it("tells the user to try again when the trigger has expired", async () => {
    const before = h.slack.responses.length;
    const res = await h.command("", { triggerTtlMs: 1 });
    expect(res.status).toBe(200);
    const reply = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    expect(String(reply.body.text)).toMatch(/took too long/);
    expect(h.slack.callsTo("views.open").at(-1)?.error).toBe("expired_trigger_id");
  });
});

describe("a valid submission", () => {
  it("commits the incident before answering, then opens its channel, pins the card and tells everyone", async () => {
    const view = await openModal();
    const form = validLogForm();
    const ack = await submit(view, form);
    expect(ack.response_action).toBe("update");
    const incident = await incidentFromAck(ack);
    const reference = formatReference(incident.number);
    expect(incident).toMatchObject({
      priority: "P2",
      matrixPriority: "P2",
      status: "open",
      reporterId: USERS.agent,
      major: false,
    });
    expect(incident.reportedAt.getTime()).toBe(form.reportedAt! * 1000);

    // Personal data in its own table; the log says it was set, never what it is.
    const [caller] = await db()
      .select()
      .from(callerReferences)
      .where(eq(callerReferences.incidentId, incident.id));
    expect(caller?.value).toBe(form.callerReference);

    const channel = await h.slack.waitFor(() =>
      [...h.slack.channels.values()].find((c) => c.name.startsWith(`${reference.toLowerCase()}-`)),
    );
    expect(channel.name).toBe(`${reference.toLowerCase()}-card-payments-failing`);
    expect(await h.slack.waitFor(() => channel.members.has(USERS.agent))).toBe(true);

    const card = await h.slack.waitFor(() => h.slack.messagesIn(channel.id)[0]);
    // The card says a caller reference is recorded, behind its door, never what it is.
    expect(JSON.stringify(card.blocks)).not.toContain(form.callerReference);
    expect(JSON.stringify(card.blocks)).toContain("Show caller details");
    await h.slack.waitFor(() => channel.pins.has(card.ts));

    for (const stakeholder of [h.channels.stake, h.channels.telephony]) {
      const posts = await h.slack.waitFor(() => {
        const m = h.slack.messagesIn(stakeholder).filter((x) => JSON.stringify(x).includes(reference));
        return m.length > 0 ? m : undefined;
      });
      expect(posts).toHaveLength(1);
      expect(JSON.stringify(posts[0])).not.toContain("ACC-99812");
      expect(JSON.stringify(posts[0])).not.toContain("07700 900123");
    }
    const dm = await h.slack.waitFor(() =>
      h.slack.messages.find((m) => m.channel.startsWith("D") && JSON.stringify(m).includes(reference)),
    );
    expect(JSON.stringify(dm)).toContain(channel.id);

    const kinds = await eventually("every intake step in the log", async () => {
      const log = await listLog(db(), incident.id);
      const k = log.map((e) => e.kind);
      return k.includes("reporter_notified") &&
        k.includes("summary_pinned") &&
        k.filter((x) => x === "announcement_posted").length === 2
        ? log
        : undefined;
    });
    expect(kinds.map((e) => e.kind)).toEqual(
      expect.arrayContaining([
        "created",
        "caller_reference_set",
        "channel_created",
        "reporter_invited",
        "summary_posted",
        "summary_pinned",
      ]),
    );
    expect(JSON.stringify(kinds)).not.toContain("ACC-99812");
    const announced = kinds.filter((e) => e.kind === "announcement_posted").map((e) => e.details.channel);
    expect(announced.sort()).toEqual([h.channels.stake, h.channels.telephony].sort());
    expect(kinds.find((e) => e.kind === "announcement_posted")?.details.permalink).toMatch(/^https:\/\//);
  });

  it("logs a priority override with its reason", async () => {
    const ack = await submit(
      await openModal(),
      validLogForm({ impact: "low", urgency: "low", priorityOverride: "P2", overrideReason: "VIP account" }),
    );
    const incident = await incidentFromAck(ack);
    expect(incident).toMatchObject({
      matrixPriority: "P5",
      priority: "P2",
      priorityOverrideReason: "VIP account",
    });
    const log = await listLog(db(), incident.id);
    expect(log.find((e) => e.kind === "priority_overridden")?.details).toMatchObject({
      from: "P5",
      to: "P2",
      reason: "VIP account",
    });
  });

  it("logs one incident when the same view is submitted twice", async () => {
    const view = await openModal();
    const first = await submit(view, validLogForm({ title: "Duplicate submit check" }));
    const second = await submit(view, validLogForm({ title: "Duplicate submit check" }));
    expect((await incidentFromAck(first)).id).toBe((await incidentFromAck(second)).id);
  });

  it("takes the next channel name when Slack says name_taken", async () => {
    const before = await countIncidents();
    const next = formatReference(before + 1).toLowerCase(); // sequence has no gaps in this run
    h.slack.addChannel(`${next}-router-down`);
    const incident = await incidentFromAck(
      await submit(await openModal(), validLogForm({ title: "Router down" })),
    );
    expect(formatReference(incident.number).toLowerCase()).toBe(next);
    const channel = await h.slack.waitFor(() =>
      [...h.slack.channels.values()].find((c) => c.name === `${next}-router-down-2`),
    );
    await eventually(
      "channel recorded",
      async () =>
        (await db().select().from(incidents).where(eq(incidents.id, incident.id)))[0]?.channelId ===
        channel.id,
    );
  });
});

describe("invisible characters in the form", () => {
  const BIDI_OR_ZERO_WIDTH = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u200C\u2060\uFEFF]/;

  it("a right-to-left override is dropped from a title before it is announced", async () => {
    const callsBefore = h.slack.calls.length;
    const ack = await submit(
      await openModal(),
      validLogForm({
        title: "Invoice \u202Egnp.exe\u202C attachment",
        description: "\u2066Caller\u2069 opened \u200Bthe attachment.",
      }),
    );
    const incident = await incidentFromAck(ack);
    expect(incident.title).toBe("Invoice gnp.exe attachment");
    expect(incident.description).toBe("Caller opened the attachment.");
    const reference = formatReference(incident.number);
    for (const stakeholder of [h.channels.stake, h.channels.telephony]) {
      const post = await h.slack.waitFor(() =>
        h.slack.messagesIn(stakeholder).find((m) => JSON.stringify(m).includes(reference)),
      );
      expect(JSON.stringify(post)).toContain("Invoice gnp.exe attachment");
    }
    // Nothing the bot sent to Slack about it (channel name, card, posts, DM) carries one.
    await eventually("the intake posts", async () => {
      const log = await listLog(db(), incident.id);
      return log.filter((e) => e.kind === "announcement_posted").length === 2 || undefined;
    });
    const sent = JSON.stringify(h.slack.calls.slice(callsBefore).map((c) => c.args));
    expect(sent).toContain("Invoice gnp.exe attachment");
    expect(sent).not.toMatch(BIDI_OR_ZERO_WIDTH);
  });

  it("a title of zero-width spaces gets a field error", async () => {
    const before = await countIncidents();
    const ack = await submit(
      await openModal(),
      validLogForm({ title: "\u200B\u200B\u200B", description: "\u200B \u200C\u2060\uFEFF" }),
    );
    expect(ack.response_action).toBe("errors");
    expect(ack.errors?.title).toMatch(/title is required/i);
    expect(ack.errors?.description).toMatch(/description is required/i);
    expect(await countIncidents()).toBe(before);
  });

  it("a title of bidi controls alone gets a field error too", async () => {
    const before = await countIncidents();
    const ack = await submit(await openModal(), validLogForm({ title: "\u202E\u202C\u2066\u2069\u200F" }));
    expect(ack.errors?.title).toMatch(/title is required/i);
    expect(await countIncidents()).toBe(before);
  });

  it("`/incident <title>` fills in the title without them, emoji intact", async () => {
    const view = await openModal("\u202Egnp.exe\u202C from 👨‍👩‍👧 account");
    expect(JSON.stringify(view.view.blocks)).toContain('"initial_value":"gnp.exe from 👨‍👩‍👧 account"');
  });
});

describe("an invalid submission keeps the form open with a message on the field, and stores nothing", () => {
  const cases: Array<[string, LogForm, string, RegExp]> = [
    ["missing title", { title: "  " }, "title", /title is required/i],
    ["description too long", { description: "x".repeat(3001) }, "description", /at most 3000/],
    [
      "report time in the future",
      { reportedAt: Math.floor(Date.now() / 1000) + 3600 },
      "reported_at",
      /future/,
    ],
    ["override without a reason", { priorityOverride: "P1" }, "override_reason", /why/],
    ["unknown incident type", { type: "alien_invasion" }, "type", /not in the policy/],
    ["missing impact", { impact: undefined }, "impact", /impact/],
  ];
  for (const [name, change, field, message] of cases) {
    it(`refuses ${name}`, async () => {
      const before = await countIncidents();
      const ack = await submit(await openModal(), { ...validLogForm(), ...change });
      expect(ack.response_action).toBe("errors");
      expect(ack.errors?.[field]).toMatch(message);
      expect(await countIncidents()).toBe(before);
    });
  }
});
