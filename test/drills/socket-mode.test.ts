import { App, type Logger, LogLevel } from "@slack/bolt";
import { count } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { incidents } from "../../src/db/schema/index.js";
import { startFakeSlack } from "../../src/emulator/server.js";
import type { FakeSlack } from "../../src/emulator/types.js";
import { createLogger } from "../../src/lib/logger.js";
import { type RunningSystem, startSystem } from "../../src/system.js";
import { sleep } from "../helpers/drill.js";
import {
  APP_TOKEN,
  type Delivery,
  type FakeSocketMode,
  type SocketHarness,
  startFakeSocketMode,
  startSocketHarness,
} from "../helpers/fake-socket-mode.js";
import { USERS } from "../helpers/harness.js";
import { logFormState, slashCommand, validLogForm, viewSubmission } from "../helpers/slack-payloads.js";

/**
 * The Socket Mode drill: for DRILL_SOCKET_MS (default 2 minutes) the fake Socket Mode server
 * ends every connection 10 s after it opened (alternately with Slack's `disconnect` message and
 * by dropping it) while agents keep typing `/incident` and submitting the form. Two set-ups run
 * side by side: one web process, and two web processes sharing one app (Slack sends each
 * envelope to one open connection). Every envelope is counted as acknowledged or lost; with two
 * receivers none may be lost. A third set-up, a bare Bolt app left to the Slack SDK's own
 * reconnect, shows the gap the SDK leaves. Prints the counts.
 *
 * A `disconnect` comes whatever is in flight (the receiver must still answer those); a drop
 * is timed between envelopes, because an envelope caught in flight by a real network fault is
 * lost on any set-up: what this measures is the gap until a connection is open again.
 */
const DRILL_MS = Number(process.env.DRILL_SOCKET_MS ?? 120_000);
const CONNECTION_LIFE_MS = 10_000;
/** Slack shows the user an error when an envelope is not acknowledged within 3 s. */
const SLACK_ACK_MS = 3_000;
const AGENTS = [USERS.agent, USERS.lead, USERS.duty];
const PAUSE_MS = 400;

interface Tally {
  sent: number;
  acked: number;
  /** Acknowledged, but later than Slack waits (the user saw an error). */
  late: number;
  lost: Record<"no_connection" | "connection_closed" | "no_ack", number>;
  /** Incidents the acks said were logged. */
  logged: number;
}

const newTally = (): Tally => ({
  sent: 0,
  acked: 0,
  late: 0,
  lost: { no_connection: 0, connection_closed: 0, no_ack: 0 },
  logged: 0,
});

function record(t: Tally, d: Delivery): boolean {
  t.sent += 1;
  if (!d.acked) {
    t.lost[d.reason] += 1;
    return false;
  }
  t.acked += 1;
  if (d.ms > SLACK_ACK_MS) t.late += 1;
  return true;
}

/** One agent: `/incident`, then submit the form it opened, until the drill ends. */
async function agent(s: SocketHarness, user: string, until: number, t: Tally): Promise<void> {
  while (Date.now() < until) {
    const triggerId = s.h.slack.issueTrigger({ user, ttlMs: 60_000 });
    const command = await s.socketMode.deliver(
      "slash_commands",
      slashCommand({
        text: "",
        user,
        channel: s.h.channels.floor,
        triggerId,
        responseUrl: s.h.slack.responseUrl(),
      }),
      { ackTimeoutMs: 10_000 },
    );
    if (record(t, command)) {
      const opened = await s.h.slack
        .waitFor(() => s.h.slack.views.find((v) => v.triggerId === triggerId), { timeoutMs: 15_000 })
        .catch(() => null);
      if (opened) {
        const form = validLogForm({ title: `Drill ${user} ${t.sent}` });
        const submission = await s.socketMode.deliver(
          "interactive",
          viewSubmission({ user, opened, state: logFormState(form) }),
          { ackTimeoutMs: 10_000 },
        );
        if (record(t, submission) && submission.acked && submission.payload?.response_action === "update") {
          t.logged += 1;
        }
      }
    }
    await sleep(PAUSE_MS);
  }
}

/** A bare Bolt app in Socket Mode with the SDK's defaults: it acknowledges `/incident`. */
async function startStockApp(slack: FakeSlack): Promise<App> {
  const quiet: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    setLevel: () => {},
    getLevel: () => LogLevel.ERROR,
    setName: () => {},
  };
  const app = new App({
    token: slack.botToken,
    appToken: APP_TOKEN,
    socketMode: true,
    clientOptions: { slackApiUrl: slack.url },
    logger: quiet,
    tokenVerificationEnabled: false,
  });
  app.command("/incident", async ({ ack }) => {
    await ack();
  });
  await app.start();
  return app;
}

