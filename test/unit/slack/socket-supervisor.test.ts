import { EventEmitter } from "node:events";
import { ErrorCode } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/logger.js";
import { createMetrics } from "../../../src/lib/metrics.js";
import { defaultBackoffMs, failureReason } from "../../../src/slack/socket-failures.js";
import { SocketSupervisor, type SocketSupervisorOptions } from "../../../src/slack/socket-supervisor.js";

type Outcome = "connect" | Error | { hang: true };

/** Stands in for @slack/socket-mode's client: each start() takes the next queued outcome. */
class FakeClient extends EventEmitter {
  readonly outcomes: Outcome[] = [];
  starts = 0;
  disconnects = 0;
  /** Frames the client's own handler was given (the supervisor sits in front of it). */
  readonly handled: string[] = [];

  constructor() {
    super();
    this.on("ws_message", (data: string) => this.handled.push(data));
  }
  private pending: { resolve: () => void; reject: (e: unknown) => void } | null = null;

  start(): Promise<unknown> {
    this.starts += 1;
    const outcome = this.outcomes.shift() ?? "connect";
    if (outcome === "connect") return Promise.resolve({ ok: true });
    if (outcome instanceof Error) return Promise.reject(outcome);
    return new Promise((resolve, reject) => {
      this.pending = { resolve: () => resolve({ ok: true }), reject };
    });
  }

  finishPending(): void {
    this.pending?.resolve();
    this.pending = null;
  }

  disconnect(): Promise<void> {
    this.disconnects += 1;
    this.pending?.reject(undefined);
    this.pending = null;
    return Promise.resolve();
  }

  /** The connection ends, after Slack's `disconnect` message when a reason is given. */
  lose(reason?: string): void {
    if (reason) this.emit("ws_message", JSON.stringify({ type: "disconnect", reason }));
    this.emit("disconnected");
  }
}

const http503 = () =>
  Object.assign(new Error("An HTTP protocol error occurred: statusCode = 503"), {
    code: ErrorCode.HTTPError,
    statusCode: 503,
  });
const refused = () =>
  Object.assign(new Error("An API error occurred: invalid_auth"), {
    code: ErrorCode.PlatformError,
    data: { ok: false, error: "invalid_auth" },
  });

