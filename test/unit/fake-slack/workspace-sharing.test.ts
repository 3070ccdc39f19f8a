import type { ModalView } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient } from "../../../src/emulator/client";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server";

/** What the demo uses of the emulator: change notification, snapshot/restore, modal stacks. */

let fake: FakeSlack;
const client = () => fakeClient(fake);

/**
 * A loaded machine has taken over 5 s for the first views.open of a process (schemas compile):
 * triggers last 60 s here, and the tests that open views may take 30 s.
 */
const SLOW = { timeout: 30_000 };

const modal = (title: string): ModalView => ({
  type: "modal",
  callback_id: "form",
  title: { type: "plain_text", text: title },
  submit: { type: "plain_text", text: "Send" },
  blocks: [{ type: "section", text: { type: "mrkdwn", text: title } }],
});

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe("change notification", () => {
  it("bumps the version and calls listeners on writes, not on reads", async () => {
    const channel = fake.addChannel("ops");
    let calls = 0;
    const stop = fake.onChange(() => {
      calls += 1;
    });
    const before = fake.version;
    await client().chat.postMessage({ channel, text: "hi" });
    expect(fake.version).toBe(before + 1);
    expect(calls).toBe(1);
    await client().conversations.history({ channel });
    await client().auth.test();
    expect(fake.version).toBe(before + 1);
    fake.changed();
    expect(calls).toBe(2);
    stop();
    await client().chat.postMessage({ channel, text: "again" });
    expect(calls).toBe(2);
  });

  it("counts an accepted response_url post as a change", async () => {
    const url = fake.responseUrl();
    const before = fake.version;
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "done" }),
    });
    expect(res.status).toBe(200);
    expect(fake.version).toBe(before + 1);
  });
});

describe("snapshot and restore", () => {
  it(
    "round-trips the workspace through JSON and goes on with fresh ids and later timestamps",
    SLOW,
    async () => {
      fake.addUser("U0ALICE", { real_name: "Alice" });
      const channel = fake.addChannel("ops", { members: ["U0ALICE"] });
      const posted = await client().chat.postMessage({ channel, text: "card" });
      await client().pins.add({ channel, timestamp: posted.ts! });
      await client().chat.postMessage({ channel, text: "reply", thread_ts: posted.ts! });
      const dm = await client().conversations.open({ users: "U0ALICE" });
      const opened = await client().views.open({
        trigger_id: fake.issueTrigger({ user: "U0ALICE", ttlMs: 60_000 }),
        view: modal("first"),
      });
      const saved = JSON.parse(JSON.stringify(fake.snapshot()));

      fake.reset();
      expect(fake.channels.has(channel)).toBe(false);
      fake.restore(saved);

      expect(fake.channels.get(channel)).toMatchObject({
        name: "ops",
        members: new Set(["U0BOT", "U0ALICE"]),
      });
      expect(fake.channels.get(channel)?.pins.has(posted.ts!)).toBe(true);
      expect(fake.messagesIn(channel).map((m) => m.text)).toEqual(["card", "reply"]);
      const replies = await client().conversations.replies({ channel, ts: posted.ts! });
      expect(replies.messages?.map((m) => m.text)).toEqual(["card", "reply"]);
      // The same DM, not a second one.
      expect((await client().conversations.open({ users: "U0ALICE" })).channel?.id).toBe(dm.channel?.id);
      expect(fake.modalStack("U0ALICE").map((v) => v.id)).toEqual([opened.view?.id]);
      // Channel names stay taken, and new ids and timestamps come after the saved ones.
      expect(await errorCode(client().conversations.create({ name: "ops" }))).toBe("name_taken");
      const next = fake.addChannel("new-one");
      expect(next > channel).toBe(true);
      const later = await client().chat.postMessage({ channel, text: "later" });
      expect(Number(later.ts) > Number(posted.ts)).toBe(true);
    },
  );
});

describe("modal stacks", () => {
  it(
    "stacks views.open and views.push, and applies a submission's answer as the Slack client does",
    SLOW,
    async () => {
      const user = "U0ALICE";
      fake.addUser(user);
      const first = await client().views.open({
        trigger_id: fake.issueTrigger({ user, ttlMs: 60_000 }),
        view: modal("one"),
      });
      const second = await client().views.push({
        trigger_id: fake.issueTrigger({ user, ttlMs: 60_000 }),
        view: modal("two"),
      });
      const ids = () => fake.modalStack(user).map((v) => v.id);
      expect(ids()).toEqual([first.view?.id, second.view?.id]);
      expect(fake.modalStack("U0BOB")).toEqual([]);

      fake.answerSubmission(user, second.view!.id!, { response_action: "errors", errors: { b: "wrong" } });
      expect(ids()).toEqual([first.view?.id, second.view?.id]);
      fake.answerSubmission(user, second.view!.id!, { response_action: "update", view: modal("two again") });
      expect(ids()).toEqual([first.view?.id, second.view?.id]);
      expect(fake.modalStack(user)[1]?.view.title.text).toBe("two again");
      fake.answerSubmission(user, second.view!.id!, { response_action: "push", view: modal("three") });
      expect(fake.modalStack(user).map((v) => v.view.title.text)).toEqual(["one", "two again", "three"]);
      // A fourth would pass Slack's limit of three.
      expect(() =>
        fake.answerSubmission(user, fake.modalStack(user)[2]!.id, {
          response_action: "push",
          view: modal("4"),
        }),
      ).toThrow(/push_limit_reached/);
      // An invalid view in the answer is refused as views.update would refuse it.
      expect(() =>
        fake.answerSubmission(user, first.view!.id!, { response_action: "update", view: { type: "modal" } }),
      ).toThrow();

      fake.closeModal(user, second.view!.id!);
      expect(ids()).toEqual([first.view?.id]);
      fake.answerSubmission(user, first.view!.id!, {});
      expect(ids()).toEqual([]);

      await client().views.open({ trigger_id: fake.issueTrigger({ user, ttlMs: 60_000 }), view: modal("a") });
      await client().views.push({ trigger_id: fake.issueTrigger({ user, ttlMs: 60_000 }), view: modal("b") });
      fake.answerSubmission(user, fake.modalStack(user)[1]!.id, { response_action: "clear" });
      expect(ids()).toEqual([]);
    },
  );
});
