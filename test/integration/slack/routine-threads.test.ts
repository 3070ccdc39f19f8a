import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { type IncidentRow, outbox } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { startFakeSlack } from "../../../src/emulator/server.js";
import type { Jobs } from "../../../src/jobs/queues.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { systemClock } from "../../../src/lib/clock.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { recategorise } from "../../../src/services/recategorise.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, commandReply, submitView } from "../../helpers/interact.js";
import { formValue } from "../../helpers/slack-payloads.js";

/** A P4's respond clock warns within seconds, so its notice can be watched landing in the thread. */
const SLA = `
sla:
  P1: { respond: 60s, update_every: 60s, resolve: 60s, hours: always, repeat: 60s }
  P2: { respond: 60s, update_every: 60s, resolve: 60s, hours: always, repeat: 60s }
  P3: { respond: 60s, update_every: 60s, resolve: 60s, hours: always, repeat: 60s }
  P4: { respond: 4s, update_every: 1d, resolve: 1d, hours: always, repeat: 1d }
  P5: { respond: 1d, update_every: 2d, resolve: 2d, hours: always, repeat: 1d }
warn_at: 0.5
`;

let h: Harness;
let working: string;
beforeAll(async () => {
  const slack = await startFakeSlack();
  working = slack.addChannel("incidents");
  h = await startHarness({
    fakeSlack: slack,
    sla: SLA,
    editPolicy: (yaml) =>
      `${yaml}working_channel: ${working}\nincident_channel: { for: [P1, P2, P3], major: true }\n`,
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

/** Jobs whose Redis is gone: every enqueue fails, as it does when Redis is down. */
function unreachableJobs(real: Jobs): Jobs {
  const closed = async () => Promise.reject(new Error("Connection is closed."));
  return { ...real, enqueue: closed, enqueueMany: closed };
}

/** A P4 (medium impact, low urgency): worked in a thread under its card in #incidents. */
async function routineIncident(title: string): Promise<IncidentRow> {
  const incident = await readyIncident(deps(), { title, impact: "medium", urgency: "low" });
  expect(incident.priority).toBe("P4");
  return incident;
}

const inThread = (incident: IncidentRow) =>
  h.slack.messagesIn(working).filter((m) => m.thread_ts === incident.threadTs && m.ts !== incident.threadTs);

const channelsCreatedFor = (incident: IncidentRow) =>
  h.slack
    .callsTo("conversations.create")
    .filter((c) => c.ok && String(c.args.name).startsWith(formatReference(incident.number).toLowerCase()));

const openChannel = (incident: IncidentRow, user: string = USERS.agent) =>
  clickButton(
    h,
    { channel: working, ts: incident.threadTs!, actionId: CARD_ACTION.openChannel, value: incident.id },
    user,
  );

/** Waits for the promotion to finish: channel recorded and its own card posted there. */
const promoted = (incident: IncidentRow) =>
  eventually("the incident has a channel and a card there", async () => {
    const now = await loadIncident(deps(), incident.id);
    return now.channelId && now.summaryTs ? now : undefined;
  });

describe("a routine incident is worked in a thread", () => {
  // First in the file: no other incident posts to the working channel while the faults wait.
  it("gets a channel of its own when the working channel refuses its card for good", async () => {
    h.slack.failNext("chat.postMessage", { error: "is_archived", channel: working });
    const incident = await readyIncident(deps(), {
      title: "SMS opt-out broken",
      impact: "low",
      urgency: "low",
    });
    expect(incident.priority).toBe("P5");
    expect(incident.channelId).not.toBeNull();
    expect(incident.threadTs).toBeNull();
    expect(incident.summaryTs).not.toBeNull();
    const card = h.slack.messagesIn(incident.channelId!).find((m) => m.ts === incident.summaryTs);
    expect(JSON.stringify(card?.blocks)).toContain("SMS opt-out broken");
    expect(channelsCreatedFor(incident)).toHaveLength(1);
  });

  it("posts a note once when Slack took it but the answer was lost: the retry finds it in the thread", async () => {
    const incident = await readyIncident(deps(), { title: "IVR prompt typo", impact: "low", urgency: "low" });
    expect(incident.priority).toBe("P5");
    h.slack.failNext("chat.postMessage", { status: 500, afterEffect: true, channel: working });
    const ref = formatReference(incident.number);
    await commandReply(h, `note ${ref} Prompt text sent to the IVR vendor`);
    const row = await eventually("the note recorded as sent", async () => {
      const [note] = await deps()
        .db.select()
        .from(outbox)
        .where(and(eq(outbox.incidentId, incident.id), eq(outbox.purpose, "note")));
      return note?.status === "sent" ? note : undefined;
    });
    const notes = inThread(incident).filter((m) => JSON.stringify(m).includes("Prompt text sent"));
    expect(notes).toHaveLength(1);
    expect(row.ts).toBe(notes[0]!.ts);
    expect(row.attempts).toBeGreaterThan(1);
    expect(h.slack.callsTo("conversations.replies").some((c) => c.args.ts === incident.threadTs)).toBe(true);
  });

  it("gets no channel: its card is in the working channel and notes and clock notices go to its thread", async () => {
    const incident = await routineIncident("Voicemail greeting wrong");
    expect(incident.channelId).toBeNull();
    expect(incident.workingChannelId).toBe(working);
    expect(incident.threadTs).toBe(incident.summaryTs);
    expect(channelsCreatedFor(incident)).toHaveLength(0);

    const card = h.slack.messagesIn(working).find((m) => m.ts === incident.threadTs);
    expect(JSON.stringify(card?.blocks)).toContain("Voicemail greeting wrong");
    expect(JSON.stringify(card?.blocks)).toContain(CARD_ACTION.openChannel);

    const ref = formatReference(incident.number);
    expect(await commandReply(h, `note ${ref} Greeting re-recorded by the telephony team`)).toContain(
      "Note added",
    );
    const note = await h.slack.waitFor(() =>
      inThread(incident).find((m) => JSON.stringify(m).includes("Greeting re-recorded")),
    );
    expect(note.thread_ts).toBe(incident.threadTs);
    // The respond clock's warning (half of 4 s) lands in the thread too.
    await h.slack.waitFor(() => inThread(incident).find((m) => (m.text ?? "").includes("is due")), {
      timeoutMs: 20_000,
    });
    // Nothing of the thread reaches the top of the working channel.
    const top = h.slack.messagesIn(working).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    expect(top.filter((m) => JSON.stringify(m).includes(ref))).toHaveLength(1);

    // Stakeholders hear of it as before, and nothing from the thread.
    const stake = await h.slack.waitFor(() =>
      h.slack.messagesIn(h.channels.stake).find((m) => JSON.stringify(m).includes(ref)),
    );
    expect(stake.thread_ts).toBeUndefined();
    expect(JSON.stringify(stake)).toContain(`<#${working}>`);
    const stakeText = JSON.stringify(h.slack.messagesIn(h.channels.stake));
    expect(stakeText).not.toContain("Greeting re-recorded");
  });

  it("keeps each thread's story lines in its own thread when they wait for one turn together", async () => {
    const [a, b] = await Promise.all([
      readyIncident(deps(), { title: "Queue A greeting", impact: "low", urgency: "low" }),
      readyIncident(deps(), { title: "Queue B greeting", impact: "low", urgency: "low" }),
    ]);
    const ack = (i: IncidentRow, user: string) =>
      clickButton(
        h,
        { channel: working, ts: i.threadTs!, actionId: CARD_ACTION.acknowledge, value: i.id },
        user,
      );
    await Promise.all([ack(a, USERS.lead), ack(b, USERS.duty)]);
    const story = (i: IncidentRow) =>
      h.slack.waitFor(() => {
        const text = JSON.stringify(inThread(i));
        return text.includes("acknowledged it") ? text : undefined;
      });
    const [storyA, storyB] = await Promise.all([story(a), story(b)]);
    expect(storyA).toContain(`<@${USERS.lead}> acknowledged it`);
    expect(storyA).not.toContain(`<@${USERS.duty}>`);
    expect(storyB).toContain(`<@${USERS.duty}> acknowledged it`);
    expect(storyB).not.toContain(`<@${USERS.lead}>`);
  });

  it("a stakeholder update goes to the thread and to the stakeholder channels", async () => {
    const incident = await routineIncident("Hold music silent");
    const update = await clickButton(h, {
      channel: working,
      ts: incident.threadTs!,
      actionId: CARD_ACTION.update,
      value: incident.id,
    });
    expect(update.view).toBeDefined();
    const { text, when } = formValue;
    const answer = await submitView(h, update.view!, {
      happening: text("Supplier restarting the music server"),
      customer_impact: text("Callers on hold hear silence"),
      next_update: when(new Date(Date.now() + 3_600_000)),
    });
    expect(answer).toEqual({});
    await h.slack.waitFor(() =>
      inThread(incident).find((m) => JSON.stringify(m).includes("Supplier restarting")),
    );
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(h.channels.stake)
        .find((m) => !m.thread_ts && JSON.stringify(m).includes("Supplier restarting")),
    );
  });
});

describe("promotion to a channel of its own", () => {
  it("by the card's button: one channel, its card there, a link in the thread, later notes in the channel", async () => {
    const incident = await routineIncident("Queue callback option missing");
    // Two clicks at once, as an impatient agent makes them: one channel.
    const [first, second] = await Promise.all([openChannel(incident), openChannel(incident, USERS.lead)]);
    expect(`${first.text} ${second.text}`).toMatch(/Opening a channel|already has its own channel/);
    const now = await promoted(incident);
    expect(now.promotedAt).not.toBeNull();
    expect(now.threadTs).toBe(incident.threadTs);
    expect(now.summaryTs).not.toBe(incident.threadTs);
    expect((await openChannel(incident)).text).toContain(`already has its own channel: <#${now.channelId}>`);

    const channelCard = h.slack.messagesIn(now.channelId!).find((m) => m.ts === now.summaryTs);
    expect(JSON.stringify(channelCard?.blocks)).toContain("Queue callback option missing");
    expect(JSON.stringify(channelCard?.blocks)).not.toContain(CARD_ACTION.openChannel);
    expect(h.slack.channels.get(now.channelId!)?.pins.has(now.summaryTs!)).toBe(true);

    const link = await h.slack.waitFor(() =>
      inThread(incident).find((m) => (m.text ?? "").includes(`now has its own channel: <#${now.channelId}>`)),
    );
    expect(link.text).toContain("Carry on there");
    // The thread's card points to the channel, without buttons.
    const stub = await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(working).find((x) => x.ts === incident.threadTs);
      return m?.edited ? m : undefined;
    });
    expect(JSON.stringify(stub.blocks)).toContain(`<#${now.channelId}>`);
    expect(JSON.stringify(stub.blocks)).not.toContain(CARD_ACTION.acknowledge);

    const ref = formatReference(incident.number);
    await commandReply(h, `note ${ref} Feature flag turned back on`);
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(now.channelId!)
        .find((m) => JSON.stringify(m).includes("Feature flag turned back on")),
    );
    expect(JSON.stringify(inThread(incident))).not.toContain("Feature flag turned back on");

    expect(channelsCreatedFor(incident)).toHaveLength(1);
    const log = await listLog(deps().db, incident.id);
    const promotions = log.filter((e) => e.kind === "promoted_to_channel");
    expect(promotions).toHaveLength(1);
    expect([USERS.agent, USERS.lead]).toContain(promotions[0]!.actor);
    expect(promotions[0]!.details).toMatchObject({ channel: now.channelId, via: "button" });
  });

  it("by a priority rise into the incident_channel set (re-categorised to P2)", async () => {
    const incident = await routineIncident("Web chat down for one queue");
    const form = await clickButton(h, {
      channel: working,
      ts: incident.threadTs!,
      actionId: CARD_ACTION.recategorise,
      value: incident.id,
    });
    const { text, choice } = formValue;
    expect(
      await submitView(h, form.view!, {
        impact: choice("high"),
        urgency: choice("medium"),
        priority: choice("matrix"),
        type: choice("service_failure"),
        reason: text("Three queues affected now"),
      }),
    ).toEqual({});
    const now = await promoted(incident);
    expect(now.priority).toBe("P2");
    expect(channelsCreatedFor(incident)).toHaveLength(1);
    await h.slack.waitFor(() =>
      inThread(incident).find((m) => (m.text ?? "").includes(`<#${now.channelId}>`)),
    );
    const promotion = (await listLog(deps().db, incident.id)).find((e) => e.kind === "promoted_to_channel");
    expect(promotion).toMatchObject({ actor: "system", details: { via: "priority" } });
  });

  it("by the major flag, when the promotion job was never queued (Redis down): the sweep does it", async () => {
    const incident = await routineIncident("Email queue stuck for one client");
    const offline = { ...deps(), jobs: unreachableJobs(deps().jobs) };
    const changed = await recategorise(offline, {
      incidentId: incident.id,
      actor: USERS.duty,
      changes: { major: true },
      reason: "Largest client affected",
    });
    expect(changed.ok).toBe(true);
    expect((await loadIncident(deps(), incident.id)).channelId).toBeNull();
    // Past the grace period, as the periodic sweep would see it.
    const later = { ...deps(), clock: { now: () => new Date(systemClock.now().getTime() + 60_000) } };
    expect((await sweep(later)).setups).toBeGreaterThanOrEqual(1);
    const now = await promoted(incident);
    expect(channelsCreatedFor(incident)).toHaveLength(1);
    await h.slack.waitFor(() =>
      inThread(incident).find((m) => (m.text ?? "").includes(`<#${now.channelId}>`)),
    );
    // Once linked, the sweep has nothing more to do for it.
    await sweep(later);
    expect(channelsCreatedFor(incident)).toHaveLength(1);
  });

  it("a P2 logged with a working channel configured gets its channel at once, as before", async () => {
    const incident = await readyIncident(deps(), {
      title: "Payments line down",
      impact: "high",
      urgency: "medium",
    });
    expect(incident.priority).toBe("P2");
    expect(incident.channelId).not.toBeNull();
    expect(incident.threadTs).toBeNull();
    expect(incident.promotedAt).toBeNull();
  });
});
