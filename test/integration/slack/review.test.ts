import { and, eq } from "drizzle-orm";
import { DateTime } from "luxon";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { getReviewOf } from "../../../src/db/queries/reviews.js";
import { type IncidentRow, improvementActions, outbox, reviews } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeMessage, FakeView } from "../../../src/emulator/types.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { CARD_ACTION, REVIEW_FIELDS as F, REVIEW_ACTION } from "../../../src/messages/ids.js";
import { publishReview } from "../../../src/services/review-publish.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, type makeIncident, readyIncident as makeReady } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { holdLock } from "../../helpers/hold-lock.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { settled } from "../../helpers/settled.js";
import { formValue } from "../../helpers/slack-payloads.js";

// P1 misses its respond SLA within seconds (a breach and an escalation to look for); the ladder
// repeats slowly so it does not keep climbing into later tests.
const SLA = `sla:
  P1: { respond: 2s, update_every: 1h, resolve: 1h, hours: always, repeat: 1h }
  P2: { respond: 1h, update_every: 1h, resolve: 2h, hours: always, repeat: 1h }
  P3: { respond: 1h, update_every: 1h, resolve: 2h, hours: always, repeat: 1h }
  P4: { respond: 1h, update_every: 1d, resolve: 5d, hours: always, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: always, repeat: 1d }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    sla: SLA,
    editPolicy: (yaml) => `${yaml}\nreview:\n  required_for_close: true\n`,
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const TZ = "Europe/London";
const DMITRI = "U0DMITRI";

const readyIncident = (overrides: Parameters<typeof makeIncident>[1] = {}) => makeReady(deps(), overrides);

const click = (p: { channel: string; ts: string; actionId: string; value: string }, user?: string) =>
  clickButton(h, p, user);

const cardClick = (i: IncidentRow, actionId: string, user: string = USERS.agent) =>
  click({ channel: i.channelId!, ts: i.summaryTs!, actionId, value: i.id }, user);

/** Runs a slash command and returns the ephemeral answer or the modal it opened. */
async function command(text: string, p: { user?: string; channel?: string } = {}) {
  const before = new Set(h.slack.views.map((v) => v.id));
  const responsesBefore = h.slack.responses.length;
  const res = await h.command(text, p);
  expect(res.status).toBe(200);
  return h.slack.waitFor(() => {
    const view = h.slack.views.find((v) => !before.has(v.id) && v.type === "modal");
    if (view) return { text: "", view };
    const reply = h.slack.responses.slice(responsesBefore)[0];
    return reply ? { text: String(reply.body.text), view: undefined as FakeView | undefined } : undefined;
  });
}

const submit = (view: FakeView, state: Record<string, unknown>, user?: string) =>
  submitView(h, view, state, user);

const { text, choice, user, date } = formValue;

async function resolve(i: IncidentRow) {
  const form = await cardClick(i, CARD_ACTION.resolve);
  expect(
    await submit(form.view!, {
      resolution_summary: text("Carrier fixed the trunk"),
      close_code: choice("fixed"),
    }),
  ).toEqual({});
  return eventually("resolved", async () => {
    const row = await loadIncident(deps(), i.id);
    return row.status === "resolved" ? row : undefined;
  });
}

const prompts = (i: IncidentRow): FakeMessage[] =>
  h.slack.messagesIn(i.channelId!).filter((m) => JSON.stringify(m.blocks ?? []).includes(REVIEW_ACTION.open));

/** Independent of the code under test: the minute, in the policy's zone, with its abbreviation. */
function londonMinute(at: Date): string {
  return `${DateTime.fromJSDate(at, { zone: TZ }).setLocale("en-US").toFormat("ccc d LLL yyyy HH:mm")} ${zoneAbbr(at)}`;
}
function zoneAbbr(at: Date): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, timeZoneName: "short" }).formatToParts(at);
  return parts.find((p) => p.type === "timeZoneName")!.value;
}

const sectionText = (view: FakeView, blockId: string): string =>
  String(view.view.blocks.find((b: { block_id?: string }) => b.block_id === blockId)?.text?.text ?? "");

const inAWeek = () => DateTime.now().setZone(TZ).plus({ days: 7 }).toISODate()!;

function reviewState(p: { rootCause: string; actions: Array<{ text: string; owner: string; due: string }> }) {
  const state: Record<string, Record<string, unknown>> = {
    [F.category]: choice("third_party"),
    [F.rootCause]: text(p.rootCause),
    [F.factors]: text("No alert on trunk errors"),
    [F.wentWell]: text("Escalation reached the duty manager fast"),
    [F.wentBadly]: text("Stakeholders heard late"),
  };
  p.actions.forEach((a, n) => {
    state[F.actionText(n)] = text(a.text);
    state[F.actionOwner(n)] = user(a.owner);
    state[F.actionDue(n)] = date(a.due);
  });
  return state;
}

describe("post-incident reviews", () => {
  it("resolving a P1 posts the review prompt, and its form shows the times of the record", async () => {
    const incident = await readyIncident({ title: "Phones down", impact: "high", urgency: "high" });
    expect(incident.priority).toBe("P1");
    // Let the 2 s respond clock breach and escalate before anyone acknowledges.
    await eventually("the respond breach and its escalation", async () => {
      const kinds = (await listLog(deps().db, incident.id)).map((e) => e.kind);
      return kinds.includes("sla_breached") && kinds.includes("escalation_sent");
    });
    expect((await cardClick(incident, CARD_ACTION.acknowledge)).text).toContain("Acknowledged");
    const resolved = await resolve(incident);

    const prompt = await h.slack.waitFor(() => prompts(incident)[0]);
    expect(prompt.text).toContain(`<@${USERS.agent}>`);
    expect(prompt.text).toContain("before the incident can be closed");
    const log = await listLog(deps().db, incident.id);
    expect(log.filter((e) => e.kind === "review_requested").map((e) => e.actor)).toEqual(["system"]);

    const opened = await click({
      channel: prompt.channel,
      ts: prompt.ts,
      actionId: REVIEW_ACTION.open,
      value: incident.id,
    });
    expect(opened.view).toBeDefined();
    const times = sectionText(opened.view!, "review_fact_times");
    const escalation = log.find((e) => e.kind === "escalation_sent")!;
    const breach = log.find((e) => e.kind === "sla_breached")!;
    expect(times).toContain(`Reported: ${londonMinute(resolved.reportedAt)}`);
    expect(times).toContain(`Logged: ${londonMinute(resolved.loggedAt)}`);
    expect(times).toContain(`Acknowledged: ${londonMinute(resolved.acknowledgedAt!)}`);
    expect(times).toContain(`Resolved: ${londonMinute(resolved.resolvedAt!)}`);
    expect(times).toContain(
      `Escalated: ${londonMinute(escalation.at)} (level 1, team lead, Acknowledge SLA) → <@${USERS.lead}>`,
    );
    // Key times in order: reported, logged, escalated, acknowledged, resolved.
    const order = ["Reported", "Logged", "Escalated", "Acknowledged", "Resolved"].map((l) =>
      times.indexOf(`${l}:`),
    );
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(sectionText(opened.view!, "review_fact_breaches")).toContain(
      `Acknowledge SLA breached ${londonMinute(breach.at)}`,
    );
    const sla = sectionText(opened.view!, "review_fact_sla");
    expect(sla).toMatch(/Time to respond: .+ against 2s — missed by /);
    expect(sla).toMatch(/Time to resolve: .+ against 1h — met, .+ to spare/);

    // The same form from the command, in the incident channel; no second request is logged.
    const again = await command("review", { channel: incident.channelId! });
    expect(sectionText(again.view!, "review_fact_times")).toBe(times);
    expect((await listLog(deps().db, incident.id)).filter((e) => e.kind === "review_requested")).toHaveLength(
      1,
    );

    // Reopen, then resolve again: still one prompt.
    const reopen = await cardClick(resolved, CARD_ACTION.reopen);
    expect(await submit(reopen.view!, { reason: text("Calls dropping again") })).toEqual({});
    await eventually(
      "reopened",
      async () => (await loadIncident(deps(), incident.id)).status === "in_progress",
    );
    await resolve(incident);
    await settled(deps(), { incidentIds: [incident.id] });
    expect(prompts(incident)).toHaveLength(1);
    const rows = await deps()
      .db.select()
      .from(outbox)
      .where(and(eq(outbox.incidentId, incident.id), eq(outbox.purpose, "review_prompt")));
    expect(rows).toHaveLength(1);
  });

  it("refuses to close a major incident without a completed review when the policy says so, and closes after", async () => {
    const incident = await readyIncident({ title: "IVR loops", impact: "high", urgency: "medium" });
    expect(incident.priority).toBe("P2");
    await cardClick(incident, CARD_ACTION.acknowledge);
    await resolve(incident);

    const byCommand = await command(`close ${formatReference(incident.number)}`, { user: USERS.lead });
    expect(byCommand.text).toContain("review must be completed before it can be closed");
    expect(byCommand.text).toContain("/incident review");
    const byButton = await cardClick(incident, CARD_ACTION.close, USERS.lead);
    expect(byButton.text).toContain("/incident review");
    expect((await loadIncident(deps(), incident.id)).status).toBe("resolved");

    const form = await command(`review ${formatReference(incident.number)}`);
    expect(await submit(form.view!, reviewState({ rootCause: "Menu file corrupted", actions: [] }))).toEqual(
      {},
    );
    const closed = await cardClick(incident, CARD_ACTION.close, USERS.lead);
    expect(closed.text).toContain("Closed");
    expect((await loadIncident(deps(), incident.id)).status).toBe("closed");
  });

  it("stores a submitted review once: actions, summary and a Markdown document, nothing doubled", async () => {
    const incident = await readyIncident({
      title: "Card payments failing",
      impact: "high",
      urgency: "medium",
    });
    await cardClick(incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    const form = await command("review", { channel: incident.channelId! });
    const due = inAWeek();

    // A half-filled action and a past date are refused on their own fields; nothing is stored.
    const bad = reviewState({ rootCause: "x", actions: [] });
    bad[F.actionText(0)] = text("Add trunk alarms");
    bad[F.actionDue(1)] = date("2020-01-01");
    bad[F.actionOwner(1)] = user(USERS.duty);
    bad[F.actionText(1)] = text("Old");
    const refused = await submit(form.view!, bad);
    expect(refused.response_action).toBe("errors");
    expect(Object.keys(refused.errors!).sort()).toEqual(
      [F.actionDue(0), F.actionDue(1), F.actionOwner(0)].sort(),
    );
    expect((await getReviewOf(deps().db, incident.id))?.status).toBe("requested");

    // An action owner with a full name: the document shows it, never the Slack id.
    h.slack.addUser(DMITRI, { name: "dmitri", real_name: "Dmitri Duty" });
    const state = reviewState({
      rootCause: "Carrier trunk failed after a firmware update",
      actions: [
        { text: "Add alarms on trunk error rates", owner: USERS.lead, due },
        { text: "Agree a change calendar with the carrier", owner: DMITRI, due },
      ],
    });
    expect(await submit(form.view!, state)).toEqual({});
    expect(await submit(form.view!, state)).toEqual({}); // a double submit of the same form

    const review = (await getReviewOf(deps().db, incident.id))!;
    expect(review).toMatchObject({
      status: "completed",
      rootCauseCategory: "third_party",
      rootCause: "Carrier trunk failed after a firmware update",
      completedBy: USERS.agent,
    });
    const actions = await deps()
      .db.select()
      .from(improvementActions)
      .where(eq(improvementActions.reviewId, review.id));
    expect(actions.map((a) => [a.description, a.ownerId, a.dueOn]).sort()).toEqual(
      [
        ["Add alarms on trunk error rates", USERS.lead, due],
        ["Agree a change calendar with the carrier", DMITRI, due],
      ].sort(),
    );

    const summary = await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find((m) => m.blocks && m.text?.startsWith("Post-incident review of")),
    );
    expect(JSON.stringify(summary.blocks)).toContain("Add alarms on trunk error rates");
    const file = await h.slack.waitFor(() => h.slack.files.find((f) => f.channel === incident.channelId));
    expect(file.filename).toBe(`${formatReference(incident.number).toLowerCase()}-review.md`);
    const markdown = file.content.toString("utf8");
    expect(markdown).toContain("Carrier trunk failed after a firmware update");
    expect(markdown).toContain("Third-party supplier");
    expect(markdown).toContain("Add alarms on trunk error rates");
    expect(markdown).toMatch(
      /\| Agree a change calendar with the carrier \| Dmitri Duty \| \w{3} \d{1,2} \w{3} \d{4} \|/,
    );
    expect(markdown).not.toContain(due);
    expect(markdown).not.toMatch(/\b[UWC]0[A-Z0-9]+\b/);
    expect(JSON.stringify(summary.blocks)).not.toContain(due);
    const published = await eventually(
      "the document on record",
      async () => (await getReviewOf(deps().db, incident.id))?.publishedAt,
    );
    expect(published).toBeInstanceOf(Date);

    // A second form for the same review is refused; the job run again uploads nothing.
    const second = await command("review", { channel: incident.channelId! });
    expect(second.text).toContain("already completed");
    expect(await publishReview(deps(), review.id)).toBe("already_published");
    await settled(deps(), { incidentIds: [incident.id] });
    expect(h.slack.files.filter((f) => f.channel === incident.channelId)).toHaveLength(1);
    const summaries = h.slack
      .messagesIn(incident.channelId!)
      .filter((m) => m.blocks && m.text?.startsWith("Post-incident review of"));
    expect(summaries).toHaveLength(1);
    expect(
      await deps().db.select().from(improvementActions).where(eq(improvementActions.reviewId, review.id)),
    ).toHaveLength(2);
    const kinds = (await listLog(deps().db, incident.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === "review_completed")).toHaveLength(1);
    expect(kinds.filter((k) => k === "action_added")).toHaveLength(2);
    expect(kinds.filter((k) => k === "review_published")).toHaveLength(1);
  });

  it("gives a non-major incident no prompt, but /incident review works for it", async () => {
    const incident = await readyIncident({
      title: "One agent cannot log in",
      impact: "medium",
      urgency: "medium",
    });
    expect(incident.priority).toBe("P3");
    const early = await command(`review ${formatReference(incident.number)}`);
    expect(early.text).toContain("resolve it first");

    await cardClick(incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    expect(await getReviewOf(deps().db, incident.id)).toBeNull();
    const prompt = await deps()
      .db.select()
      .from(outbox)
      .where(and(eq(outbox.incidentId, incident.id), eq(outbox.purpose, "review_prompt")));
    expect(prompt).toHaveLength(0);

    const outsider = await command(`review ${formatReference(incident.number)}`, { user: USERS.other });
    expect(outsider.text).toContain("Only its owner, its reporter, a team lead");

    const form = await command(`review ${formatReference(incident.number)}`, { user: USERS.lead });
    expect(form.view?.view.callback_id).toBe("incident_review_modal");
    const [row] = await deps().db.select().from(reviews).where(eq(reviews.incidentId, incident.id));
    expect(row).toMatchObject({ status: "requested", requestedBy: USERS.lead });
    const requested = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "review_requested");
    expect(requested.map((e) => e.actor)).toEqual([USERS.lead]);

    expect(
      await submit(form.view!, reviewState({ rootCause: "Password policy change", actions: [] }), USERS.lead),
    ).toEqual({});
    await eventually("published", async () => (await getReviewOf(deps().db, incident.id))?.publishedAt);
    // Not major: closing never waited for the review anyway.
    expect((await cardClick(incident, CARD_ACTION.close, USERS.lead)).text).toContain("Closed");
  });

  it("publishes a completed review whose job was lost (Redis down at submit) from the sweep", async () => {
    const incident = await readyIncident({ title: "Queue stats frozen", impact: "medium", urgency: "low" });
    await cardClick(incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    // As if the transaction committed and the enqueue after it failed: a completed row, no job.
    await deps()
      .db.insert(reviews)
      .values({
        incidentId: incident.id,
        status: "completed",
        requestedBy: USERS.agent,
        rootCauseCategory: "software_defect",
        rootCause: "Stats service leaked memory",
        completedBy: USERS.agent,
        completedAt: new Date(Date.now() - 60_000),
      });
    await sweep(deps());
    const file = await h.slack.waitFor(() => h.slack.files.find((f) => f.channel === incident.channelId));
    expect(file.content.toString("utf8")).toContain("Stats service leaked memory");
    await eventually("published", async () => (await getReviewOf(deps().db, incident.id))?.publishedAt);
    await sweep(deps()); // nothing left to do: no second upload
    await settled(deps(), { incidentIds: [incident.id] });
    expect(h.slack.files.filter((f) => f.channel === incident.channelId)).toHaveLength(1);
  });
  it("opens a placeholder within the trigger's 3 s when the log is slow to read, then fills in the form", async () => {
    const incident = await readyIncident({ title: "Recordings not saved", impact: "medium", urgency: "low" });
    await cardClick(incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    const ref = formatReference(incident.number);
    // Another transaction holds the log, so reading it (and requesting the review) must wait.
    const other = postgres(h.config.databaseUrl, { max: 1, onnotice: () => {} });
    const release = await holdLock(other, (tx) => tx`lock table incident_log in access exclusive mode`);
    try {
      const before = new Set(h.slack.views.map((v) => v.id));
      const res = await h.command(`review ${ref}`, { triggerTtlMs: 3_000 });
      expect(res.status).toBe(200);
      const opened = await h.slack.waitFor(() => h.slack.views.find((v) => !before.has(v.id)), {
        timeoutMs: 2_500,
      });
      expect(opened.view.callback_id).toBe("incident_review_notice");
      expect(JSON.stringify(opened.view.blocks)).toContain("Reading the incident's log");
    } finally {
      await release();
      await other.end();
    }
    const filled = await h.slack.waitFor(() =>
      h.slack.views.find(
        (v) =>
          v.view.callback_id === "incident_review_modal" && v.view.private_metadata?.includes(incident.id),
      ),
    );
    expect(JSON.stringify(filled.view.blocks)).toContain(ref);
    expect(h.slack.callsTo("views.update").filter((c) => c.ok && c.args.view_id === filled.id)).toHaveLength(
      1,
    );
    expect(await getReviewOf(deps().db, incident.id)).toMatchObject({ status: "requested" });
  });

  describe("when Slack's answer to completing the upload fails", () => {
    /** A resolved incident with a completed review that no job is publishing yet. */
    async function completedReview(title: string, rootCause: string) {
      const incident = await readyIncident({ title, impact: "medium", urgency: "low" });
      await cardClick(incident, CARD_ACTION.acknowledge);
      await resolve(incident);
      await deps().db.insert(reviews).values({
        incidentId: incident.id,
        status: "completed",
        requestedBy: USERS.agent,
        rootCauseCategory: "software_defect",
        rootCause,
        completedBy: USERS.agent,
        completedAt: new Date(),
      });
      return { incident, review: (await getReviewOf(deps().db, incident.id))! };
    }
    const documentsIn = (channel: string) => h.slack.files.filter((f) => f.channel === channel);
    const published = async (incidentId: string) =>
      (await listLog(deps().db, incidentId)).filter((e) => e.kind === "review_published");

    it("records the document Slack completed, without uploading it again", async () => {
      const { incident, review } = await completedReview("Wallboard blank", "Display driver crashed");
      h.slack.failNext("files.completeUploadExternal", { status: 500, afterEffect: true });
      await expect(publishReview(deps(), review.id)).rejects.toThrow();
      const [document] = documentsIn(incident.channelId!);
      expect(document?.content.toString("utf8")).toContain("Display driver crashed");
      const pending = (await getReviewOf(deps().db, incident.id))!;
      expect(pending).toMatchObject({ fileId: document!.id, publishedAt: null });

      expect(await publishReview(deps(), review.id)).toBe("published");
      expect(documentsIn(incident.channelId!)).toHaveLength(1);
      expect(await getReviewOf(deps().db, incident.id)).toMatchObject({ fileId: document!.id });
      expect((await published(incident.id)).map((e) => e.details)).toEqual([
        { reviewId: review.id, fileId: document!.id, channel: incident.channelId },
      ]);
      expect(
        h.slack.callsTo("conversations.history").some((c) => c.args.channel === incident.channelId),
      ).toBe(true);
    });

    it("uploads it again when Slack never completed it", async () => {
      const { incident, review } = await completedReview("IVR loops", "Menu table corrupted");
      h.slack.failNext("files.completeUploadExternal", { status: 500 });
      await expect(publishReview(deps(), review.id)).rejects.toThrow();
      expect(documentsIn(incident.channelId!)).toHaveLength(0);
      const abandoned = (await getReviewOf(deps().db, incident.id))!.fileId;
      expect(abandoned).toEqual(expect.any(String));

      expect(await publishReview(deps(), review.id)).toBe("published");
      const documents = documentsIn(incident.channelId!);
      expect(documents).toHaveLength(1);
      expect(documents[0]!.id).not.toBe(abandoned);
      expect(documents[0]!.content.toString("utf8")).toContain("Menu table corrupted");
      expect(await getReviewOf(deps().db, incident.id)).toMatchObject({ fileId: documents[0]!.id });
      expect(await published(incident.id)).toHaveLength(1);
    });
  });
});
