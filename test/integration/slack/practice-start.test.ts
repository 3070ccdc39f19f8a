import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { incidentLog, incidents, practiceRuns, slaClocks } from "../../../src/db/schema/index.js";
import { scenarioFor } from "../../../src/domain/practice-scenarios.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { PRACTICE_FIELDS as F, VIEW } from "../../../src/messages/ids.js";
import { recategorise } from "../../../src/services/recategorise.js";
import { loadIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply, submitView } from "../../helpers/interact.js";
import { formValue } from "../../helpers/slack-payloads.js";

const { choice } = formValue;
const LEAD = USERS.lead;
const TRAINEE = USERS.agent;
const SECOND = USERS.other;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

/** Runs `/incident practice` as `user` and returns the form the bot opened. */
async function openPracticeForm(user: string): Promise<FakeView> {
  const before = h.slack.views.length;
  expect((await h.command("practice", { user })).status).toBe(200);
  return h.slack.waitFor(() =>
    h.slack.views.slice(before).find((v) => v.user === user && v.view.callback_id === VIEW.practiceStart),
  );
}

const practiceState = (p: { scenario: string; trainees: string[]; speed: string }) => ({
  [F.scenario]: choice(p.scenario),
  [F.trainees]: { value: { type: "multi_users_select", selected_users: p.trainees } },
  [F.speed]: choice(p.speed),
});

