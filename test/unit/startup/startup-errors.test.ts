import { createServer } from "node:net";
import { LogLevel, WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { describeEndpoint, explainStartupError, StartupError } from "../../../src/startup-errors.js";

/** What @slack/web-api throws when fetch fails: a request error wrapping fetch's TypeError. */
function slackRequestError(cause: Error): Error {
  const original = Object.assign(new TypeError("fetch failed"), { cause });
  return Object.assign(new Error("A request error occurred: fetch failed"), {
    code: "slack_webapi_request_error",
    original,
  });
}

describe("describeEndpoint", () => {
  it("writes an HTTP(S) endpoint as a URL, the port implied by the scheme", () => {
    expect(describeEndpoint("https://slack.com/api/")).toBe("https://slack.com/api/");
    expect(describeEndpoint("http://127.0.0.1:4010/api/")).toBe("http://127.0.0.1:4010/api/");
  });

  it("fills in the driver's default port for PostgreSQL and Redis", () => {
    expect(describeEndpoint("postgres://postgres@localhost/switchboard")).toBe("localhost:5432");
    expect(describeEndpoint("postgresql://db.internal:6543/switchboard")).toBe("db.internal:6543");
    expect(describeEndpoint("redis://localhost")).toBe("localhost:6379");
    expect(describeEndpoint("tcp://127.0.0.1:9464")).toBe("127.0.0.1:9464");
  });

  it("never repeats credentials or query strings", () => {
    const where = [
      describeEndpoint("postgres://app:s3cret@db.internal:5432/switchboard?sslmode=require"),
      describeEndpoint("rediss://:s3cret@cache.internal:6380"),
      describeEndpoint("https://user:s3cret@slack.example/api/?token=s3cret"),
    ];
    expect(where).toEqual(["db.internal:5432", "cache.internal:6380", "https://slack.example/api/"]);
  });

  it("says so when the URL cannot be read", () => {
    expect(describeEndpoint("not a url")).toBe("(unparsable URL)");
  });
});

describe("explainStartupError", () => {
  it("names the Slack API by its URL and gives fetch's own reason", () => {
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND slack.com"), { code: "ENOTFOUND" });
    const err = new StartupError("Slack", describeEndpoint("https://slack.com/api/"), slackRequestError(dns));
    expect(explainStartupError(err)).toBe(
      "switchboard: cannot reach the Slack API at https://slack.com/api/ (getaddrinfo ENOTFOUND slack.com): check the network or SLACK_API_URL.",
    );
  });

  it("reads the reason out of what the real Slack client throws", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const url = `http://127.0.0.1:${port}/api/`;
    const client = new WebClient("xoxb-...", {
      slackApiUrl: url,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    const cause = await client.auth.test().then(
      () => null,
      (e: unknown) => e,
    );
    expect(explainStartupError(new StartupError("Slack", describeEndpoint(url), cause))).toBe(
      `switchboard: cannot reach the Slack API at ${url} (connect ECONNREFUSED 127.0.0.1:${port}): check the network or SLACK_API_URL.`,
    );
  });

  it("says which setting to fix when Slack refuses the bot token", () => {
    const refused = Object.assign(new Error("An API error occurred: invalid_auth"), {
      code: "slack_webapi_platform_error",
      data: { ok: false, error: "invalid_auth" },
    });
    const line = explainStartupError(new StartupError("Slack", "https://slack.com/api/", refused));
    expect(line).toBe(
      "switchboard: Slack refused the bot token (invalid_auth): set SLACK_BOT_TOKEN to your app's Bot User OAuth Token (OAuth & Permissions).",
    );
  });

  it("keeps the PostgreSQL and Redis lines: host, port, the driver's code and what to do", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(
      explainStartupError(
        new StartupError("PostgreSQL", describeEndpoint("postgres://localhost/x"), refused),
      ),
    ).toBe(
      "switchboard: cannot reach PostgreSQL at localhost:5432 (ECONNREFUSED): start it (docker compose up -d postgres redis) or fix DATABASE_URL.",
    );
    expect(
      explainStartupError(new StartupError("Redis", describeEndpoint("redis://localhost"), refused)),
    ).toContain("cannot reach Redis at localhost:6379 (ECONNREFUSED)");
  });
});
