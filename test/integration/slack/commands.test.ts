import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReference } from "../../../src/domain/reference.js";
import { logIncident } from "../../../src/services/log-incident.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply } from "../../helpers/interact.js";
import { logFormState, messageAction, validLogForm, viewSubmission } from "../../helpers/slack-payloads.js";

let h: Harness;
let reference: string;
let channelId: string;
const CALLER = "ACC-55501";

beforeAll(async () => {
  h = await startHarness();
  const logged = await logIncident(h.system.deps, {
    title: "Queue 7 IVR loops",
    description: "Callers on queue 7 hear the main menu again after choosing an option.",
    impact: "high",
    urgency: "high",
    reportChannel: "phone",
    type: "service_failure",
    reportedAt: new Date(Date.now() - 60_000),
    callerReference: CALLER,
    reporterId: USERS.agent,
  });
  reference = logged.reference;
  channelId = await eventually("incident channel", async () => {
    const rows = await h.system.deps.db.query.incidents.findFirst({
      where: (t, { eq }) => eq(t.id, logged.incident.id),
    });
    return rows?.channelId;
  });
});
afterAll(async () => {
  await h?.stop();
});

const reply = (text: string, p: { user?: string; channel?: string } = {}) => commandReply(h, text, p);

describe("read commands", () => {
  it("help lists every subcommand with an example", async () => {
    const text = await reply("help");
    for (const word of [
      "/incident list",
      "/incident show INC-",
      "Log as incident",
      "/incident status",
      "/incident update",
    ])
      expect(text).toContain(word);
  });

  it("list shows open incidents by priority", async () => {
    const text = await reply("list");
    expect(text).toContain(reference);
    expect(text).toContain("P1");
  });

  it("list mine shows only the user's incidents", async () => {
    expect(await reply("list mine")).toContain(reference);
    expect(await reply("list mine", { user: USERS.other })).not.toContain(reference);
  });

  it("show gives the reporter the responder card, with the caller reference", async () => {
    const text = await reply(`show ${reference}`);
    expect(text).toContain(reference);
    expect(text).toContain(CALLER);
  });

  it("show gives anyone else outside the incident channel the stakeholder card, without it", async () => {
    const text = await reply(`show ${reference.toLowerCase()}`, { user: USERS.other });
    expect(text).toContain(reference);
    expect(text).not.toContain(CALLER);
  });

  it("show in the incident channel needs no reference", async () => {
    const text = await reply("show", { user: USERS.other, channel: channelId });
    expect(text).toContain(reference);
  });

  it("show with an unknown reference says so and points to list", async () => {
    const text = await reply("show INC-999999");
    expect(text).toContain("There is no incident INC-999999");
    expect(text).toContain("/incident list");
  });

  it("show without a reference outside an incident channel explains what to type", async () => {
    expect(await reply("show")).toContain("Which incident?");
  });

  it("a mistyped subcommand gets a suggestion, not a new incident", async () => {
    const views = h.slack.views.length;
    const text = await reply("shwo INC-000001");
    expect(text).toContain("Did you mean `/incident show`?");
    expect(h.slack.views.length).toBe(views);
  });

  it("a mistyped subcommand naming an incident is answered as unknown with the closest match", async () => {
    const views = h.slack.views.length;
    const opens = h.slack.callsTo("views.open").length;
    const frob = JSON.parse(await reply(`frobnicate ${reference}`)) as { text: string };
    expect(frob.text).toContain("Unknown subcommand `frobnicate`");
    expect(frob.text).toMatch(/Did you mean `\/incident [a-z]+`\?/);
    for (const sub of ["help", "list", "show", "status", "resolve", "escalate", "report", "handover"])
      expect(frob.text).toContain(`\`${sub}\``);
    const reslove = JSON.parse(await reply("reslove INC-4")) as { text: string };
    expect(reslove.text).toContain("Did you mean `/incident resolve`?");
    // Answered, not turned into a Log form with the text as its title.
    expect(h.slack.views.length).toBe(views);
    expect(h.slack.callsTo("views.open").length).toBe(opens);
  });

  it("a title naming no incident still opens the Log form with the title filled in", async () => {
    const before = h.slack.views.length;
    const res = await h.command("Payments down");
    expect(res.status).toBe(200);
    const view = await h.slack.waitFor(() => h.slack.views.slice(before).find((v) => v.type === "modal"));
    expect(JSON.stringify(view.view.blocks)).toContain('"initial_value":"Payments down"');
  });

  it("escalating outside an incident channel asks which incident", async () => {
    expect(await reply("escalate Callers queueing")).toContain("Which incident?");
  });
});

describe("Log as incident (message shortcut)", () => {
  it("opens the modal with the message as description and records the source message", async () => {
    const text = "Customer says the app logs them out every 2 minutes\nSince this morning.";
    const posted = h.slack.addMessage({ channel: h.channels.floor, user: USERS.other, text });
    const message = {
      ts: posted.ts,
      text,
      user: USERS.other,
    };
    const triggerId = h.slack.issueTrigger({ user: USERS.agent });
    const res = await h.action(
      messageAction({
        user: USERS.agent,
        channel: h.channels.floor,
        triggerId,
        responseUrl: h.slack.responseUrl(),
        message,
      }),
    );
    expect(res.status).toBe(200);
    const opened = await h.slack.waitFor(() => h.slack.views.find((v) => v.triggerId === triggerId));
    const blocks = JSON.stringify(opened.view.blocks);
    expect(blocks).toContain("Customer says the app logs them out every 2 minutes");
    expect(blocks).toContain("Since this morning.");

    const ack = await h.action(
      viewSubmission({
        user: USERS.agent,
        opened,
        state: logFormState(validLogForm({ title: "App logs users out", description: message.text })),
      }),
    );
    const body = (await ack.json()) as { response_action: string };
    expect(body.response_action).toBe("update");
    const row = await h.system.deps.db.query.incidents.findFirst({
      where: (t, { eq }) => eq(t.title, "App logs users out"),
    });
    expect(row).toMatchObject({ sourceChannelId: h.channels.floor, sourceMessageTs: message.ts });
    const channel = await eventually("incident channel", async () => {
      const r = await h.system.deps.db.query.incidents.findFirst({ where: (t, { eq }) => eq(t.id, row!.id) });
      return r?.channelId;
    });
    const card = await h.slack.waitFor(() => h.slack.messagesIn(channel)[0]);
    expect(JSON.stringify(card.blocks)).toContain(`|a message> in <#${h.channels.floor}>`);
  });
});

describe("reference formatting in replies", () => {
  it("uses the six-digit form", () => {
    expect(reference).toMatch(/^INC-\d{6}$/);
    expect(formatReference(Number(reference.slice(4)))).toBe(reference);
  });
});
