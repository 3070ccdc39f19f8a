import { ErrorCode, type WebAPIHTTPError, type WebAPIRateLimitedError } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient, platformError } from "../../../src/emulator/client";
import { isKnownMethod, missingArgumentError } from "../../../src/emulator/method-docs";
import { HANDLERS } from "../../../src/emulator/methods";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server";

let fake: FakeSlack;
let channel: string;

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  channel = fake.addChannel("incidents");
});

async function rejection(call: Promise<unknown>): Promise<{ code?: string } & Record<string, unknown>> {
  try {
    await call;
  } catch (error) {
    return error as { code?: string } & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

describe("identity and authentication", () => {
  it("auth.test identifies the bot", async () => {
    const result = await fakeClient(fake).auth.test();
    expect(result).toMatchObject({
      ok: true,
      user_id: "U0BOT",
      team_id: "T0TEAM",
      bot_id: "B0BOT",
      is_enterprise_install: false,
    });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    expect(fake.url).toBe(`${fake.baseUrl}/api/`);
  });

  it("answers not_authed without a token and invalid_auth for a non-bot token", async () => {
    expect(await errorCode(fakeClient(fake, { token: null }).auth.test())).toBe("not_authed");
    expect(await errorCode(fakeClient(fake, { token: "xoxp-user-token" }).auth.test())).toBe("invalid_auth");
    expect(fake.calls.map((c) => [c.ok, c.error])).toEqual([
      [false, "not_authed"],
      [false, "invalid_auth"],
    ]);
  });

  it("accepts the token as a form field and JSON bodies with a Bearer header", async () => {
    const form = await fetch(`${fake.url}chat.postMessage`, {
      method: "POST",
      body: new URLSearchParams({ token: fake.botToken, channel, text: "form" }),
    });
    expect(await form.json()).toMatchObject({ ok: true, channel });
    const json = await fetch(`${fake.url}chat.postMessage`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        Authorization: `Bearer ${fake.botToken}`,
      },
      body: JSON.stringify({ channel, text: "json", blocks: [{ type: "divider" }] }),
    });
    expect(await json.json()).toMatchObject({ ok: true });
    expect(fake.messagesIn(channel).map((m) => m.text)).toEqual(["form", "json"]);
    expect(fake.calls[0]?.args).not.toHaveProperty("token");
  });
});

