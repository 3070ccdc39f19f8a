import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/logger.js";
import { eventually } from "../../helpers/eventually.js";
import { type SocketHarness, startSocketHarness } from "../../helpers/fake-socket-mode.js";

/** The system's info lines, parsed, to check what an operator would read. */
const entries: Array<Record<string, unknown>> = [];
const logger = createLogger("info", {
  write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>),
});
const logged = (msg: string) => entries.filter((e) => e.msg === msg);

let s: SocketHarness;
beforeAll(async () => {
  // A web process only: reconnecting is the receiver's business.
  s = await startSocketHarness({ logger, config: { role: "web" }, system: { socketReadyGraceMs: 1_000 } });
  await s.socketMode.waitForConnections(1);
});
afterAll(async () => {
  await s?.stop();
});
afterEach(() => {
  s.h.slack.clearFaults();
});

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await s.h.system.deps.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return found
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

async function readyz(): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${s.h.baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** Waits for a connection newer than `accepted`, then proves it works with a command. */
async function reconnectedAfter(accepted: number): Promise<void> {
  await eventually("a new Socket Mode connection", async () => s.socketMode.accepted > accepted, {
    timeoutMs: 30_000,
  });
  await s.socketMode.waitForConnections(1);
  const delivery = await s.command("");
  expect(delivery.acked).toBe(true);
}

describe("Socket Mode reconnection", () => {
  it("reconnects at once after Slack asks it to, and logs and counts why", async () => {
    const accepted = s.socketMode.accepted;
    s.socketMode.disconnectAll("refresh_requested");
    await reconnectedAfter(accepted);
    expect(await metric("switchboard_socket_mode_disconnects_total", { reason: "refresh_requested" })).toBe(
      1,
    );
    expect(logged("socket mode disconnected; reconnecting").at(-1)).toMatchObject({
      level: 30,
      reason: "refresh_requested",
    });
    expect(logged("socket mode reconnected").length).toBeGreaterThanOrEqual(1);
  });

  it("reconnects after the connection drops without a word", async () => {
    const accepted = s.socketMode.accepted;
    s.socketMode.dropAll();
    await reconnectedAfter(accepted);
    expect(await metric("switchboard_socket_mode_disconnects_total", { reason: "connection_lost" })).toBe(1);
    expect(logged("socket mode disconnected; reconnecting").at(-1)).toMatchObject({
      reason: "connection_lost",
    });
  });

  it("keeps trying when apps.connections.open answers 503 and then resets the connection", async () => {
    const opens = s.h.slack.callsTo("apps.connections.open").length;
    s.h.slack.failNext("apps.connections.open", { status: 503 });
    s.h.slack.failNext("apps.connections.open", { reset: true });
    const accepted = s.socketMode.accepted;
    s.socketMode.dropAll();
    await reconnectedAfter(accepted);
    const statuses = s.h.slack
      .callsTo("apps.connections.open")
      .slice(opens)
      .map((c) => c.status);
    expect(statuses.slice(0, 3)).toEqual([503, 0, 200]);
    expect(await metric("switchboard_socket_mode_connect_failures_total", { reason: "http_503" })).toBe(1);
    expect(await metric("switchboard_socket_mode_connect_failures_total", { reason: "request_failed" })).toBe(
      1,
    );
    expect(logged("socket mode reconnect failed; trying again").length).toBeGreaterThanOrEqual(2);
  });

  it("fails /readyz while the connection stays lost, and recovers with it", async () => {
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: "ok", postgresql: "ok", redis: "ok", slack_socket: "ok" },
    });
    s.h.slack.failNext("apps.connections.open", { status: 503, times: 100_000 });
    s.socketMode.dropAll();
    const down = await eventually(
      "/readyz to fail",
      async () => {
        const r = await readyz();
        return r.status === 503 ? r : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(down.body).toMatchObject({ status: "unavailable", slack_socket: "fail", postgresql: "ok" });
    const accepted = s.socketMode.accepted;
    s.h.slack.clearFaults();
    await reconnectedAfter(accepted);
    expect((await readyz()).status).toBe(200);
  });

  it("never reconnects more than once for one loss", async () => {
    // Every loss above produced one reconnect, and no connection is left over from a race.
    await s.socketMode.waitForConnections(1);
    expect(s.socketMode.openConnections()).toBe(1);
    expect(await metric("switchboard_socket_mode_reconnects_total")).toBe(
      await metric("switchboard_socket_mode_disconnects_total"),
    );
  });
});

describe("Socket Mode start-up", () => {
  it("retries apps.connections.open at start-up until it answers", async () => {
    const other = await startSocketHarness({
      config: { role: "web" },
      prepare: (slack) => {
        slack.failNext("apps.connections.open", { status: 503 });
        slack.failNext("apps.connections.open", { reset: true });
      },
    });
    try {
      expect(other.h.slack.callsTo("apps.connections.open").map((c) => c.status)).toEqual([503, 0, 200]);
      await other.socketMode.waitForConnections(1);
      expect((await other.command("")).acked).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
