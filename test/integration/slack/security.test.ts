import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { slashCommand } from "../../helpers/slack-payloads.js";
import { formBody, payloadBody } from "../../helpers/slack-sign.js";

let h: Harness;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
  process.off("unhandledRejection", onRejection);
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
    ["a timestamp 10 minutes in the future", { timestamp: Math.floor(Date.now() / 1000) + 10 * 60 }],
    ["a timestamp that is not a number", { headers: { "x-slack-request-timestamp": "soon" } }],
  ];
  for (const [name, opts] of cases) {
    it(`refuses ${name} with 401 and does nothing`, async () => {
      const calls = h.slack.calls.length;
      const res = await h.post(commandBody(), opts);
      expect(res.status).toBe(401);
      // The 401 itself is the signal that no handler ran; the grace is for a stray call on the wire.
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

describe("malformed requests", () => {
  const json = { "content-type": "application/json" };
  /** A correctly signed request: how fast it is answered, and with what. */
  async function timed(body: string, headers: Record<string, string> = {}) {
    const started = performance.now();
    const res = await h.post(body, { headers });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  }
  async function expectRefusedAtOnce(body: string, headers: Record<string, string> = {}) {
    const calls = h.slack.calls.length;
    const res = await timed(body, headers);
    expect(res.status).toBe(400);
    expect(res.text).toBe("");
    // Refused at once rather than left to Slack's 3 s timeout (which would make Slack retry):
    // the bound keeps inside that promise with room for a loaded machine, not a speed figure.
    expect(res.ms).toBeLessThan(2_000);
    // The 400 itself is the signal that no handler ran; the grace is for a stray call on the wire.
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections.map(String)).toEqual([]);
    expect(h.slack.calls.length).toBe(calls);
  }

  it("a signed payload=null gets 400 at once", async () => {
    await expectRefusedAtOnce(formBody({ payload: "null" }));
  });

  it("a signed JSON null body gets 400 at once", async () => {
    await expectRefusedAtOnce("null", json);
  });

  it.each([
    ["a number", "42"],
    ["a string", '"block_actions"'],
    ["an array", '[{"type":"block_actions"}]'],
    ["true", "true"],
  ])("a non-object payload gets 400 (%s)", async (_name, payload) => {
    await expectRefusedAtOnce(formBody({ payload }));
    await expectRefusedAtOnce(payload, json);
  });

  it.each([
    ["an empty object", "{}"],
    ["an unknown type", '{"type":"not_a_slack_type"}'],
    ["an event callback whose event is null", '{"type":"event_callback","event":null}'],
    ["a click with no actions", '{"type":"block_actions","actions":[],"user":{"id":"U0AGENT"}}'],
    ["a view submission whose view is a string", '{"type":"view_submission","view":"x"}'],
  ])("a body that is not a Slack payload gets 400 at once (%s)", async (_name, body) => {
    await expectRefusedAtOnce(body, json);
    await expectRefusedAtOnce(payloadBody(JSON.parse(body)));
  });

  it("a form body with neither payload nor command gets 400 at once", async () => {
    await expectRefusedAtOnce(formBody({ text: "hello", user_id: USERS.agent }));
  });

  it("Slack's URL check and SSL check are still answered", async () => {
    const challenge = await timed(JSON.stringify({ type: "url_verification", challenge: "c-123" }), json);
    expect(challenge.status).toBe(200);
    expect(JSON.parse(challenge.text)).toEqual({ challenge: "c-123" });
    const ssl = await fetch(h.eventsUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: formBody({ ssl_check: "1", token: "x" }),
    });
    expect(ssl.status).toBe(200);
  });

  it("a well-signed command still works after refused ones", async () => {
    const res = await h.post(commandBody());
    expect(res.status).toBe(200);
    expect(rejections.map(String)).toEqual([]);
  });
});

describe("operational endpoints", () => {
  it("GET /healthz answers while the process lives", async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz says ok/fail per component and no error text", async () => {
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", postgresql: "ok", redis: "ok" });
  });

  it("/metrics is not served on PORT without a token", async () => {
    const res = await fetch(`${h.baseUrl}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("switchboard_");
  });

  it("/metrics is served on METRICS_PORT", async () => {
    expect(h.system.metricsPort).toEqual(expect.any(Number));
    expect(h.system.metricsPort).not.toBe(h.system.port);
    const res = await fetch(`http://127.0.0.1:${h.system.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE switchboard_incidents_logged_total counter");
    expect(text).toContain("process_cpu_seconds_total");
    // The two signed commands above were timed; the forged and malformed requests never
    // reached a handler.
    expect(text).toMatch(/switchboard_slack_handler_seconds_count\{kind="command"\} 2\n/);
    expect(text).not.toMatch(/switchboard_slack_handler_seconds_count\{kind="(?!command)/);
  });
});

describe("operational endpoints with METRICS_TOKEN", () => {
  const token = "metrics-token-0123456789abcdef";
  let t: Harness;
  beforeAll(async () => {
    t = await startHarness({ config: { metrics: { host: "127.0.0.1", port: 0, token } } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("/metrics on PORT needs the bearer token", async () => {
    const metrics = (authorization?: string) =>
      fetch(`${t.baseUrl}/metrics`, authorization ? { headers: { authorization } } : {});
    for (const wrong of [undefined, "Bearer not-the-token", `Basic ${token}`, `Bearer ${token}x`, "Bearer"]) {
      const res = await metrics(wrong);
      expect(res.status, String(wrong)).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(await res.text()).not.toContain("switchboard_");
    }
    const res = await metrics(`Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("# TYPE switchboard_incidents_logged_total counter");
  });

  it("serves no separate metrics port when the token is set", () => {
    expect(t.system.metricsPort).toBeNull();
  });

  it("keeps /healthz and /readyz open", async () => {
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${t.baseUrl}/readyz`)).json()).toEqual({
      status: "ok",
      postgresql: "ok",
      redis: "ok",
    });
  });
});
