import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient, platformError } from "../../../src/emulator/client";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server";

let fake: FakeSlack;
const client = () => fakeClient(fake);

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  for (const id of ["U0ALICE", "U0BOB"]) fake.addUser(id);
});

/** Slack's answer to a call without its scope: which scope it needed, which the token has. */
const denial = async (call: Promise<unknown>) =>
  (await platformError(call)) as { error: string; needed?: string; provided?: string };

const PUBLIC_ONLY = [
  "channels:history",
  "channels:manage",
  "channels:read",
  "chat:write",
  "im:history",
  "im:write",
  "pins:write",
];
const WITH_GROUPS = [...PUBLIC_ONLY, "groups:history", "groups:read", "groups:write"];

describe("a private channel", () => {
  it("is private, seen by its members only, and listed only as a private channel", async () => {
    const id = (await client().conversations.create({ name: "inc-000001-quiet", is_private: true })).channel!
      .id!;
    expect(fake.channels.get(id)).toMatchObject({ is_private: true, creator: "U0BOT" });
    await client().conversations.invite({ channel: id, users: "U0ALICE" });
    expect(fake.visibleTo(id, "U0ALICE")).toBe(true);
    expect(fake.visibleTo(id, "U0BOB")).toBe(false);
    const open = fake.addChannel("open");
    expect(fake.visibleTo(open, "U0BOB")).toBe(true);

    const listed = async (types: string) =>
      (await client().conversations.list({ types })).channels?.map((c) => c.id);
    expect(await listed("public_channel")).not.toContain(id);
    expect(await listed("private_channel")).toEqual([id]);
    const info = await client().conversations.info({ channel: id });
    expect(info.channel).toMatchObject({ is_private: true, is_member: true });
  });

  it("does not exist for a bot that is not in it: channel_not_found, and it cannot be joined", async () => {
    const id = fake.addChannel("hidden", { is_private: true, botIsMember: false, members: ["U0ALICE"] });
    expect(await errorCode(client().conversations.history({ channel: id }))).toBe("channel_not_found");
    expect(await errorCode(client().chat.postMessage({ channel: id, text: "hi" }))).toBe("channel_not_found");
    expect(await errorCode(client().conversations.info({ channel: id }))).toBe("channel_not_found");
    expect(await errorCode(client().conversations.invite({ channel: id, users: "U0BOB" }))).toBe(
      "channel_not_found",
    );
    expect(await errorCode(client().conversations.join({ channel: id }))).toBe(
      "method_not_supported_for_channel_type",
    );
    expect(await errorCode(client().pins.add({ channel: id, timestamp: "1.000001" }))).toBe(
      "channel_not_found",
    );
    expect(fake.messagesIn(id)).toEqual([]);
  });
});

describe("bot token scopes", () => {
  it("checks none until set, so other tests run as if every scope were granted", async () => {
    await client().conversations.create({ name: "anything", is_private: true });
    expect(fake.callsTo("conversations.create").at(-1)?.ok).toBe(true);
  });

  it("asks the groups:* scope of calls on private channels, the channels:* one on public", async () => {
    fake.setScopes(PUBLIC_ONLY);
    const denied = await denial(client().conversations.create({ name: "secret", is_private: true }));
    expect(denied).toMatchObject({ error: "missing_scope", needed: "groups:write" });
    expect(String(denied.provided).split(",")).toEqual(PUBLIC_ONLY);
    expect(fake.channels.size).toBe(0);
    const open = (await client().conversations.create({ name: "open" })).channel!.id!;
    await client().chat.postMessage({ channel: open, text: "hi" });

    const hidden = fake.addChannel("hidden", { is_private: true });
    await client().chat.postMessage({ channel: hidden, text: "chat:write is not per type" });
    const history = await denial(client().conversations.history({ channel: hidden }));
    expect(history).toMatchObject({ error: "missing_scope", needed: "groups:history" });
    expect((await denial(client().conversations.list({ types: "private_channel" }))).needed).toBe(
      "groups:read",
    );

    fake.setScopes(WITH_GROUPS);
    const id = (await client().conversations.create({ name: "secret", is_private: true })).channel!.id!;
    await client().conversations.invite({ channel: id, users: "U0ALICE" });
    const { ts } = await client().chat.postMessage({ channel: id, text: "card" });
    await client().pins.add({ channel: id, timestamp: ts! });
    expect((await client().conversations.history({ channel: id })).messages).toHaveLength(1);
  });

  it("grants chat:write.public only when listed, and a reset grants every scope again", async () => {
    const outside = fake.addChannel("outside", { botIsMember: false });
    fake.setScopes(PUBLIC_ONLY);
    expect(await errorCode(client().chat.postMessage({ channel: outside, text: "x" }))).toBe(
      "not_in_channel",
    );
    fake.setScopes([...PUBLIC_ONLY, "chat:write.public"]);
    await client().chat.postMessage({ channel: outside, text: "x" });
    fake.setScopes(["channels:read"]);
    expect((await denial(client().chat.postMessage({ channel: outside, text: "x" }))).needed).toBe(
      "chat:write",
    );
    fake.reset();
    expect((await client().conversations.create({ name: "again", is_private: true })).ok).toBe(true);
  });
});
