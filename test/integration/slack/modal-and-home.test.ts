import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../../src/messages/ids.js";
import { postStakeholderUpdate } from "../../../src/services/notes-and-updates.js";
import { takeOwnership } from "../../../src/services/ownership.js";
import { makeIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { handlersDone, handlersFinished } from "../../helpers/settled.js";
import { appHomeOpened, logFormState, modalBlockAction } from "../../helpers/slack-payloads.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe("priority preview in the open modal", () => {
  it("shows the matrix priority once impact and urgency are both chosen, keeping the rest of the form", async () => {
    await h.command("Lines down in Leeds", { user: USERS.agent });
    const opened = await h.slack.waitFor(() =>
      h.slack.views.find((v) => v.type === "modal" && v.user === USERS.agent),
    );
    const state = logFormState({ title: "Lines down in Leeds", impact: "high", urgency: "high" });
    const res = await h.action(
      modalBlockAction({
        user: USERS.agent,
        opened,
        state,
        actionId: ACTION.urgency,
        blockId: "urgency",
        value: "high",
      }),
    );
    expect(res.status).toBe(200);
    const update = await h.slack.waitFor(() => h.slack.callsTo("views.update").find((c) => c.ok));
    const view = update.args.view as {
      blocks: Array<{ block_id?: string; text?: { text: string } }>;
      callback_id: string;
    };
    expect(view.callback_id).toBe("log_incident_modal");
    expect(view.blocks.find((b) => b.block_id === "priority_preview")?.text?.text).toContain(
      "Priority from the matrix: P1",
    );
    expect(view.blocks.map((b) => b.block_id)).toEqual(
      (opened.view.blocks as Array<{ block_id?: string }>).map((b) => b.block_id),
    );
  });

  it("leaves the preview alone while only one of the two is chosen", async () => {
    const updates = h.slack.callsTo("views.update").length;
    const handled = await handlersFinished(h.system.deps);
    await h.command("", { user: USERS.other });
    const opened = await h.slack.waitFor(() =>
      h.slack.views.find((v) => v.type === "modal" && v.user === USERS.other),
    );
    const state = logFormState({ impact: "low" });
    const res = await h.action(
      modalBlockAction({
        user: USERS.other,
        opened,
        state,
        actionId: ACTION.impact,
        blockId: "impact",
        value: "low",
      }),
    );
    expect(res.status).toBe(200);
    // Both handlers (the command's and the click's) have finished: an update would be in.
    await handlersDone(h.system.deps, handled, { count: 2 });
    expect(h.slack.callsTo("views.update")).toHaveLength(updates);
  });
});

describe("App Home", () => {
  it("publishes the user's open incidents and everyone's", async () => {
    const mine = await makeIncident(h.system.deps, { title: "My own incident", reporterId: USERS.lead });
    const theirs = await makeIncident(h.system.deps, {
      title: "Someone else's incident",
      reporterId: USERS.agent,
    });
    await setupCompleted(h.system.deps, theirs.incident.id);
    const res = await h.post(JSON.stringify(appHomeOpened({ user: USERS.lead })), {
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    const home = await h.slack.waitFor(() =>
      h.slack.views.find((v) => v.type === "home" && v.user === USERS.lead),
    );
    const text = JSON.stringify(home.view.blocks);
    const [yours, all] = text.split("Open incidents by priority");
    expect(yours).toContain(mine.reference);
    expect(yours).not.toContain(theirs.reference);
    expect(all).toContain(theirs.reference);
    expect(text).not.toContain("ACC-");
  });

  it("is re-published when an incident of the user changes, with its next deadline", async () => {
    const { incident, reference } = await makeIncident(h.system.deps, {
      title: "Home refresh",
      reporterId: USERS.agent,
    });
    await setupCompleted(h.system.deps, incident.id);
    const before = h.slack.callsTo("views.publish").length;
    const taken = await takeOwnership(h.system.deps, { incidentId: incident.id, actor: USERS.head });
    expect(taken.ok).toBe(true);
    await postStakeholderUpdate(h.system.deps, {
      incidentId: incident.id,
      actor: USERS.head,
      happening: "Investigating",
      customerImpact: "Some callers",
      nextUpdateAt: new Date(Date.now() + 45 * 60_000),
    });
    const published = await h.slack.waitFor(() => {
      const calls = h.slack
        .callsTo("views.publish")
        .slice(before)
        .filter((c) => c.ok && c.args.user_id === USERS.head);
      const last = calls.at(-1);
      return last && JSON.stringify(last.args).includes("acknowledge by") ? last : undefined;
    });
    const text = JSON.stringify(published.args.view);
    const [yours] = text.split("Open incidents by priority");
    expect(yours).toContain(reference);
    expect(
      h.slack
        .callsTo("views.publish")
        .slice(before)
        .some((c) => c.args.user_id === USERS.agent),
    ).toBe(true);
  });
});
