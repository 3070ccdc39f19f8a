import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient, platformError } from "../../../src/emulator/client";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server";

let fake: FakeSlack;
let channel: string;
const client = () => fakeClient(fake);
const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.addUser("U0ALICE", { name: "alice" });
  channel = fake.addChannel("inc-000123-card-payments");
});

describe("chat.postMessage", () => {
  it("posts to a channel and answers like Slack", async () => {
    const result = await client().chat.postMessage({
      channel,
      text: "Incident declared",
      blocks: [section("*P1*")],
    });
    expect(result).toMatchObject({
      ok: true,
      channel,
      message: { type: "message", user: "U0BOT", bot_id: "B0BOT", text: "Incident declared" },
    });
    expect(result.ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.messages).toEqual([
      { channel, ts: result.ts, user: "U0BOT", text: "Incident declared", blocks: [section("*P1*")] },
    ]);
  });

  it("opens (and reuses) the bot's DM when the channel is a user id", async () => {
    const first = await client().chat.postMessage({ channel: "U0ALICE", text: "You are on call" });
    const second = await client().chat.postMessage({ channel: "U0ALICE", text: "Reminder" });
    expect(first.channel).toMatch(/^D[0-9A-Z]{10}$/);
    expect(second.channel).toBe(first.channel);
    expect(fake.messagesIn(first.channel!).map((m) => m.text)).toEqual(["You are on call", "Reminder"]);
    expect(fake.channels.get(first.channel!)).toMatchObject({ is_im: true, is_private: true });
    const opened = await client().conversations.open({ users: "U0ALICE" });
    expect(opened.channel?.id).toBe(first.channel);
    expect(await errorCode(client().chat.postMessage({ channel: "U0NOBODY", text: "x" }))).toBe(
      "channel_not_found",
    );
  });

  it("accepts #name and plain channel names", async () => {
    const byHash = await client().chat.postMessage({ channel: "#inc-000123-card-payments", text: "a" });
    expect(byHash.channel).toBe(channel);
  });

  it("stores thread replies and metadata", async () => {
    const parent = await client().chat.postMessage({ channel, text: "parent" });
    const metadata = { event_type: "incident_update", event_payload: { incident: "INC-000123", seq: 2 } };
    await client().chat.postMessage({
      channel,
      text: "reply",
      thread_ts: parent.ts,
      metadata,
      unfurl_links: false,
    });
    const reply = fake.messagesIn(channel)[1];
    expect(reply).toMatchObject({ thread_ts: parent.ts, metadata });
    const bad = client().chat.postMessage({
      channel,
      text: "x",
      metadata: { event_type: "x" } as unknown as typeof metadata,
    });
    expect(await errorCode(bad)).toBe("invalid_metadata_format");
  });

  it("rejects invalid blocks with Slack's errors array and response_metadata", async () => {
    const data = await platformError(
      client().chat.postMessage({ channel, text: "x", blocks: [section("y".repeat(3001))] }),
    );
    expect(data.error).toBe("invalid_blocks");
    expect((data as { errors?: unknown }).errors).toEqual([
      "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]);
    expect(data.response_metadata?.messages).toEqual([
      "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]);
    expect(fake.messages).toHaveLength(0);
  });

  it("rejects over-long messages, unparseable blocks and empty messages", async () => {
    const blocks = Array.from({ length: 14 }, () => section("z".repeat(2900)));
    expect(await errorCode(client().chat.postMessage({ channel, text: "t", blocks }))).toBe(
      "msg_blocks_too_long",
    );
    expect(await errorCode(client().apiCall("chat.postMessage", { channel, blocks: "[{not json" }))).toBe(
      "invalid_blocks_format",
    );
    expect(await errorCode(client().chat.postMessage({ channel, text: "" }))).toBe("no_text");
    expect(await errorCode(client().chat.postMessage({ channel, blocks: [] }))).toBe("no_text");
  });

  it("checks the channel: unknown, archived, private without the bot", async () => {
    const archived = fake.addChannel("old", { is_archived: true });
    const secret = fake.addChannel("secret", { is_private: true, botIsMember: false });
    const publicWithoutBot = fake.addChannel("public-no-bot", { botIsMember: false });
    expect(await errorCode(client().chat.postMessage({ channel: "C0MISSING", text: "x" }))).toBe(
      "channel_not_found",
    );
    expect(await errorCode(client().chat.postMessage({ channel: archived, text: "x" }))).toBe("is_archived");
    expect(await errorCode(client().chat.postMessage({ channel: secret, text: "x" }))).toBe(
      "channel_not_found",
    );
    await client().chat.postMessage({ channel: publicWithoutBot, text: "chat:write.public" });
    expect(fake.messagesIn(publicWithoutBot)).toHaveLength(1);
    fake.setChatWritePublic(false);
    const refused = client().chat.postMessage({ channel: publicWithoutBot, text: "x" });
    expect(await errorCode(refused)).toBe("not_in_channel");
    await client().conversations.join({ channel: publicWithoutBot });
    await client().chat.postMessage({ channel: publicWithoutBot, text: "after joining" });
    expect(fake.messagesIn(publicWithoutBot)).toHaveLength(2);
  });
});

describe("chat.postEphemeral", () => {
  it("stores the ephemeral separately and returns message_ts", async () => {
    const result = await client().chat.postEphemeral({ channel, user: "U0ALICE", text: "Only you" });
    expect(result.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.ephemerals).toEqual([
      expect.objectContaining({ channel, user: "U0ALICE", text: "Only you" }),
    ]);
    expect(fake.messages).toHaveLength(0);
  });

  it("checks membership only where members were given", async () => {
    const strict = fake.addChannel("strict", { members: ["U0BOB"] });
    fake.addUser("U0CAROL");
    await client().chat.postEphemeral({ channel: strict, user: "U0BOB", text: "ok" });
    const outsider = client().chat.postEphemeral({ channel: strict, user: "U0CAROL", text: "x" });
    expect(await errorCode(outsider)).toBe("user_not_in_channel");
    await client().chat.postEphemeral({ channel, user: "U0CAROL", text: "lenient channel" });
    expect(fake.ephemerals).toHaveLength(2);
  });
});

describe("chat.update", () => {
  it("replaces content and marks the message edited", async () => {
    const posted = await client().chat.postMessage({
      channel,
      text: "Status: investigating",
      blocks: [section("a")],
    });
    const updated = await client().chat.update({
      channel,
      ts: posted.ts!,
      text: "Status: resolved",
      blocks: [],
    });
    expect(updated).toMatchObject({ ok: true, channel, ts: posted.ts, text: "Status: resolved" });
    expect(fake.messages[0]).toEqual({
      channel,
      ts: posted.ts,
      user: "U0BOT",
      text: "Status: resolved",
      edited: true,
    });
  });

  it("answers message_not_found and cant_update_message", async () => {
    expect(await errorCode(client().chat.update({ channel, ts: "1700000000.000001", text: "x" }))).toBe(
      "message_not_found",
    );
    const human = fake.addMessage({ channel, user: "U0ALICE", text: "mine" });
    expect(await errorCode(client().chat.update({ channel, ts: human.ts, text: "x" }))).toBe(
      "cant_update_message",
    );
  });
});

describe("chat.getPermalink", () => {
  it("builds Slack's permalink format, with thread parameters for replies", async () => {
    const parent = await client().chat.postMessage({ channel, text: "p" });
    const reply = await client().chat.postMessage({ channel, text: "r", thread_ts: parent.ts });
    const link = await client().chat.getPermalink({ channel, message_ts: parent.ts! });
    expect(link.permalink).toBe(`https://fake.slack.com/archives/${channel}/p${parent.ts!.replace(".", "")}`);
    const replyLink = await client().chat.getPermalink({ channel, message_ts: reply.ts! });
    expect(replyLink.permalink).toContain(`?thread_ts=${parent.ts}&cid=${channel}`);
    expect(await errorCode(client().chat.getPermalink({ channel, message_ts: "1.000001" }))).toBe(
      "message_not_found",
    );
  });
});

describe("pins.add", () => {
  it("pins once, then answers already_pinned; checks message and channel", async () => {
    const posted = await client().chat.postMessage({ channel, text: "Summary" });
    await client().pins.add({ channel, timestamp: posted.ts! });
    expect(fake.channels.get(channel)?.pins).toEqual(new Set([posted.ts]));
    expect(await errorCode(client().pins.add({ channel, timestamp: posted.ts! }))).toBe("already_pinned");
    expect(await errorCode(client().pins.add({ channel, timestamp: "1700000000.000001" }))).toBe(
      "message_not_found",
    );
    expect(await errorCode(client().pins.add({ channel: "C0MISSING", timestamp: posted.ts! }))).toBe(
      "channel_not_found",
    );
    expect(await errorCode(client().apiCall("pins.add", { channel }))).toBe("no_item_specified");
  });
});
