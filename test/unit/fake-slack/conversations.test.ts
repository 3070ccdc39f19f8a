import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient } from "../../../src/emulator/client";
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
  for (const id of ["U0ALICE", "U0BOB", "U0CAROL"]) fake.addUser(id);
});

describe("conversations.create", () => {
  it("creates a channel with the bot as its only member", async () => {
    const result = await client().conversations.create({
      name: "inc-000123-card-payments",
      is_private: true,
    });
    const id = result.channel?.id ?? "";
    expect(id).toMatch(/^C[0-9A-Z]{10}$/);
    expect(result.channel).toMatchObject({
      name: "inc-000123-card-payments",
      is_channel: true,
      is_private: true,
      is_archived: false,
      is_member: true,
      creator: "U0BOT",
    });
    expect(fake.channels.get(id)?.members).toEqual(new Set(["U0BOT"]));
  });

  it.each([
    ["", "invalid_name_required"],
    ["a".repeat(81), "invalid_name_maxlength"],
    ["Card-Payments", "invalid_name_specials"],
    ["card payments", "invalid_name_specials"],
    ["inc#1", "invalid_name_specials"],
    ["---", "invalid_name_punctuation"],
    ["_", "invalid_name_punctuation"],
  ])("rejects %j with %s", async (name, error) => {
    expect(await errorCode(client().conversations.create({ name }))).toBe(error);
  });

  it("accepts 80 characters and answers name_taken for existing (also archived) names", async () => {
    await client().conversations.create({ name: "a".repeat(80) });
    fake.addChannel("old-incident", { is_archived: true });
    expect(await errorCode(client().conversations.create({ name: "a".repeat(80) }))).toBe("name_taken");
    expect(await errorCode(client().conversations.create({ name: "old-incident" }))).toBe("name_taken");
  });
});

describe("conversations.invite", () => {
  it("adds users; already_in_channel only when the single invitee is in", async () => {
    const id = (await client().conversations.create({ name: "inc-1" })).channel!.id!;
    await client().conversations.invite({ channel: id, users: "U0ALICE,U0BOB" });
    expect(fake.channels.get(id)?.members).toEqual(new Set(["U0BOT", "U0ALICE", "U0BOB"]));
    expect(await errorCode(client().conversations.invite({ channel: id, users: "U0ALICE" }))).toBe(
      "already_in_channel",
    );
    await client().conversations.invite({ channel: id, users: "U0ALICE,U0CAROL" });
    expect(fake.channels.get(id)?.members.has("U0CAROL")).toBe(true);
  });

  it("answers user_not_found, cant_invite_self, channel_not_found, not_in_channel, is_archived", async () => {
    const id = fake.addChannel("inc-2");
    const withoutBot = fake.addChannel("inc-3", { botIsMember: false });
    const archived = fake.addChannel("inc-4", { is_archived: true });
    const invite = (channel: string, users: string) =>
      errorCode(client().conversations.invite({ channel, users }));
    expect(await invite(id, "U0ALICE,U0GHOST")).toBe("user_not_found");
    expect(await invite(id, "U0BOT")).toBe("cant_invite_self");
    expect(await invite("C0MISSING", "U0ALICE")).toBe("channel_not_found");
    expect(await invite(withoutBot, "U0ALICE")).toBe("not_in_channel");
    expect(await invite(archived, "U0ALICE")).toBe("is_archived");
    expect(fake.channels.get(id)?.members.has("U0ALICE")).toBe(false);
  });
});

describe("conversations.info / join / setTopic / setPurpose / members", () => {
  it("describes a channel", async () => {
    const id = fake.addChannel("ops", { members: ["U0ALICE"] });
    const info = await client().conversations.info({ channel: id, include_num_members: true });
    expect(info.channel).toMatchObject({
      id,
      name: "ops",
      is_private: false,
      is_member: true,
      num_members: 2,
    });
    expect(await errorCode(client().conversations.info({ channel: "C0MISSING" }))).toBe("channel_not_found");
  });

  it("joins public channels only, warning when already in", async () => {
    const open = fake.addChannel("open", { botIsMember: false });
    const secret = fake.addChannel("secret", { is_private: true, botIsMember: false });
    const joined = await client().conversations.join({ channel: open });
    expect(joined.warning).toBeUndefined();
    expect(fake.channels.get(open)?.members.has("U0BOT")).toBe(true);
    expect((await client().conversations.join({ channel: open })).warning).toBe("already_in_channel");
    expect(await errorCode(client().conversations.join({ channel: secret }))).toBe(
      "method_not_supported_for_channel_type",
    );
  });

  it("sets topic and purpose, within 250 characters, as a member", async () => {
    const id = fake.addChannel("ops");
    const result = await client().conversations.setTopic({
      channel: id,
      topic: "P1 | Card payments failing",
    });
    expect(result.channel).toMatchObject({ topic: { value: "P1 | Card payments failing" } });
    await client().conversations.setPurpose({ channel: id, purpose: "Incident INC-000123" });
    expect(fake.channels.get(id)).toMatchObject({
      topic: "P1 | Card payments failing",
      purpose: "Incident INC-000123",
    });
    expect(await errorCode(client().conversations.setTopic({ channel: id, topic: "t".repeat(251) }))).toBe(
      "too_long",
    );
    const withoutBot = fake.addChannel("elsewhere", { botIsMember: false });
    expect(await errorCode(client().conversations.setTopic({ channel: withoutBot, topic: "x" }))).toBe(
      "not_in_channel",
    );
  });

  it("pages through members with cursors", async () => {
    const id = fake.addChannel("big", { members: ["U0ALICE", "U0BOB", "U0CAROL"] });
    const seen: string[] = [];
    for await (const page of client().paginate("conversations.members", { channel: id, limit: 2 })) {
      seen.push(...((page as { members?: string[] }).members ?? []));
    }
    expect(seen.sort()).toEqual(["U0ALICE", "U0BOB", "U0BOT", "U0CAROL"]);
    expect(await errorCode(client().conversations.members({ channel: id, cursor: "garbage" }))).toBe(
      "invalid_cursor",
    );
  });
});

