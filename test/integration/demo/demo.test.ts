import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keptApart, type RunningDemo, realSlackCredential, startDemo } from "../../../src/demo/demo.js";
import { ACTION, LOG_FIELDS } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { createTestDatabase, TEST_REDIS_URL } from "../../helpers/services.js";
import { logFormState, validLogForm } from "../../helpers/slack-payloads.js";
import { findElement, type SandboxState, sandbox } from "./sandbox-client.js";

let database: { url: string; drop(): Promise<void> };
let dataDir: string;
let demo: RunningDemo | undefined;
const queuePrefix = `test-demo-${randomUUID()}`;

const start = () =>
  startDemo({
    port: 0,
    dataDir,
    databaseUrl: database.url,
    redisUrl: TEST_REDIS_URL,
    queuePrefix,
    logLevel: "silent",
    env: {},
  });

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "switchboard-demo-test-"));
  demo = await start();
});
afterAll(async () => {
  await demo?.stop();
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** How long the bot may take for what follows a request (a loaded machine is slow, never wrong). */
const BOT = { timeoutMs: 30_000 };

const api = () => sandbox(demo!);
const P = () => demo!.personas;
const channelNamed = (s: SandboxState, name: string) => s.channels.find((c) => c.name === name);
const incidentChannel = (s: SandboxState) => s.channels.find((c) => c.name.startsWith("inc-"));

/** Reads server-sent events from /api/events into `events`. */
async function listen(events: string[]): Promise<AbortController> {
  const abort = new AbortController();
  const res = await fetch(api().url("/api/events"), { signal: abort.signal });
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const parts = buffer.split("\n\n");
      buffer = parts.pop() ?? "";
      events.push(...parts);
    }
  })();
  return abort;
}

/** Whether a TCP connection to host:port opens (refused or unreachable: false). */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Addresses of this machine other than 127.0.0.1 that a listener on every interface would answer on. */
function otherAddresses(): string[] {
  const found = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal && !a.address.startsWith("fe80:"))
    .map((a) => a!.address);
  // On Linux all of 127.0.0.0/8 is loopback: a listener on 127.0.0.1 alone refuses 127.0.0.2.
  return process.platform === "linux" ? ["127.0.0.2", ...found] : found;
}

