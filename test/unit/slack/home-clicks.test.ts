import type { RespondFn } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeClient } from "../../../src/emulator/client.js";
import { type FakeSlack, startFakeSlack } from "../../../src/emulator/server.js";
import { createLogger } from "../../../src/lib/logger.js";
import { homeRespond, withHomeRespond } from "../../../src/slack/home-clicks.js";

const USER = "U0AGENT";
const logger = createLogger("silent");
let fake: FakeSlack;

beforeAll(async () => {
  fake = await startFakeSlack();
});
beforeEach(() => {
  fake.reset();
  fake.addUser(USER, { name: "agent" });
});
afterAll(async () => {
  await fake?.close();
});

/** The `respond` a listener gets for a click with this body. */
function respondFor(body: Record<string, unknown>, respond?: RespondFn): RespondFn | undefined {
  const args = { body, client: fakeClient(fake), ...(respond ? { respond } : {}) };
  return (withHomeRespond(args, logger) as { respond?: RespondFn }).respond;
}

const homeClick = (triggerId: string) => ({
  type: "block_actions",
  trigger_id: triggerId,
  user: { id: USER },
  container: { type: "view", view_id: "V1" },
  view: { id: "V1", type: "home" },
});

describe("answers to clicks on the App Home", () => {
  it("shows the answer in a modal over the Home tab while the trigger is good", async () => {
    const trigger = fake.issueTrigger({ user: USER });
    const respond = respondFor(homeClick(trigger));
    await respond!({ response_type: "ephemeral", replace_original: false, text: "INC-000042 acknowledged." });
    const shown = fake.views.find((v) => v.triggerId === trigger);
    expect(shown?.type).toBe("modal");
    expect(JSON.stringify(shown?.view.blocks)).toContain("INC-000042 acknowledged.");
  });

  it("falls back to the app's DM once the trigger is spent or expired", async () => {
    const trigger = fake.issueTrigger({ user: USER, ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const respond = homeRespond(fakeClient(fake), { user: USER, triggerId: trigger, logger });
    await respond("It is already acknowledged.");
    await respond("A second answer.");
    const dm = fake.messages.filter((m) => m.channel.startsWith("D")).map((m) => m.text);
    expect(dm).toEqual(["It is already acknowledged.", "A second answer."]);
    expect(fake.views).toHaveLength(0);
  });

  it("leaves clicks on messages, which have a response_url, to Bolt's own respond", async () => {
    const own: RespondFn = async () => new Response(null);
    const onMessage = { ...homeClick("t"), response_url: "https://hooks.slack.com/x", view: undefined };
    expect(respondFor(onMessage, own)).toBe(own);
    expect(respondFor({ type: "view_submission", view: { type: "modal" }, user: { id: USER } })).toBe(
      undefined,
    );
  });
});