describe("conversations.open", () => {
  it("opens a DM, reports already_open, and opens group DMs", async () => {
    const first = await client().conversations.open({ users: "U0ALICE" });
    expect(first.channel?.id).toMatch(/^D/);
    expect(first.already_open).toBeUndefined();
    const again = await client().conversations.open({ users: "U0ALICE", return_im: true });
    expect(again).toMatchObject({
      already_open: true,
      channel: { id: first.channel?.id, is_im: true, user: "U0ALICE" },
    });
    const group = await client().conversations.open({ users: "U0ALICE,U0BOB" });
    expect(group.channel?.id).toMatch(/^G/);
    expect(fake.channels.get(group.channel!.id!)?.members).toEqual(new Set(["U0BOT", "U0ALICE", "U0BOB"]));
  });

  it("answers users_list_not_supplied, user_not_found and user_disabled", async () => {
    fake.addUser("U0GONE", { deleted: true });
    expect(await errorCode(client().apiCall("conversations.open", {}))).toBe("users_list_not_supplied");
    expect(await errorCode(client().conversations.open({ users: "U0GHOST" }))).toBe("user_not_found");
    expect(await errorCode(client().conversations.open({ users: "U0GONE" }))).toBe("user_disabled");
  });
});

describe("conversations.history", () => {
  async function postMany(channel: string, count: number): Promise<string[]> {
    const stamps: string[] = [];
    for (let i = 0; i < count; i++)
      stamps.push((await client().chat.postMessage({ channel, text: `m${i}` })).ts!);
    return stamps;
  }

  it("returns newest first with limit, has_more and cursor", async () => {
    const id = fake.addChannel("ops");
    const stamps = await postMany(id, 5);
    const first = await client().conversations.history({ channel: id, limit: 2 });
    expect(first.messages?.map((m) => m.text)).toEqual(["m4", "m3"]);
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor ?? "";
    const second = await client().conversations.history({ channel: id, limit: 3, cursor });
    expect(second.messages?.map((m) => m.ts)).toEqual([stamps[2], stamps[1], stamps[0]]);
    expect(second.has_more).toBe(false);
  });

  it("filters by oldest/latest, exclusive unless inclusive", async () => {
    const id = fake.addChannel("ops");
    const stamps = await postMany(id, 4);
    const exclusive = await client().conversations.history({
      channel: id,
      oldest: stamps[0],
      latest: stamps[3],
    });
    expect(exclusive.messages?.map((m) => m.text)).toEqual(["m2", "m1"]);
    const inclusive = await client().conversations.history({
      channel: id,
      oldest: stamps[1],
      latest: stamps[2],
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(["m2", "m1"]);
    expect(await errorCode(client().conversations.history({ channel: id, oldest: "yesterday" }))).toBe(
      "invalid_ts_oldest",
    );
  });

  it("shows thread parents (not replies) and metadata only when asked", async () => {
    const id = fake.addChannel("ops");
    const metadata = { event_type: "incident_post", event_payload: { key: "INC-000123:declared" } };
    const parent = await client().chat.postMessage({ channel: id, text: "parent", metadata });
    await client().chat.postMessage({ channel: id, text: "reply", thread_ts: parent.ts });
    const plain = await client().conversations.history({ channel: id });
    expect(plain.messages).toHaveLength(1);
    expect(plain.messages?.[0]).toMatchObject({ text: "parent", reply_count: 1, thread_ts: parent.ts });
    expect(plain.messages?.[0]).not.toHaveProperty("metadata");
    const withMetadata = await client().conversations.history({ channel: id, include_all_metadata: true });
    expect(withMetadata.messages?.[0]?.metadata).toEqual(metadata);
  });

  it("needs the bot in the channel", async () => {
    const id = fake.addChannel("elsewhere", { botIsMember: false });
    expect(await errorCode(client().conversations.history({ channel: id }))).toBe("not_in_channel");
  });
});
