import { and, eq } from "drizzle-orm";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getReviewOf } from "../../../src/db/queries/reviews.js";
import { type IncidentRow, outbox, reviews } from "../../../src/db/schema/index.js";
import { outboxKey } from "../../../src/delivery/purposes.js";
import { RetryLater } from "../../../src/delivery/retry-later.js";
import type { FakeMessage, FakeView } from "../../../src/emulator/types.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { CARD_ACTION, REVIEW_FIELDS as F, REVIEW_ACTION } from "../../../src/messages/ids.js";
import { closeReviewPrompt, PROMPT_PENDING_RETRY_MS } from "../../../src/services/review-prompt.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident as makeReady } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { settled } from "../../helpers/settled.js";
import { formValue } from "../../helpers/slack-payloads.js";

/**
 * The review prompt from a major incident's resolution to its review's completion: the form
 * starts from the root cause typed when resolving, and once the review is completed the
 * prompt says so, without its button; a click on a copy still on screen is answered plainly.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const TZ = "Europe/London";
const { text, choice } = formValue;

const click = (p: { channel: string; ts: string; actionId: string; value: string }, user?: string) =>
  clickButton(h, p, user);
const cardClick = (i: IncidentRow, actionId: string, user: string = USERS.agent) =>
  click({ channel: i.channelId!, ts: i.summaryTs!, actionId, value: i.id }, user);
const submit = (view: FakeView, state: Record<string, unknown>, user?: string) =>
  submitView(h, view, state, user);

async function resolve(i: IncidentRow, rootCause?: string) {
  const form = await cardClick(i, CARD_ACTION.resolve);
  const state: Record<string, unknown> = {
    resolution_summary: text("Carrier restored the trunk"),
    close_code: choice("fixed"),
  };
  if (rootCause) state.root_cause = text(rootCause);
  expect(await submit(form.view!, state)).toEqual({});
  return eventually("resolved", async () => {
    const row = await loadIncident(deps(), i.id);
    return row.status === "resolved" ? row : undefined;
  });
}

/** A major incident, acknowledged and resolved, with its review prompt posted. */
async function resolvedMajor(title: string, rootCause?: string) {
  const incident = await makeReady(deps(), { title, impact: "high", urgency: "high" });
  expect(incident.priority).toBe("P1");
  await cardClick(incident, CARD_ACTION.acknowledge);
  const resolved = await resolve(incident, rootCause);
  const prompt = await h.slack.waitFor(() =>
    h.slack
      .messagesIn(incident.channelId!)
      .find((m) => JSON.stringify(m.blocks ?? []).includes(REVIEW_ACTION.open)),
  );
  return { incident: resolved, prompt };
}

const pressPrompt = (incident: IncidentRow, prompt: FakeMessage, user?: string) =>
  click({ channel: prompt.channel, ts: prompt.ts, actionId: REVIEW_ACTION.open, value: incident.id }, user);

const rootCauseOf = (view: FakeView): string | undefined =>
  view.view.blocks.find((b: { block_id?: string }) => b.block_id === F.rootCause)?.element?.initial_value;

/** The message as Slack holds it now (edits included). */
const current = (m: FakeMessage) => h.slack.messagesIn(m.channel).find((x) => x.ts === m.ts)!;

const londonMinute = (at: Date) => {
  const abbr = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, timeZoneName: "short" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName")!.value;
  return `${DateTime.fromJSDate(at, { zone: TZ }).setLocale("en-US").toFormat("ccc d LLL yyyy HH:mm")} ${abbr}`;
};

const completeState = (rootCause: string) => ({
  [F.category]: choice("third_party"),
  [F.rootCause]: text(rootCause),
});