/** `/incident` every PAUSE_MS until the drill ends, counting only the acks. */
async function typist(socketMode: FakeSocketMode, slack: FakeSlack, until: number, t: Tally): Promise<void> {
  while (Date.now() < until) {
    const payload = slashCommand({
      text: "",
      user: USERS.agent,
      channel: "C0FLOOR",
      triggerId: slack.issueTrigger({ user: USERS.agent }),
      responseUrl: slack.responseUrl(),
    });
    record(t, await socketMode.deliver("slash_commands", payload, { ackTimeoutMs: 10_000 }));
    await sleep(PAUSE_MS / 2);
  }
}

async function incidentsIn(s: SocketHarness): Promise<number> {
  const [row] = await s.h.system.deps.db.select({ n: count() }).from(incidents);
  return row?.n ?? 0;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe("Socket Mode drill", () => {
  it("loses nothing with two receivers while every connection is cut every 10 s", async () => {
    const one = await startSocketHarness({ config: { role: "web" } });
    cleanups.push(() => one.stop());
    const two = await startSocketHarness({ config: { role: "web" } });
    cleanups.push(() => two.stop());
    const stockSlack = await startFakeSlack();
    const stockSocket = await startFakeSocketMode(stockSlack);
    cleanups.push(async () => {
      await stockSocket.close();
      await stockSlack.close();
    });
    const stockApp = await startStockApp(stockSlack);
    cleanups.unshift(async () => {
      await stockApp.stop();
    });
    await one.socketMode.waitForConnections(1);
    await two.socketMode.waitForConnections(1);
    await stockSocket.waitForConnections(1);

    one.socketMode.endEach(CONNECTION_LIFE_MS);
    two.socketMode.endEach(CONNECTION_LIFE_MS);
    stockSocket.endEach(CONNECTION_LIFE_MS);
    // The second receiver joins half a connection's life later, so the two are not cut together.
    await sleep(CONNECTION_LIFE_MS / 2);
    const second: RunningSystem = await startSystem({
      config: two.h.config,
      policy: two.h.policy,
      logger: createLogger("silent"),
    });
    cleanups.push(() => second.stop());
    await two.socketMode.waitForConnections(2);

    const until = Date.now() + DRILL_MS;
    const single = newTally();
    const pair = newTally();
    const stock = newTally();
    await Promise.all([
      ...AGENTS.map((user) => agent(one, user, until, single)),
      ...AGENTS.map((user) => agent(two, user, until, pair)),
      typist(stockSocket, stockSlack, until, stock),
    ]);

    const report = {
      "one receiver": { ...single, connections: one.socketMode.accepted, incidents: await incidentsIn(one) },
      "two receivers": { ...pair, connections: two.socketMode.accepted, incidents: await incidentsIn(two) },
      "bare Bolt app, the SDK's own reconnect, commands only": {
        ...stock,
        connections: stockSocket.accepted,
        incidents: 0,
      },
    };
    console.log(
      `Socket Mode drill, ${DRILL_MS / 1000} s, each connection cut after ${CONNECTION_LIFE_MS / 1000} s:`,
    );
    for (const [name, r] of Object.entries(report)) {
      const lost = r.lost.no_connection + r.lost.connection_closed + r.lost.no_ack;
      console.log(
        `  ${name}: ${r.sent} envelopes, ${r.acked} acknowledged (${r.late} after 3 s), ${lost} lost ` +
          `(no connection open ${r.lost.no_connection}, cut in flight ${r.lost.connection_closed}, ` +
          `no ack ${r.lost.no_ack}); ${r.logged} incidents acknowledged, ${r.incidents} in PostgreSQL; ` +
          `${r.connections} connections opened`,
      );
    }

    // The connections really were cut all along (about one every 10 s per receiver).
    const cuts = Math.floor(DRILL_MS / CONNECTION_LIFE_MS);
    expect(report["one receiver"].connections).toBeGreaterThanOrEqual(cuts / 2);
    expect(report["two receivers"].connections).toBeGreaterThanOrEqual(cuts);
    expect(pair.sent).toBeGreaterThan(0);
    expect(pair.lost).toEqual({ no_connection: 0, connection_closed: 0, no_ack: 0 });
    expect(pair.acked).toBe(pair.sent);
    // Every incident an ack announced is in PostgreSQL, and no other.
    expect(report["two receivers"].incidents).toBe(pair.logged);
    expect(report["one receiver"].incidents).toBe(single.logged);
    // The SDK still pauses 5 s before reconnecting (@slack/socket-mode 3.1.0). Should a release
    // close that gap, this fails: then see whether the second receiver is still needed.
    expect(stock.lost.no_connection).toBeGreaterThan(0);
  });
});