describe("/incident practice", () => {
  it("is refused, plainly, to someone who may not run drills", async () => {
    const before = h.slack.views.length;
    const reply = await commandReply(h, "practice", { user: TRAINEE });
    expect(reply).toContain("Only a team lead");
    expect(reply).toContain("start a practice drill");
    expect(h.slack.views.length).toBe(before);
  });

  it("offers the scenarios, trainees and speeds (10× unless chosen)", async () => {
    const form = await openPracticeForm(LEAD);
    const json = JSON.stringify(form.view.blocks);
    expect(json).toContain("telephony_outage_flood");
    expect(json).toContain("Phones down, callers flooding in");
    expect(json).toContain("multi_users_select");
    const speed = (
      form.view.blocks as Array<{ block_id?: string; element?: { initial_option?: { value: string } } }>
    ).find((b) => b.block_id === F.speed);
    expect(speed?.element?.initial_option?.value).toBe("10");
  });

  it("starts one drill at 30×: practice channel, PRACTICE card, the trainee reports, clocks a thirtieth", async () => {
    const form = await openPracticeForm(LEAD);
    const state = practiceState({
      scenario: "telephony_outage_flood",
      trainees: [TRAINEE, SECOND],
      speed: "30",
    });
    const answer = (await submitView(h, form, state, LEAD)) as { response_action?: string; view?: unknown };
    expect(answer.response_action).toBe("update");
    expect(JSON.stringify(answer.view)).toContain("Practice drill");
    // Submitted again (a double click, Slack's retry): the same drill, nothing more.
    const again = (await submitView(h, form, state, LEAD)) as { view?: unknown };
    expect(JSON.stringify(again.view)).toContain("already started");
    const runs = await deps().db.select().from(practiceRuns);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run).toMatchObject({
      speed: 30,
      leadId: LEAD,
      traineeIds: [TRAINEE, SECOND],
      scenarioKey: "telephony_outage_flood",
    });
    const drills = await deps().db.select().from(incidents).where(eq(incidents.practiceRunId, run.id));
    expect(drills).toHaveLength(1);
    const logged = drills[0]!;
    await setupCompleted(deps(), logged.id);
    const incident = await loadIncident(deps(), logged.id);
    const ref = formatReference(incident.number);

    // The trainee reports it, as first reported (low × low): classifying it is their job.
    const scenario = scenarioFor(h.policy, "telephony_outage_flood")!;
    expect(incident).toMatchObject({
      reporterId: TRAINEE,
      title: scenario.report.title,
      type: scenario.report.type,
      impact: "low",
      urgency: "low",
      practiceSpeed: 30,
    });
    const [created] = await deps()
      .db.select()
      .from(incidentLog)
      .where(eq(incidentLog.incidentId, incident.id))
      .orderBy(incidentLog.id);
    expect(created).toMatchObject({ kind: "created", actor: LEAD });

    // Its own practice channel, with the lead and both trainees in it.
    expect(incident.channelName).toMatch(new RegExp(`^practice-${ref.slice(4)}-main-number`));
    const channel = h.slack.channels.get(incident.channelId!);
    for (const user of [LEAD, TRAINEE, SECOND]) expect(channel?.members.has(user)).toBe(true);

    // The card says PRACTICE and who runs it; the intro says how to end it.
    const posts = h.slack.messagesIn(incident.channelId!);
    const card = posts.find((m) => m.ts === incident.summaryTs);
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain(`PRACTICE · ${ref} · ${incident.priority}`);
    expect(cardJson).toContain(
      `Practice drill run by <@${LEAD}> for <@${TRAINEE}>, <@${SECOND}> · 30× speed · nothing leaves this channel`,
    );
    const intro = await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find((m) => JSON.stringify(m.blocks ?? []).includes("PRACTICE DRILL")),
    );
    expect(JSON.stringify(intro.blocks)).toContain("/incident practice end");
    expect(JSON.stringify(intro.blocks)).toContain("30× faster");

    // The respond clock is a thirtieth of the policy's, in calendar time.
    const clocks = await deps().db.select().from(slaClocks).where(eq(slaClocks.incidentId, incident.id));
    const respond = clocks.find((c) => c.name === "respond")!;
    expect(respond.durationMs).toBe(h.policy.sla[incident.priority].respondMs / 30);
    expect(respond.hours).toBe("always");
    expect(respond.dueAt.getTime() - incident.loggedAt.getTime()).toBe(respond.durationMs);

    // The trainee classifies it (P1): the re-planned clock still runs at 30×, from logging.
    const changed = await recategorise(deps(), {
      incidentId: incident.id,
      actor: TRAINEE,
      changes: { impact: "high", urgency: "high" },
      reason: "Every caller affected",
    });
    expect(changed.ok).toBe(true);
    const classified = await loadIncident(deps(), incident.id);
    expect(classified.priority).toBe("P1");
    expect(classified.respondDueAt!.getTime() - incident.loggedAt.getTime()).toBe(
      h.policy.sla.P1.respondMs / 30,
    );

    // The scenario's first inject (2 minutes in) arrives in the channel at 30×: about 4 s.
    await h.slack.waitFor(
      () =>
        h.slack.messagesIn(incident.channelId!).find((m) => String(m.text).startsWith("PRACTICE inject 1:")),
      { timeoutMs: 30_000 },
    );

    // /incident show in its channel: marked too.
    const shown = await commandReply(h, "show", { user: TRAINEE, channel: incident.channelId! });
    expect(shown).toContain(`PRACTICE · ${ref}`);
  });

  it("starts one drill when the same form arrives twice at once", async () => {
    const form = await openPracticeForm(LEAD);
    const state = practiceState({ scenario: "complaint_escalates", trainees: [TRAINEE], speed: "5" });
    const before = (await deps().db.select().from(practiceRuns)).length;
    const answers = await Promise.all([submitView(h, form, state, LEAD), submitView(h, form, state, LEAD)]);
    for (const answer of answers) expect(answer.response_action).toBe("update");
    const runs = await deps()
      .db.select()
      .from(practiceRuns)
      .where(eq(practiceRuns.submissionKey, form.view.id));
    expect(runs).toHaveLength(1);
    expect(await deps().db.select().from(practiceRuns)).toHaveLength(before + 1);
    const drills = await deps().db.select().from(incidents).where(eq(incidents.practiceRunId, runs[0]!.id));
    expect(drills).toHaveLength(1);
    expect(drills[0]!.practiceSpeed).toBe(5);
  });

  it("refuses a forged submission from someone who may not run drills, starting nothing", async () => {
    const form = await openPracticeForm(LEAD);
    const before = (await deps().db.select().from(practiceRuns)).length;
    const answer = await submitView(
      h,
      form,
      practiceState({ scenario: "telephony_outage_flood", trainees: [TRAINEE], speed: "10" }),
      TRAINEE,
    );
    expect(answer.response_action).toBe("errors");
    expect(JSON.stringify(answer.errors)).toContain("Only a team lead");
    expect(await deps().db.select().from(practiceRuns)).toHaveLength(before);
  });

  it("asks for a trainee when none is chosen", async () => {
    const form = await openPracticeForm(LEAD);
    const answer = await submitView(
      h,
      form,
      practiceState({ scenario: "telephony_outage_flood", trainees: [], speed: "10" }),
      LEAD,
    );
    expect(answer).toMatchObject({
      response_action: "errors",
      errors: { [F.trainees]: "Choose at least one trainee." },
    });
  });
});
