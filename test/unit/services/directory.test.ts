import { ErrorCode } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/logger.js";
import { FORMER_MEMBER, lookUpNames, namesForLog, UNSEEN_CHANNEL } from "../../../src/services/directory.js";

const platformError = (error: string) =>
  Object.assign(new Error(`An API error occurred: ${error}`), {
    code: ErrorCode.PlatformError,
    data: { error },
  });

/** A Slack client with users.info and conversations.info only, counting its calls. */
function fakeDirectory() {
  const calls: string[] = [];
  const failures = new Map<string, Error>();
  const users: Record<string, Record<string, unknown>> = {
    U0AGENT: { id: "U0AGENT", name: "dana", real_name: "Dana Scully", profile: { real_name: "Dana Scully" } },
    U0NICK: { id: "U0NICK", name: "nick", profile: { real_name: "", display_name: "Nicky" } },
  };
  const channels: Record<string, Record<string, unknown>> = {
    C0STAKE: { id: "C0STAKE", name: "incident-stakeholders" },
  };
  const slack = {
    users: {
      info: async ({ user }: { user: string }) => {
        calls.push(user);
        const failure = failures.get(user);
        if (failure) throw failure;
        if (!users[user]) throw platformError("user_not_found");
        return { ok: true, user: users[user] };
      },
    },
    conversations: {
      info: async ({ channel }: { channel: string }) => {
        calls.push(channel);
        const failure = failures.get(channel);
        if (failure) throw failure;
        if (!channels[channel]) throw platformError("channel_not_found");
        return { ok: true, channel: channels[channel] };
      },
    },
  };
  let now = Date.parse("2026-12-06T08:00:00Z");
  const deps = {
    slack: slack as never,
    clock: { now: () => new Date(now) },
    logger: createLogger("silent"),
  };
  return { deps, calls, failures, advance: (ms: number) => (now += ms) };
}

describe("lookUpNames", () => {
  it("names people by their real name (else display name) and channels as #name", async () => {
    const { deps } = fakeDirectory();
    const names = await lookUpNames(deps, ["U0AGENT", "U0NICK", "C0STAKE"]);
    expect(names).toEqual(
      new Map([
        ["U0AGENT", "Dana Scully"],
        ["U0NICK", "Nicky"],
        ["C0STAKE", "#incident-stakeholders"],
      ]),
    );
  });

  it("asks Slack once per id, even for lookups running side by side", async () => {
    const { deps, calls } = fakeDirectory();
    await Promise.all([lookUpNames(deps, ["U0AGENT", "C0STAKE"]), lookUpNames(deps, ["U0AGENT"])]);
    await lookUpNames(deps, ["U0AGENT", "C0STAKE", "U0AGENT"]);
    expect(calls.sort()).toEqual(["C0STAKE", "U0AGENT"]);
  });

  it("asks again once a name is an hour old", async () => {
    const { deps, calls, advance } = fakeDirectory();
    await lookUpNames(deps, ["U0AGENT"]);
    advance(59 * 60_000);
    await lookUpNames(deps, ["U0AGENT"]);
    expect(calls).toEqual(["U0AGENT"]);
    advance(2 * 60_000);
    await lookUpNames(deps, ["U0AGENT"]);
    expect(calls).toEqual(["U0AGENT", "U0AGENT"]);
  });

  it("reads a gone user or hidden channel readably, never as its id", async () => {
    const { deps } = fakeDirectory();
    const names = await lookUpNames(deps, ["U0GONE", "C0SECRET"]);
    expect(names.get("U0GONE")).toBe(FORMER_MEMBER);
    expect(names.get("C0SECRET")).toBe(UNSEEN_CHANNEL);
  });

  it("says 'someone' while Slack is rate limiting, and tries again a minute later", async () => {
    const { deps, calls, failures, advance } = fakeDirectory();
    failures.set("U0AGENT", platformError("ratelimited"));
    expect((await lookUpNames(deps, ["U0AGENT"])).get("U0AGENT")).toBe("someone");
    failures.clear();
    expect((await lookUpNames(deps, ["U0AGENT"])).get("U0AGENT")).toBe("someone");
    advance(61_000);
    expect((await lookUpNames(deps, ["U0AGENT"])).get("U0AGENT")).toBe("Dana Scully");
    expect(calls).toEqual(["U0AGENT", "U0AGENT"]);
  });

  it("leaves direct messages and other strings alone", async () => {
    const { deps, calls } = fakeDirectory();
    expect(await lookUpNames(deps, ["D0AGENT", "system", "P1", "CSV"])).toEqual(new Map());
    expect(calls).toEqual([]);
  });
});

describe("namesForLog", () => {
  it("names every id in the log, taking the incident channel's name from the log itself", async () => {
    const { deps, calls } = fakeDirectory();
    const entries = [
      { kind: "channel_created", actor: "system", details: { channel: "C0INC", name: "inc-000001-x" } },
      { kind: "owner_changed", actor: "U0AGENT", details: { from: null, to: "U0NICK" } },
      { kind: "update_posted", actor: "system", details: { channel: "C0STAKE", ts: "1.2" } },
    ];
    expect(await namesForLog(deps, entries)).toEqual(
      new Map([
        ["C0INC", "#inc-000001-x"],
        ["U0AGENT", "Dana Scully"],
        ["U0NICK", "Nicky"],
        ["C0STAKE", "#incident-stakeholders"],
      ]),
    );
    expect(calls).not.toContain("C0INC");
  });
});
