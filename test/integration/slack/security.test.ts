import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { slashCommand } from "../../helpers/slack-payloads.js";
import { formBody } from "../../helpers/slack-sign.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

function commandBody() {
  return formBody(
    slashCommand({
      text: "",
      user: USERS.agent,
      channel: h.channels.floor,
      triggerId: h.slack.issueTrigger(),
      responseUrl: h.slack.responseUrl(),
    }),
  );
}

describe("request signatures", () => {
  const cases: Array<[string, Parameters<Harness["post"]>[1]]> = [
    ["a forged signature", { signatureOverride: `v0=${"0".repeat(64)}` }],
    ["a signature made with another secret", { secret: "not-the-secret" }],
    ["a missing signature", { signatureOverride: null }],
    ["a stale timestamp (over 5 minutes old)", { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
  ];
  for (const [name, opts] of cases) {
    it(`refuses ${name} with 401 and does nothing`, async () => {
      const calls = h.slack.calls.length;
      const res = await h.post(commandBody(), opts);
      expect(res.status).toBe(401);
      await new Promise((r) => setTimeout(r, 100));
      expect(h.slack.calls.slice(calls).filter((c) => c.method === "views.open")).toHaveLength(0);
    });
  }

  it("accepts a correctly signed request", async () => {
    const res = await h.post(commandBody());
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.slack.callsTo("views.open").length > 0);
  });
});

describe("operational endpoints", () => {
  it("GET /healthz answers while the process lives", async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz checks PostgreSQL and Redis", async () => {
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", postgresql: "ok", redis: "ok" });
  });

  it("GET /metrics speaks the Prometheus text format", async () => {
    const res = await fetch(`${h.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE switchboard_incidents_logged_total counter");
    expect(text).toContain("process_cpu_seconds_total");
    // The signed command above was timed; the forged ones never reached a handler.
    expect(text).toMatch(/switchboard_slack_handler_seconds_count\{kind="command"\} 1\n/);
  });
});