function supervise(client: FakeClient, opts: Partial<SocketSupervisorOptions> = {}) {
  const lost: string[] = [];
  const metrics = createMetrics();
  const supervisor = new SocketSupervisor({
    client,
    logger: createLogger("silent"),
    metrics,
    deadlineMs: 60_000,
    onLost: (reason) => lost.push(reason),
    backoffMs: () => 5,
    minAttemptGapMs: 0,
    ...opts,
  });
  return { supervisor, lost, metrics };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("SocketSupervisor", () => {
  it("is not ready before the first connection, and ready once connected", async () => {
    const client = new FakeClient();
    const { supervisor } = supervise(client);
    expect(supervisor.ready()).toBe(false);
    await supervisor.start();
    expect(supervisor.ready()).toBe(true);
    await supervisor.stop();
    expect(supervisor.ready()).toBe(false);
  });

  it("stays ready for the grace after a loss, then not, and ready again once back", async () => {
    let now = 1_000_000;
    const client = new FakeClient();
    client.outcomes.push("connect", http503(), http503(), http503());
    const { supervisor } = supervise(client, {
      now: () => now,
      readyGraceMs: 15_000,
      backoffMs: () => 60_000,
    });
    await supervisor.start();
    client.lose();
    expect(supervisor.ready()).toBe(true);
    now += 14_999;
    expect(supervisor.ready()).toBe(true);
    now += 1;
    expect(supervisor.ready()).toBe(false);
    await supervisor.stop();
  });

  it("re-opens at once after a loss and backs off only after failed attempts", async () => {
    const client = new FakeClient();
    const waits: number[] = [];
    const { supervisor, metrics } = supervise(client, {
      backoffMs: (failures) => {
        waits.push(failures);
        return 5;
      },
    });
    await supervisor.start();
    client.outcomes.push(http503(), http503(), "connect");
    client.lose("refresh_requested");
    await until(() => client.starts === 4 && supervisor.ready(), "the reconnect");
    expect(waits).toEqual([1, 2]);
    client.lose();
    await until(() => client.starts === 5, "the second reconnect");
    // A success resets the count: the next loss is retried at once, with no backoff asked for.
    expect(waits).toEqual([1, 2]);
    expect((await metrics.socketDisconnects.get()).values.map((v) => [v.labels.reason, v.value])).toEqual([
      ["refresh_requested", 1],
      ["connection_lost", 1],
    ]);
    expect((await metrics.socketConnectFailures.get()).values).toMatchObject([
      { labels: { reason: "http_503" }, value: 2 },
    ]);
    await supervisor.stop();
  });

  it("calls onLost once when a loss outlasts the deadline, and keeps trying", async () => {
    const client = new FakeClient();
    const { supervisor, lost } = supervise(client, { deadlineMs: 50 });
    await supervisor.start();
    for (let i = 0; i < 1_000; i += 1) client.outcomes.push(http503());
    client.lose();
    await until(() => lost.length > 0, "onLost");
    const starts = client.starts;
    await until(() => client.starts > starts + 3, "more attempts");
    expect(lost).toEqual(["connection_lost"]);
    await supervisor.stop();
  });

  it("never calls onLost when the connection comes back in time", async () => {
    const client = new FakeClient();
    const { supervisor, lost } = supervise(client, { deadlineMs: 100 });
    await supervisor.start();
    client.outcomes.push(http503());
    client.lose();
    await until(() => supervisor.ready() && client.starts === 3, "the reconnect");
    await new Promise((r) => setTimeout(r, 150));
    expect(lost).toEqual([]);
    await supervisor.stop();
  });

  it("retries start-up until the deadline, then throws the last error", async () => {
    const client = new FakeClient();
    for (let i = 0; i < 1_000; i += 1) client.outcomes.push(http503());
    const { supervisor } = supervise(client, { deadlineMs: 60 });
    await expect(supervisor.start()).rejects.toMatchObject({ statusCode: 503 });
    expect(client.starts).toBeGreaterThan(2);
  });

  it("gives up start-up at once when Slack refuses the app-level token", async () => {
    const client = new FakeClient();
    client.outcomes.push(refused());
    const { supervisor } = supervise(client, { deadlineMs: 60_000 });
    await expect(supervisor.start()).rejects.toMatchObject({ data: { error: "invalid_auth" } });
    expect(client.starts).toBe(1);
  });

  it("abandons an attempt that never finishes and tries again", async () => {
    const client = new FakeClient();
    client.outcomes.push({ hang: true }, "connect");
    const { supervisor } = supervise(client, { attemptTimeoutMs: 20 });
    await supervisor.start();
    expect(client.disconnects).toBe(1);
    expect(client.starts).toBe(2);
    await supervisor.stop();
  });

  it("holds Slack's disconnect until the envelopes in flight are answered", async () => {
    const client = new FakeClient();
    const { supervisor } = supervise(client);
    await supervisor.start();
    const envelope =
      '{"envelope_id":"e-1","type":"interactive","payload":{"text":"\\"envelope_id\\":\\"x\\""}}';
    const disconnect = '{"type":"disconnect","reason":"refresh_requested"}';
    client.emit("ws_message", envelope, false);
    client.emit("ws_message", disconnect, false);
    await new Promise((r) => setTimeout(r, 30));
    expect(client.handled).toEqual([envelope]);
    client.emit("outgoing_message", { envelope_id: "e-1", payload: {} });
    await until(() => client.handled.length === 2, "the disconnect to be passed on");
    expect(client.handled).toEqual([envelope, disconnect]);
    await supervisor.stop();
  });

  it("closes what an attempt opens after stop()", async () => {
    const client = new FakeClient();
    const { supervisor } = supervise(client);
    await supervisor.start();
    client.outcomes.push({ hang: true });
    client.lose();
    await until(() => client.starts === 2, "the reconnect attempt");
    const stopped = supervisor.stop();
    client.finishPending();
    await stopped;
    await until(() => client.disconnects === 1, "the late connection to be closed");
    expect(supervisor.ready()).toBe(false);
  });
});

describe("failureReason", () => {
  it.each([
    [http503(), "http_503"],
    [refused(), "invalid_auth"],
    [Object.assign(new Error("fetch failed"), { code: ErrorCode.RequestError }), "request_failed"],
    [undefined, "closed_before_hello"],
    [new Error("anything else"), "other"],
  ])("labels %s as %s", (err, reason) => {
    expect(failureReason(err)).toBe(reason);
  });
});

describe("defaultBackoffMs", () => {
  it("doubles from about half a second up to about ten", () => {
    for (let i = 0; i < 50; i += 1) {
      expect(defaultBackoffMs(1)).toBeGreaterThanOrEqual(400);
      expect(defaultBackoffMs(1)).toBeLessThanOrEqual(500);
      expect(defaultBackoffMs(3)).toBeGreaterThanOrEqual(1_600);
      expect(defaultBackoffMs(3)).toBeLessThanOrEqual(2_000);
      expect(defaultBackoffMs(30)).toBeGreaterThanOrEqual(8_000);
      expect(defaultBackoffMs(30)).toBeLessThanOrEqual(10_000);
    }
  });
});
