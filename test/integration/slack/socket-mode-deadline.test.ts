import type { ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.js";
import {
  APP_TOKEN,
  type FakeSocketMode,
  startFakeSocketMode,
  startSocketHarness,
} from "../../helpers/fake-socket-mode.js";
import { type Harness, startHarness } from "../../helpers/harness.js";
import { spawnWorkerProcess, writePolicyFile } from "../../helpers/worker-process.js";

const FOREVER = { status: 503, times: 1_000_000 };

describe("a connection that does not come back", () => {
  it("calls for an exit once the deadline has passed, not before", async () => {
    const lost: Array<{ reason: string; at: number }> = [];
    const s = await startSocketHarness({
      config: { role: "web", socketReconnectDeadlineMs: 2_000 },
      system: { onSocketLost: (reason) => void lost.push({ reason, at: Date.now() }) },
    });
    try {
      await s.socketMode.waitForConnections(1);
      s.h.slack.failNext("apps.connections.open", FOREVER);
      const droppedAt = Date.now();
      s.socketMode.dropAll();
      await eventually("the exit call", async () => lost.length > 0, { timeoutMs: 30_000 });
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBe("connection_lost");
      // Timers never fire early, so this holds on any machine.
      expect((lost[0]?.at ?? 0) - droppedAt).toBeGreaterThanOrEqual(2_000);
    } finally {
      s.h.slack.clearFaults();
      await s.stop();
    }
  });
});

describe("npm start in Socket Mode", () => {
  let h: Harness;
  let socketMode: FakeSocketMode;
  let policyFile: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    h = await startHarness({ config: { role: "web" } });
    socketMode = await startFakeSocketMode(h.slack);
    policyFile = writePolicyFile(h, "socket-deadline");
  });
  afterEach(() => {
    h.slack.clearFaults();
    if (child && child.exitCode === null) child.kill("SIGKILL");
    child = undefined;
  });
  afterAll(async () => {
    await h?.stop();
    await socketMode?.close();
  });

  function start(env: Record<string, string>) {
    const process = spawnWorkerProcess(h, {
      policyFile,
      env: { SWITCHBOARD_ROLE: "web", SLACK_APP_TOKEN: APP_TOKEN, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out = { stdout: "", stderr: "" };
    process.stdout?.on("data", (d: Buffer) => {
      out.stdout += d.toString();
    });
    process.stderr?.on("data", (d: Buffer) => {
      out.stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => process.on("exit", (code) => resolve(code)));
    child = process;
    return { out, exited };
  }

  it("exits non-zero through its shutdown when the connection stays lost past SOCKET_RECONNECT_DEADLINE_MS", async () => {
    const run = start({ SOCKET_RECONNECT_DEADLINE_MS: "5000", LOG_LEVEL: "info" });
    await eventually(
      "the process to connect",
      async () => run.out.stdout.includes('"socket mode connected"'),
      {
        timeoutMs: 60_000,
      },
    );
    h.slack.failNext("apps.connections.open", FOREVER);
    socketMode.dropAll();
    expect(await run.exited).toBe(1);
    const lines = run.out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string });
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain("socket mode disconnected; reconnecting");
    expect(messages).toContain(
      "socket mode could not reconnect in time; exiting so the process is restarted",
    );
    // The clean shutdown path, not a bare exit.
    expect(messages.at(-1)).toBe("shutting down");
  }, 90_000);

  it("fails start-up with one clear line once apps.connections.open has failed until the deadline", async () => {
    h.slack.failNext("apps.connections.open", FOREVER);
    const run = start({ SOCKET_RECONNECT_DEADLINE_MS: "5000" });
    expect(await run.exited).toBe(1);
    expect(run.out.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^switchboard: cannot open a Socket Mode connection to Slack at http:\/\/127\.0\.0\.1:\d+\/api\/ within SOCKET_RECONNECT_DEADLINE_MS \(.*statusCode = 503\): check the network or SLACK_API_URL\.$/,
      ),
    ]);
    expect(h.slack.callsTo("apps.connections.open").length).toBeGreaterThan(2);
  }, 90_000);

  it("fails start-up at once when Slack refuses the app-level token", async () => {
    h.slack.failNext("apps.connections.open", { error: "invalid_auth" });
    const run = start({ SOCKET_RECONNECT_DEADLINE_MS: "600000" });
    expect(await run.exited).toBe(1);
    expect(run.out.stderr.trim()).toBe(
      "switchboard: Slack refused the app-level token (invalid_auth): check SLACK_APP_TOKEN.",
    );
  }, 90_000);
});
