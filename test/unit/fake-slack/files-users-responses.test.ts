import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient } from "../../../src/emulator/client";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server";

let fake: FakeSlack;
let channel: string;
const client = () => fakeClient(fake);

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  channel = fake.addChannel("inc-000123");
});

describe("users.info", () => {
  it("returns the user with time zone details", async () => {
    fake.addUser("U0ALICE", { name: "alice", real_name: "Alice Example", tz: "Asia/Kolkata" });
    const result = await client().users.info({ user: "U0ALICE" });
    expect(result.user).toMatchObject({
      id: "U0ALICE",
      name: "alice",
      real_name: "Alice Example",
      deleted: false,
      is_bot: false,
      tz: "Asia/Kolkata",
      tz_offset: 19800,
      tz_label: "India Standard Time",
      profile: { real_name: "Alice Example", display_name: "alice" },
    });
  });

  it("returns deleted users flagged, and user_not_found for unknown ids", async () => {
    fake.addUser("U0GONE", { deleted: true });
    expect((await client().users.info({ user: "U0GONE" })).user?.deleted).toBe(true);
    expect(await errorCode(client().users.info({ user: "U0NOBODY" }))).toBe("user_not_found");
    expect(() => fake.addUser("alice")).toThrow(/Slack user id/);
  });
});

describe("file uploads", () => {
  it("supports WebClient.filesUploadV2 end to end", async () => {
    const parent = await client().chat.postMessage({ channel, text: "timeline" });
    const result = await client().filesUploadV2({
      channel_id: channel,
      thread_ts: parent.ts!,
      content: "10:02 paged on-call\n10:05 acknowledged\n",
      filename: "timeline.txt",
      title: "Timeline",
      initial_comment: "Incident timeline attached",
    });
    expect(result.ok).toBe(true);
    expect(fake.files).toEqual([
      expect.objectContaining({
        filename: "timeline.txt",
        title: "Timeline",
        channel,
        initial_comment: "Incident timeline attached",
      }),
    ]);
    expect(fake.files[0]?.content.toString("utf8")).toBe("10:02 paged on-call\n10:05 acknowledged\n");
    const shared = fake.messagesIn(channel)[1];
    expect(shared).toMatchObject({ text: "Incident timeline attached", thread_ts: parent.ts, user: "U0BOT" });
    expect(shared?.files).toEqual([{ id: fake.files[0]?.id, name: "timeline.txt", title: "Timeline" }]);
  });

  it("accepts a raw upload body and refuses to complete unknown or un-uploaded files", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251]);
    const { upload_url, file_id } = await client().files.getUploadURLExternal({
      filename: "dump.bin",
      length: bytes.length,
    });
    expect(upload_url).toBe(`${fake.baseUrl}/upload/${file_id}`);
    const pending = client().files.completeUploadExternal({ files: [{ id: file_id! }], channel_id: channel });
    expect(await errorCode(pending)).toBe("file_not_found");
    const put = await fetch(upload_url!, { method: "POST", body: bytes });
    expect(put.status).toBe(200);
    await client().files.completeUploadExternal({ files: [{ id: file_id!, title: "Dump" }] });
    expect(fake.files).toEqual([{ id: file_id, filename: "dump.bin", title: "Dump", content: bytes }]);
    expect(fake.messages).toHaveLength(0);
    const unknown = client().files.completeUploadExternal({ files: [{ id: "F0NOPE" }], channel_id: channel });
    expect(await errorCode(unknown)).toBe("file_not_found");
  });
});

describe("response_url", () => {
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  it("records posted bodies and allows five uses", async () => {
    const url = fake.responseUrl();
    expect(url).toMatch(new RegExp(`^${fake.baseUrl}/response/`));
    for (let i = 0; i < 5; i++)
      expect((await post(url, { text: `update ${i}`, replace_original: true })).status).toBe(200);
    const sixth = await post(url, { text: "one too many" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: "used_url" });
    expect(fake.responses.map((r) => r.body.text)).toEqual([0, 1, 2, 3, 4].map((i) => `update ${i}`));
    expect(fake.responses[0]).toMatchObject({ url, body: { replace_original: true } });
  });

  it("expires, and rejects invalid blocks with HTTP 400", async () => {
    const shortLived = fake.responseUrl({ ttlMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await post(shortLived, { text: "late" })).status).toBe(404);
    const url = fake.responseUrl();
    const bad = await post(url, { text: "x", blocks: [{ type: "section" }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: "invalid_blocks" });
    expect(fake.responses).toHaveLength(0);
  });
});