describe("review prompt", () => {
  it("starts the review form from the root cause typed in the resolve form", async () => {
    const { incident, prompt } = await resolvedMajor(
      "Inbound calls failing",
      "Carrier trunk firmware update failed",
    );
    expect(incident.rootCause).toBe("Carrier trunk firmware update failed");

    const byButton = await pressPrompt(incident, prompt);
    expect(rootCauseOf(byButton.view!)).toBe("Carrier trunk firmware update failed");

    const before = new Set(h.slack.views.map((v) => v.id));
    await h.command("review", { channel: incident.channelId! });
    const byCommand = await h.slack.waitFor(() =>
      h.slack.views.find((v) => !before.has(v.id) && v.view.callback_id === "incident_review_modal"),
    );
    expect(rootCauseOf(byCommand)).toBe("Carrier trunk firmware update failed");

    // What is submitted (here the root cause as pre-filled) is the review's.
    expect(await submit(byCommand, completeState("Carrier trunk firmware update failed"))).toEqual({});
    expect(await getReviewOf(deps().db, incident.id)).toMatchObject({
      status: "completed",
      rootCause: "Carrier trunk firmware update failed",
    });
  });

  it("leaves the root cause empty when the resolve form gave none", async () => {
    const { incident, prompt } = await resolvedMajor("Agents logged out");
    expect(incident.rootCause).toBeNull();
    const opened = await pressPrompt(incident, prompt);
    expect(opened.view?.view.callback_id).toBe("incident_review_modal");
    expect(rootCauseOf(opened.view!)).toBeUndefined();
  });

  it("once the review is completed, says who completed it and when, without the button; an old button answers plainly", async () => {
    const { incident, prompt } = await resolvedMajor("IVR loops callers", "Menu table corrupted");
    const form = await pressPrompt(incident, prompt, USERS.lead);
    expect(await submit(form.view!, completeState("Menu table corrupted"), USERS.lead)).toEqual({});
    const review = (await getReviewOf(deps().db, incident.id))!;
    expect(review.status).toBe("completed");

    const edited = await h.slack.waitFor(() => {
      const now = current(prompt);
      return JSON.stringify(now.blocks ?? []).includes(REVIEW_ACTION.open) ? undefined : now;
    });
    const unix = Math.floor(review.completedAt!.getTime() / 1000);
    const line = `Review completed by <@${USERS.lead}> <!date^${unix}^{date_short_pretty} {time}|`;
    expect(JSON.stringify(edited.blocks)).toContain(line);
    expect(edited.text).toContain(londonMinute(review.completedAt!));
    expect(edited.text).toContain(`completed by <@${USERS.lead}>`);
    expect(edited.edited).toBe(true);

    // A copy of the prompt still on someone's screen: its button answers that the review is done,
    // for the person who wrote it, for someone who could not have, and after a reopen alike.
    for (const user of [USERS.lead, USERS.other]) {
      const answer = await pressPrompt(incident, prompt, user);
      expect(answer.view).toBeUndefined();
      expect(answer.text).toContain("already completed");
      expect(answer.text).toContain(`<@${USERS.lead}>`);
    }
    const reopen = await cardClick(incident, CARD_ACTION.reopen);
    expect(await submit(reopen.view!, { reason: text("Loops again") })).toEqual({});
    await eventually("reopened", async () => (await loadIncident(deps(), incident.id)).status !== "resolved");
    expect((await pressPrompt(incident, prompt)).text).toContain("already completed");

    // The publish job queued the edit too; one edit of the prompt all the same.
    await eventually("published", async () => (await getReviewOf(deps().db, incident.id))?.publishedAt);
    await settled(deps(), { incidentIds: [incident.id] });
    const edits = h.slack.callsTo("chat.update").filter((c) => c.ok && c.args.ts === prompt.ts);
    expect(edits).toHaveLength(1);
  });

  it("edits the prompt after Slack's rate limit, waiting the Retry-After", async () => {
    const { incident, prompt } = await resolvedMajor("Wallboards frozen", "Stats feed stalled");
    const form = await pressPrompt(incident, prompt);
    h.slack.failNext("chat.update", { status: 429, retryAfter: 1, channel: incident.channelId! });
    expect(await submit(form.view!, completeState("Stats feed stalled"))).toEqual({});
    await h.slack.waitFor(
      () => !JSON.stringify(current(prompt).blocks ?? []).includes(REVIEW_ACTION.open) || undefined,
      { timeoutMs: 10_000 },
    );
    const tries = h.slack.callsTo("chat.update").filter((c) => c.args.ts === prompt.ts);
    expect(tries.map((c) => c.status)).toEqual([429, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it("edits the prompt of a review whose follow-up was lost (Redis down at submit) from the sweep", async () => {
    const { incident, prompt } = await resolvedMajor("Call recording down");
    // As if the transaction committed and every enqueue after it failed.
    await deps()
      .db.update(reviews)
      .set({
        status: "completed",
        rootCauseCategory: "software_defect",
        rootCause: "Disk full",
        completedBy: USERS.agent,
        completedAt: new Date(Date.now() - 60_000),
      })
      .where(eq(reviews.incidentId, incident.id));
    await sweep(deps());
    const edited = await h.slack.waitFor(
      () =>
        JSON.stringify(current(prompt).blocks ?? []).includes(REVIEW_ACTION.open)
          ? undefined
          : current(prompt),
      { timeoutMs: 10_000 },
    );
    expect(JSON.stringify(edited.blocks)).toContain(`Review completed by <@${USERS.agent}>`);
  });

  it("waits for a prompt not posted yet, and edits it once it is", async () => {
    // Not major: no prompt of its own, so the row below is the only one for this incident.
    const incident = await makeReady(deps(), {
      title: "Email queue stuck",
      impact: "medium",
      urgency: "low",
    });
    await deps().db.insert(reviews).values({
      incidentId: incident.id,
      status: "completed",
      requestedBy: USERS.agent,
      rootCauseCategory: "software_defect",
      rootCause: "Mail relay down",
      completedBy: USERS.duty,
      completedAt: new Date(),
    });
    const review = (await getReviewOf(deps().db, incident.id))!;
    const [row] = await deps()
      .db.insert(outbox)
      .values({
        incidentId: incident.id,
        dedupeKey: outboxKey.reviewPrompt(incident.id),
        purpose: "review_prompt",
        channel: incident.channelId!,
        message: { text: "prompt" },
        // Held by a delivery (as if Slack were slow): nothing else posts it meanwhile.
        attempts: 1,
        claimedUntil: new Date(Date.now() + 60_000),
      })
      .returning();

    const waiting = await closeReviewPrompt(deps(), review.id).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(RetryLater);
    expect((waiting as RetryLater).delayMs).toBe(PROMPT_PENDING_RETRY_MS);

    const posted = h.slack.addMessage({
      channel: incident.channelId!,
      user: h.slack.botUserId,
      text: "please write the review",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "please write the review" } }],
    });
    await deps()
      .db.update(outbox)
      .set({ status: "sent", postedChannel: posted.channel, ts: posted.ts, claimedUntil: null })
      .where(eq(outbox.id, row!.id));
    expect(await closeReviewPrompt(deps(), review.id)).toBe("edited");
    expect(JSON.stringify(current(posted).blocks)).toContain(`Review completed by <@${USERS.duty}>`);

    // A prompt Slack refused for good, or none at all: nothing to edit.
    await deps()
      .db.update(outbox)
      .set({ status: "failed" })
      .where(and(eq(outbox.id, row!.id)));
    expect(await closeReviewPrompt(deps(), review.id)).toBe("no_prompt");
  });
});