describe("npm run demo", () => {
  it("refuses to start with real Slack credentials, and accepts .env.example's placeholders", async () => {
    await expect(startDemo({ port: 0, dataDir, env: { SLACK_BOT_TOKEN: "xoxb-1234-real" } })).rejects.toThrow(
      /SLACK_BOT_TOKEN is set; the demo never talks to Slack/,
    );
    expect(realSlackCredential({ SLACK_SIGNING_SECRET: "8f1e0a" })).toBe("SLACK_SIGNING_SECRET");
    expect(realSlackCredential({ SLACK_APP_TOKEN: "xapp-1-A0-1" })).toBe("SLACK_APP_TOKEN");
    expect(realSlackCredential({ SLACK_BOT_TOKEN: "xoxb-...", SLACK_SIGNING_SECRET: "..." })).toBeNull();
  });

  it("listens on 127.0.0.1 only: the page, the bot's receiver, the emulator and /metrics", async () => {
    const ports = [
      Number(new URL(demo!.url).port),
      demo!.system.port!,
      Number(new URL(demo!.slack.url).port),
      demo!.system.metricsPort!,
    ];
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      expect(await connects("127.0.0.1", port), `127.0.0.1:${port}`).toBe(true);
      for (const address of otherAddresses()) {
        expect(await connects(address, port), `${address}:${port}`).toBe(false);
      }
    }
  });

  it("serves the page and the workspace: team, people in switcher order, channels the persona can see", async () => {
    const page = await fetch(api().url("/"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("<");
    const s = await api().state(P().agent.id);
    expect(s.team.name).toBe("Northwind Contact Centre");
    expect(s.bot).toEqual({ id: "U0BOT", name: "Switchboard" });
    expect(s.people.slice(0, 6).map((p) => p.title)).toEqual([
      "Agent",
      "Agent",
      "Team lead",
      "Duty manager",
      "Head of operations",
      "Stakeholder",
    ]);
    expect(channelNamed(s, "agent-floor")).toMatchObject({ kind: "public", member: true });
    expect(channelNamed(s, "client-updates")).toMatchObject({ kind: "public", member: false });
    expect(s.modal).toBeNull();
    expect(s.timezone).toBe("Europe/London");
    // Times are the viewer's: someone whose profile is in New York reads New York times.
    demo!.slack.addUser("U0NWNYC", { name: "ana.ruiz", real_name: "Ana Ruiz", tz: "America/New_York" });
    expect((await api().state("U0NWNYC")).timezone).toBe("America/New_York");
    // A first visit names nobody: it sees the workspace as the agent.
    const first = await fetch(api().url("/api/state"));
    expect(first.status).toBe(200);
    expect(((await first.json()) as { me: string }).me).toBe(P().agent.id);
    const bad = await api().post("/api/message", { as: "nobody", channel: "C1", text: "hi" });
    expect(bad.status).toBe(400);
    expect(bad.body.ok).toBe(false);
  });

  it("logs a P1 from /incident through the modal; announces it; escalates it to the team lead; Acknowledge changes the card", async () => {
    const events: string[] = [];
    const abort = await listen(events);
    const agent = P().agent.id;
    const floor = channelNamed(await api().state(agent), "agent-floor")!;
    const versionBefore = (await api().state(agent)).version;

    const sent = await api().post("/api/message", { as: agent, channel: floor.id, text: "/incident" });
    expect(sent.body).toEqual({ ok: true });
    const modal = await eventually(
      "the Log modal in the agent's state",
      async () => (await api().state(agent)).modal,
      BOT,
    );
    expect(modal.view.callback_id).toBe("log_incident_modal");
    expect(modal.depth).toBe(1);
    // Nobody else sees the agent's modal.
    expect((await api().state(P().teamLead.id)).modal).toBeNull();
    // The change was announced over SSE with a newer version.
    await eventually(
      "a change event",
      async () =>
        events.some((e) => {
          const match = /^event: change\ndata: (.*)$/m.exec(e);
          return match ? (JSON.parse(match[1]!) as { version: number }).version > versionBefore : false;
        }),
      BOT,
    );
    abort.abort();

    const form = validLogForm({ title: "Card payments failing", impact: "high", urgency: "high" });
    const submitted = await api().post("/api/submit", {
      as: agent,
      view_id: modal.view_id,
      values: logFormState(form),
    });
    expect(submitted.body).toMatchObject({ ok: true, response_action: "update" });
    const confirmation = (await api().state(agent)).modal;
    expect(JSON.stringify(confirmation?.view.blocks)).toMatch(/INC-\d+/);

    const channel = await eventually(
      "the incident channel",
      async () => incidentChannel(await api().state(agent)),
      BOT,
    );
    const card = await eventually(
      "the pinned card",
      async () => {
        const s = await api().state(agent);
        return s.messages[channel.id]?.find((m) => m.pinned && m.user === "U0BOT");
      },
      BOT,
    );
    expect(card.text).toContain("P1");
    expect(findElement(card.blocks, "incident_acknowledge")).toBeDefined();

    const stakeholder = P().stakeholder.id;
    const announcement = await eventually(
      "the announcement in #client-updates",
      async () => {
        const s = await api().state(stakeholder);
        const updates = channelNamed(s, "client-updates")!;
        return s.messages[updates.id]?.find((m) => m.text.includes("Card payments failing"));
      },
      BOT,
    );
    expect(announcement.user).toBe("U0BOT");

    // P1 is due a response in 45 s; unacknowledged, it goes to the team lead's DM.
    const lead = P().teamLead.id;
    const dm = await eventually(
      "the escalation DM to the team lead",
      async () => {
        const s = await api().state(lead);
        const im = s.channels.find((c) => c.kind === "im");
        const message = im && s.messages[im.id]?.find((m) => findElement(m.blocks, "escalation_acknowledge"));
        return im && message ? { im, message } : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(dm.im.name).toBe("Switchboard");
    const button = findElement(dm.message.blocks, "escalation_acknowledge")!;
    const clicked = await api().post("/api/action", {
      as: lead,
      source: { type: "message", channel: dm.im.id, ts: dm.message.ts },
      action: { ...button.element, block_id: button.block_id, action_ts: `${Date.now() / 1000}` },
    });
    expect(clicked.body).toEqual({ ok: true });
    const changed = await eventually(
      "the card to show the acknowledgement",
      async () => {
        const s = await api().state(lead);
        const now = s.messages[channel.id]?.find((m) => m.ts === card.ts);
        return now && !findElement(now.blocks, "incident_acknowledge") ? now : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(changed.edited).toBe(true);
    expect(changed.pinned).toBe(true);
    // The click's answer went to the response_url: an ephemeral only the team lead sees.
    const answer = await eventually(
      "the lead's ephemeral answer",
      async () => (await api().state(lead)).ephemerals.find((e) => e.text.includes("You acknowledged")),
      BOT,
    );
    expect(answer.channel).toBe(dm.im.id);
    expect((await api().state(agent)).ephemerals.some((e) => e.text.includes("You acknowledged"))).toBe(
      false,
    );
  }, 150_000);

  it("opens the Home tab, the message shortcut's modal, a select's preview, options, errors and close", async () => {
    const lead = P().teamLead.id;
    expect((await api().post("/api/home", { as: lead })).body).toEqual({ ok: true });
    const home = await eventually("the lead's Home tab", async () => (await api().state(lead)).home, BOT);
    expect(home.type).toBe("home");
    expect((await api().state(P().stakeholder.id)).home).toBeNull();

    const agent = P().agent.id;
    const floor = channelNamed(await api().state(agent), "agent-floor")!;
    const said = "Customers cannot log in to the app since 10:05";
    expect((await api().post("/api/message", { as: agent, channel: floor.id, text: said })).body).toEqual({
      ok: true,
    });
    const message = (await api().state(agent)).messages[floor.id]!.find((m) => m.text === said)!;
    expect(message.user).toBe(agent);
    const shortcut = await api().post("/api/shortcut", { as: agent, channel: floor.id, ts: message.ts });
    expect(shortcut.body).toEqual({ ok: true });
    const modal = await eventually(
      "the Log modal from the shortcut",
      async () => {
        // An earlier form's outcome may still be open until the shortcut's modal replaces it.
        const open = (await api().state(agent)).modal;
        return open?.view.callback_id === "log_incident_modal" ? open : undefined;
      },
      BOT,
    );
    expect(modal.view.callback_id).toBe("log_incident_modal");
    expect(JSON.stringify(modal.view.blocks)).toContain("Customers cannot log in");

    // Choosing impact and urgency shows the matrix's priority in the open modal.
    const state = logFormState({ impact: "high", urgency: "high" });
    const chosen = await api().post("/api/action", {
      as: agent,
      source: { type: "view", view_id: modal.view_id },
      action: {
        type: "static_select",
        action_id: ACTION.urgency,
        block_id: LOG_FIELDS.urgency,
        selected_option: { value: "high", text: { type: "plain_text", text: "High" } },
        action_ts: `${Date.now() / 1000}`,
      },
      state,
    });
    expect(chosen.body).toEqual({ ok: true });
    await eventually(
      "the priority preview",
      async () =>
        JSON.stringify((await api().state(agent)).modal?.view.blocks).includes(
          "Priority from the matrix: P1",
        ),
      BOT,
    );

    const options = await api().post("/api/options", {
      as: agent,
      view_id: modal.view_id,
      block_id: "anything",
      action_id: "anything",
      value: "pay",
    });
    expect(options.body).toEqual({ options: [] });

    const refused = await api().post("/api/submit", {
      as: agent,
      view_id: modal.view_id,
      values: logFormState({}),
    });
    expect(refused.body).toMatchObject({ ok: true, response_action: "errors" });
    const withErrors = await api().state(agent);
    expect(withErrors.modal?.view_id).toBe(modal.view_id);
    expect(Object.keys(withErrors.modalErrors)).toContain("title");

    expect((await api().post("/api/close", { as: agent, view_id: modal.view_id })).body).toEqual({
      ok: true,
    });
    const closed = await api().state(agent);
    expect(closed.modal).toBeNull();
    expect(closed.modalErrors).toEqual({});
  });

  it("keeps channels and messages over a restart with the same data folder", async () => {
    const agent = P().agent.id;
    const before = await api().state(agent);
    const channel = incidentChannel(before)!;
    expect(channel).toBeDefined();
    await demo!.stop();
    demo = undefined;
    expect(existsSync(keptApart({ embedded: false, url: database.url }, dataDir).workspaceFile)).toBe(true);
    demo = await start();
    const after = await api().state(agent);
    expect(after.channels.map((c) => c.id)).toEqual(before.channels.map((c) => c.id));
    // Everything from before is still there (the bot may have posted more while it stopped).
    const kept = before.messages[channel.id]!.map((m) => m.ts);
    expect(kept.length).toBeGreaterThan(0);
    expect(after.messages[channel.id]?.map((m) => m.ts).slice(0, kept.length)).toEqual(kept);
    expect(after.people).toEqual(before.people);
    // The bot still finds the incident: /incident list in its channel answers with it.
    const seen = after.ephemerals.length;
    const sent = await api().post("/api/message", { as: agent, channel: channel.id, text: "/incident list" });
    expect(sent.body).toEqual({ ok: true });
    const reply = await eventually(
      "the list's ephemeral",
      async () => (await api().state(agent)).ephemerals[seen],
      BOT,
    );
    expect(reply.channel).toBe(channel.id);
    expect(JSON.stringify(reply)).toMatch(/INC-\d+/);
  }, 120_000);

  it("keeps a workspace per database: another database starts afresh, and the first one's comes back", async () => {
    const agent = P().agent.id;
    const first = incidentChannel(await api().state(agent));
    expect(first).toBeDefined();
    await demo!.stop();
    demo = undefined;
    const other = await createTestDatabase();
    try {
      demo = await startDemo({
        port: 0,
        dataDir,
        databaseUrl: other.url,
        redisUrl: TEST_REDIS_URL,
        queuePrefix: `${queuePrefix}-other`,
        logLevel: "silent",
        env: {},
      });
      // None of the first database's incidents: its channels and cards would point at nothing.
      const fresh = await api().state(agent);
      expect(incidentChannel(fresh)).toBeUndefined();
      const floor = channelNamed(fresh, "agent-floor")!;
      // The bot runs on that database: it answers, and knows no incident there.
      const sent = await api().post("/api/message", { as: agent, channel: floor.id, text: "/incident list" });
      expect(sent.body).toEqual({ ok: true });
      const reply = await eventually(
        "the list's answer",
        async () => (await api().state(agent)).ephemerals[0],
        BOT,
      );
      expect(JSON.stringify(reply)).not.toMatch(/INC-\d+/);
      await demo.stop();
      demo = undefined;
    } finally {
      await demo?.stop();
      await other.drop();
    }
    demo = await start();
    const back = incidentChannel(await api().state(agent));
    expect(back?.id).toBe(first!.id);
    // And the bot still knows that channel's incident.
    const seen = (await api().state(agent)).ephemerals.length;
    const sent = await api().post("/api/message", { as: agent, channel: back!.id, text: "/incident show" });
    expect(sent.body).toEqual({ ok: true });
    const reply = await eventually(
      "the incident's summary",
      async () => (await api().state(agent)).ephemerals[seen],
      BOT,
    );
    expect(JSON.stringify(reply)).toMatch(/INC-\d+/);
  }, 120_000);
});
