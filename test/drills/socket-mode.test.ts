import { count } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { incidents } from "../../src/db/schema/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { type RunningSystem, startSystem } from "../../src/system.js";
import { sleep } from "../helpers/drill.js";
import { type Delivery, type SocketHarness, startSocketHarness } from "../helpers/fake-socket-mode.js";
import { USERS } from "../helpers/harness.js";
import { logFormState, slashCommand, validLogForm, viewSubmission } from "../helpers/slack-payloads.js";

/**
 * The Socket Mode drill: for DRILL_SOCKET_MS (default 2 minutes) the fake Socket Mode server
 * ends every connection 10 s after it opened (alternately with Slack's `disconnect` message and
 * by dropping it) while agents keep typing `/incident` and submitting the form. Two set-ups run
 * side by side: one web process, and two web processes sharing one app (Slack sends each
 * envelope to one open connection). Every envelope is counted as acknowledged or lost; with two
 * receivers none may be lost. Prints the counts.
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
    await one.socketMode.waitForConnections(1);
    await two.socketMode.waitForConnections(1);

    one.socketMode.endEach(CONNECTION_LIFE_MS);
    two.socketMode.endEach(CONNECTION_LIFE_MS);
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
    await Promise.all([
      ...AGENTS.map((user) => agent(one, user, until, single)),
      ...AGENTS.map((user) => agent(two, user, until, pair)),
    ]);

    const report = {
      "one receiver": { ...single, connections: one.socketMode.accepted, incidents: await incidentsIn(one) },
      "two receivers": { ...pair, connections: two.socketMode.accepted, incidents: await incidentsIn(two) },
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
  });
});
