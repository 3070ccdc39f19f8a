import type { ModalView } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { errorCode, fakeClient, platformError } from "../../../src/emulator/client";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server";

let fake: FakeSlack;
const client = () => fakeClient(fake);

const modal = (title = "Declare incident", extra: Partial<ModalView> = {}): ModalView => ({
  type: "modal",
  callback_id: "declare",
  title: { type: "plain_text", text: title },
  submit: { type: "plain_text", text: "Declare" },
  private_metadata: "C123",
  blocks: [
    {
      type: "input",
      block_id: "title",
      label: { type: "plain_text", text: "Title" },
      element: { type: "plain_text_input", action_id: "value" },
    },
  ],
  ...extra,
});

const home = (text: string) => ({
  type: "home" as const,
  blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
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

describe("views.open", () => {
  it("opens a modal with a valid trigger and records it", async () => {
    const trigger = fake.issueTrigger({ user: "U0ALICE" });
    const result = await client().views.open({ trigger_id: trigger, view: modal() });
    expect(result.view).toMatchObject({
      type: "modal",
      callback_id: "declare",
      private_metadata: "C123",
      state: { values: {} },
      team_id: "T0TEAM",
    });
    expect(result.view?.id).toMatch(/^V[0-9A-Z]{10}$/);
    expect(result.view?.root_view_id).toBe(result.view?.id);
    expect(fake.views).toEqual([
      expect.objectContaining({ id: result.view?.id, user: "U0ALICE", type: "modal", triggerId: trigger }),
    ]);
    expect(fake.views[0]?.hash).toBe(result.view?.hash);
  });

  it("answers invalid_trigger_id, exchanged_trigger_id (reused) and expired_trigger_id", async () => {
    expect(await errorCode(client().views.open({ trigger_id: "123.456.abc", view: modal() }))).toBe(
      "invalid_trigger_id",
    );
    const once = fake.issueTrigger();
    await client().views.open({ trigger_id: once, view: modal() });
    expect(await errorCode(client().views.open({ trigger_id: once, view: modal() }))).toBe(
      "exchanged_trigger_id",
    );
    const short = fake.issueTrigger({ ttlMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await errorCode(client().views.open({ trigger_id: short, view: modal() }))).toBe(
      "expired_trigger_id",
    );
  });

  it("validates the view: invalid_arguments with messages, home views refused", async () => {
    const trigger = fake.issueTrigger();
    const data = await platformError(
      client().views.open({ trigger_id: trigger, view: modal("x".repeat(25)) }),
    );
    expect(data.error).toBe("invalid_arguments");
    expect(data.response_metadata?.messages).toEqual([
      "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
    ]);
    const homeInModal = client().apiCall("views.open", { trigger_id: trigger, view: home("x") });
    expect(await errorCode(homeInModal)).toBe("invalid_arguments");
    // A rejected view does not use up the trigger.
    await client().views.open({ trigger_id: trigger, view: modal() });
  });

  it("answers view_too_large over 250 kB", async () => {
    const blocks = Array.from({ length: 100 }, (_, i) => ({
      type: "section" as const,
      block_id: `b${i}`,
      text: { type: "mrkdwn" as const, text: "w".repeat(2900) },
    }));
    const view = modal("Big", { blocks, submit: undefined });
    expect(await errorCode(client().views.open({ trigger_id: fake.issueTrigger(), view }))).toBe(
      "view_too_large",
    );
  });

  it("answers duplicate_external_id", async () => {
    await client().views.open({
      trigger_id: fake.issueTrigger(),
      view: modal("A", { external_id: "inc-1" }),
    });
    const again = client().views.open({
      trigger_id: fake.issueTrigger(),
      view: modal("B", { external_id: "inc-1" }),
    });
    expect(await errorCode(again)).toBe("duplicate_external_id");
  });
});

describe("views.push", () => {
  it("stacks up to three views", async () => {
    const root = await client().views.open({ trigger_id: fake.issueTrigger(), view: modal("Root") });
    const second = await client().views.push({ trigger_id: fake.issueTrigger(), view: modal("Second") });
    expect(second.view).toMatchObject({ root_view_id: root.view?.id, previous_view_id: root.view?.id });
    await client().views.push({ trigger_id: fake.issueTrigger(), view: modal("Third") });
    const fourth = client().views.push({ trigger_id: fake.issueTrigger(), view: modal("Fourth") });
    expect(await errorCode(fourth)).toBe("push_limit_reached");
    expect(fake.views).toHaveLength(3);
  });
});

describe("views.update", () => {
  it("updates by view_id or external_id and enforces hash", async () => {
    const opened = await client().views.open({
      trigger_id: fake.issueTrigger(),
      view: modal("Declare", { external_id: "declare-1" }),
    });
    const id = opened.view!.id!;
    const step2 = modal("Step 2", { external_id: "declare-1" });
    const byId = await client().views.update({ view_id: id, hash: opened.view?.hash, view: step2 });
    expect(byId.view).toMatchObject({ id, title: { text: "Step 2" } });
    expect(byId.view?.hash).not.toBe(opened.view?.hash);
    const stale = client().views.update({ view_id: id, hash: opened.view?.hash, view: modal("Step 3") });
    expect(await errorCode(stale)).toBe("hash_conflict");
    await client().views.update({
      external_id: "declare-1",
      view: modal("Done", { external_id: "declare-1" }),
    });
    expect(fake.views[0]?.view.title.text).toBe("Done");
    expect(fake.views).toHaveLength(1);
    expect(await errorCode(client().views.update({ view_id: "V0NOPE", view: modal() }))).toBe("not_found");
  });
});

describe("views.publish", () => {
  it("stores one home tab per user, replacing it on republish", async () => {
    const first = await client().views.publish({ user_id: "U0ALICE", view: home("Your incidents: 0") });
    const second = await client().views.publish({ user_id: "U0ALICE", view: home("Your incidents: 1") });
    await client().views.publish({ user_id: "U0BOB", view: home("Your incidents: 2") });
    expect(second.view?.id).toBe(first.view?.id);
    expect(
      fake.views.filter((v) => v.type === "home").map((v) => [v.user, v.view.blocks[0].text.text]),
    ).toEqual([
      ["U0ALICE", "Your incidents: 1"],
      ["U0BOB", "Your incidents: 2"],
    ]);
    const stale = client().views.publish({ user_id: "U0ALICE", hash: first.view?.hash, view: home("x") });
    expect(await errorCode(stale)).toBe("hash_conflict");
    const wrongType = client().apiCall("views.publish", { user_id: "U0ALICE", view: modal() });
    expect(await errorCode(wrongType)).toBe("invalid_arguments");
  });
});