describe("method routing", () => {
  it("answers unknown_method (HTTP 200) for a method Slack does not have", async () => {
    const data = await platformError(fakeClient(fake).apiCall("chat.shout", { channel }));
    expect(data.error).toBe("unknown_method");
  });

  it("answers HTTP 501 for a real method the fake does not implement", async () => {
    const error = (await rejection(fakeClient(fake).apiCall("reactions.add", { channel }))) as {
      code?: string;
    } & Partial<WebAPIHTTPError>;
    expect(error.code).toBe(ErrorCode.HTTPError);
    expect(error.statusCode).toBe(501);
    expect(String(error.body)).toContain("reactions.add");
    expect(fake.callsTo("reactions.add")[0]).toMatchObject({ status: 501, ok: false });
  });

  it("implements only methods that Slack documents", () => {
    const implemented = Object.keys(HANDLERS);
    expect(implemented.length).toBeGreaterThanOrEqual(22);
    expect(implemented.filter((m) => !isKnownMethod(m))).toEqual([]);
  });

  it("answers invalid_form_data for a body it cannot parse, and records it", async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${fake.botToken}` },
      body: "{not json",
    });
    expect(await response.json()).toEqual({ ok: false, error: "invalid_form_data" });
    expect(fake.calls[0]).toMatchObject({
      method: "chat.postMessage",
      ok: false,
      error: "invalid_form_data",
    });
  });

  it("reports a missing required argument", async () => {
    const data = await platformError(fakeClient(fake).apiCall("chat.postMessage", { text: "where?" }));
    expect(data.error).toBe("missing_argument");
    expect(data.response_metadata?.messages).toEqual(["[ERROR] missing required field: channel"]);
    expect(missingArgumentError("admin.analytics.getFile")).toBe("invalid_arguments");
  });

  it("records every call with parsed arguments, status and outcome", async () => {
    const client = fakeClient(fake);
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*hi*" } }];
    await client.chat.postMessage({ channel, text: "hi", blocks });
    await platformError(client.chat.postMessage({ channel: "C404", text: "nope" }));
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[0]).toMatchObject({ method: "chat.postMessage", ok: true, status: 200 });
    expect(fake.calls[0]?.args).toEqual({ channel, text: "hi", blocks });
    expect(fake.calls[1]).toMatchObject({ ok: false, error: "channel_not_found", status: 200 });
    expect(fake.callsTo("chat.postMessage")).toHaveLength(2);
    expect(fake.calls[0]!.at).toBeLessThanOrEqual(fake.calls[1]!.at);
  });
});

describe("failNext", () => {
  it("fails the next call with a platform error, then behaves normally", async () => {
    const client = fakeClient(fake);
    fake.failNext("chat.postMessage", { error: "is_archived" });
    expect(await errorCode(client.chat.postMessage({ channel, text: "a" }))).toBe("is_archived");
    await client.chat.postMessage({ channel, text: "b" });
    expect(fake.messagesIn(channel).map((m) => m.text)).toEqual(["b"]);
  });

  it("honours times and a channel filter", async () => {
    const other = fake.addChannel("other");
    const client = fakeClient(fake);
    fake.failNext("chat.postMessage", { error: "internal_error", times: 2, channel: other });
    await client.chat.postMessage({ channel, text: "unaffected" });
    expect(await errorCode(client.chat.postMessage({ channel: other, text: "1" }))).toBe("internal_error");
    expect(await errorCode(client.chat.postMessage({ channel: other, text: "2" }))).toBe("internal_error");
    await client.chat.postMessage({ channel: other, text: "3" });
    expect(fake.messagesIn(other).map((m) => m.text)).toEqual(["3"]);
  });

  it("refuses errors the method cannot return, and unknown methods", () => {
    expect(() => fake.failNext("chat.postMessage", { error: "hash_conflict" })).toThrow(/cannot return/);
    expect(() => fake.failNext("chat.shout", { error: "internal_error" })).toThrow(/no such Slack method/);
  });

  it("answers 429 with Retry-After", async () => {
    fake.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    const client = fakeClient(fake, { rejectRateLimitedCalls: true });
    const error = (await rejection(
      client.chat.postMessage({ channel, text: "x" }),
    )) as Partial<WebAPIRateLimitedError>;
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(7);
    expect(fake.calls[0]).toMatchObject({ status: 429, ok: false, error: "ratelimited" });
    expect(fake.messages).toHaveLength(0);
  });

  it("answers HTTP 5xx without applying the effect", async () => {
    fake.failNext("chat.postMessage", { status: 503 });
    const error = (await rejection(fakeClient(fake).chat.postMessage({ channel, text: "x" }))) as {
      code?: string;
    } & Partial<WebAPIHTTPError>;
    expect(error.code).toBe(ErrorCode.HTTPError);
    expect(error.statusCode).toBe(503);
    expect(fake.messages).toHaveLength(0);
  });

  it("afterEffect stores the message but answers 500", async () => {
    fake.failNext("chat.postMessage", { afterEffect: true });
    const error = (await rejection(fakeClient(fake).chat.postMessage({ channel, text: "lost reply" }))) as {
      code?: string;
    } & Partial<WebAPIHTTPError>;
    expect(error.statusCode).toBe(500);
    expect(fake.messagesIn(channel).map((m) => m.text)).toEqual(["lost reply"]);
    expect(fake.calls[0]).toMatchObject({ status: 500, ok: false });
  });

  it("delayMs alone delays the answer after the effect: a client timeout still posts", async () => {
    fake.failNext("chat.postMessage", { delayMs: 400 });
    const client = fakeClient(fake, { timeout: 100 });
    const error = await rejection(client.chat.postMessage({ channel, text: "slow" }));
    expect(error.code).toBe(ErrorCode.RequestError);
    expect(fake.messagesIn(channel).map((m) => m.text)).toEqual(["slow"]);
  });

  it("delayMs with a status waits, then fails without effect", async () => {
    fake.failNext("chat.postMessage", { delayMs: 150, status: 502 });
    const started = Date.now();
    const error = (await rejection(fakeClient(fake).chat.postMessage({ channel, text: "x" }))) as {
      statusCode?: number;
    };
    expect(error.statusCode).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(fake.messages).toHaveLength(0);
  });
});

describe("setChannelRateLimit", () => {
  it("limits chat.postMessage per channel with a token bucket", async () => {
    const other = fake.addChannel("other");
    const client = fakeClient(fake, { rejectRateLimitedCalls: true });
    fake.setChannelRateLimit({ perSecond: 0.5, burst: 2 });
    await client.chat.postMessage({ channel, text: "1" });
    await client.chat.postMessage({ channel, text: "2" });
    const error = (await rejection(
      client.chat.postMessage({ channel, text: "3" }),
    )) as Partial<WebAPIRateLimitedError>;
    expect(error.retryAfter).toBe(2);
    await client.chat.postMessage({ channel: other, text: "other channel has its own bucket" });
    fake.setChannelRateLimit(null);
    await client.chat.postMessage({ channel, text: "4" });
    expect(fake.messagesIn(channel).map((m) => m.text)).toEqual(["1", "2", "4"]);
  });

  it("refills over time", async () => {
    const client = fakeClient(fake, { rejectRateLimitedCalls: true });
    fake.setChannelRateLimit({ perSecond: 20, burst: 1 });
    await client.chat.postMessage({ channel, text: "1" });
    const error = (await rejection(
      client.chat.postMessage({ channel, text: "2" }),
    )) as Partial<WebAPIRateLimitedError>;
    expect(error.retryAfter).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await client.chat.postMessage({ channel, text: "3" });
    expect(fake.messagesIn(channel)).toHaveLength(2);
  });
});

describe("helpers", () => {
  it("waitFor resolves with the predicate's value", async () => {
    setTimeout(() => void fakeClient(fake).chat.postMessage({ channel, text: "later" }), 30);
    const message = await fake.waitFor(() => fake.messagesIn(channel)[0]);
    expect(message.text).toBe("later");
  });

  it("waitFor rejects with the recent calls on timeout", async () => {
    await platformError(fakeClient(fake).chat.postMessage({ channel: "C404", text: "x" }));
    const waiting = fake.waitFor(() => fake.messages.length > 0, { timeoutMs: 60, intervalMs: 10 });
    await expect(waiting).rejects.toThrow(
      /timed out after 60 ms[\s\S]*chat\.postMessage → 200 channel_not_found/,
    );
  });

  it("reset clears state, keeps the bot user and never reuses ids", async () => {
    const client = fakeClient(fake);
    fake.addUser("U0ALICE");
    await client.chat.postMessage({ channel, text: "before" });
    fake.reset();
    expect([fake.calls, fake.messages, fake.views, fake.files, fake.responses]).toEqual([[], [], [], [], []]);
    expect(fake.channels.size).toBe(0);
    expect([...fake.users.keys()]).toEqual(["U0BOT"]);
    expect(fake.addChannel("incidents")).not.toBe(channel);
  });

  it("issues unique, strictly increasing message timestamps", async () => {
    const client = fakeClient(fake);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.chat.postMessage({ channel, text: `m${i}` })),
    );
    const stamps = results.map((r) => r.ts ?? "");
    for (const ts of stamps) expect(ts).toMatch(/^\d{10}\.\d{6}$/);
    const sorted = [...stamps].sort();
    expect(new Set(stamps).size).toBe(30);
    expect(fake.messagesIn(channel).map((m) => m.ts)).toEqual(sorted);
  });
});
