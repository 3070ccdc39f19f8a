import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { injectsOfRun } from "../../../src/db/queries/practice.js";
import { callerReports, type IncidentRow, incidents, practiceRuns } from "../../../src/db/schema/index.js";
import type { PracticeInject, PracticeScenario } from "../../../src/domain/policy-types.js";
import type { PracticeScore } from "../../../src/domain/practice-scoring.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { CARD_ACTION, PRACTICE_ACTION, PRACTICE_COACHING } from "../../../src/messages/ids.js";
import { publishHome } from "../../../src/services/home.js";
import { logIncident } from "../../../src/services/log-incident.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { click, form } from "../../helpers/milestone-walk.js";
import { formValue } from "../../helpers/slack-payloads.js";

const { text, choice, when } = formValue;

// P3 (impact high, urgency low) responds in 1 minute and wants an update every 2: at 5× speed
// that is 12 and 24 seconds, short enough to be late on purpose, long enough to be on time.
const SLA = `
sla:
  P1: { respond: 1m, update_every: 2m, resolve: 1h, hours: always, repeat: 1h }
  P2: { respond: 1m, update_every: 2m, resolve: 1h, hours: always, repeat: 1h }
  P3: { respond: 1m, update_every: 2m, resolve: 1h, hours: always, repeat: 1h }
  P4: { respond: 1m, update_every: 2m, resolve: 1h, hours: always, repeat: 1h }
  P5: { respond: 1m, update_every: 2m, resolve: 1h, hours: always, repeat: 1h }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sla: SLA });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const TRAINEE = USERS.agent;
const LEAD = USERS.lead;
const CALLER_REF = "ACC-448120";

function scenario(injects: PracticeInject[]): PracticeScenario {
  return {
    key: "payments_line_down",
    label: "Payments line down",
    summary: "The card payments line drops every call.",
    report: {
      title: "Card payments line drops calls",
      description: "Callers choosing card payments are cut off after the menu.",
      type: "service_failure",
      channel: "phone",
      callerSays: "I keep getting cut off when I try to pay.",
      callerReference: CALLER_REF,
    },
    expected: { type: "service_failure", impact: "high", urgency: "low", major: false },
    expects: { manualEscalation: false, briefing: false, review: false },
    injects,
    builtIn: false,
  };
}

/** A drill as `/incident practice` starts one: its run, then its incident logged by the trainee. */
async function startDrill(p: {
  injects?: PracticeInject[];
  speed: number;
  impact: "high" | "medium" | "low";
  urgency: "high" | "medium" | "low";
}): Promise<{ runId: string; incident: IncidentRow }> {
  const s = scenario(p.injects ?? []);
  const [run] = await deps()
    .db.insert(practiceRuns)
    .values({
      scenarioKey: s.key,
      scenario: { ...s } as unknown as Record<string, unknown>,
      speed: p.speed,
      leadId: LEAD,
      traineeIds: [TRAINEE],
    })
    .returning();
  const { incident } = await logIncident(deps(), {
    title: s.report.title,
    description: s.report.description,
    type: s.report.type,
    reportChannel: s.report.channel,
    impact: p.impact,
    urgency: p.urgency,
    callerReference: CALLER_REF,
    reportedAt: new Date(),
    reporterId: TRAINEE,
    practice: { runId: run!.id, speed: p.speed },
  });
  await setupCompleted(deps(), incident.id);
  return { runId: run!.id, incident: await loadIncident(deps(), incident.id) };
}

const injectPosts = (channel: string) =>
  h.slack.messages.filter((m) => m.channel === channel && String(m.text).startsWith("PRACTICE inject"));
const debriefPosts = (channel: string) =>
  h.slack.messages.filter((m) => m.channel === channel && String(m.text).startsWith("Practice debrief"));

async function runOf(runId: string) {
  const [run] = await deps().db.select().from(practiceRuns).where(eq(practiceRuns.id, runId));
  return run!;
}

describe("a drill's injects", () => {
  it("arrive in the practice channel in order, once each, with the callers as caller reports", async () => {
    // At 30×, 30 s, 1 m and 1m30s of script arrive 1, 2 and 3 seconds into the drill.
    const { runId, incident } = await startDrill({
      speed: 30,
      impact: "high",
      urgency: "low",
      injects: [
        { afterMs: 30_000, kind: "callers", callers: 3, text: "Three more callers are cut off." },
        { afterMs: 60_000, kind: "stakeholder_asks", text: "Any news on the payments line?" },
        { afterMs: 90_000, kind: "system_back", text: "Payments calls connect again." },
      ],
    });
    const channel = incident.channelId!;
    await eventually("three injects posted", async () => injectPosts(channel).length >= 3 || undefined, {
      timeoutMs: 30_000,
    });
    const posts = injectPosts(channel).map((m) => String(m.text));
    expect(posts).toEqual([
      "PRACTICE inject 1: Three more callers are cut off.",
      "PRACTICE inject 2: Any news on the payments line?",
      "PRACTICE inject 3: Payments calls connect again.",
    ]);
    // The stakeholder's ask names where it would have come from, and went nowhere else.
    const ask = injectPosts(channel)[1]!;
    expect(JSON.stringify(ask.blocks)).toContain(`would be in <#${h.channels.stake}>`);
    const rows = await injectsOfRun(deps().db, runId);
    expect(rows.map((r) => r.postedAt !== null)).toEqual([true, true, true]);
    const reports = await deps()
      .db.select()
      .from(callerReports)
      .where(eq(callerReports.incidentId, incident.id));
    // The caller who reported it first, and the three the inject added as the bot.
    expect(reports).toHaveLength(4);
    expect(reports.filter((r) => r.reportedBy === "system")).toHaveLength(3);
    const log = await listLog(deps().db, incident.id);
    expect(log.filter((e) => e.kind === "practice_inject_posted").map((e) => e.details)).toEqual([
      { position: 0, kind: "callers", callers: 3 },
      { position: 1, kind: "stakeholder_asks" },
      { position: 2, kind: "system_back" },
    ]);
    // Settled: nothing more arrives (a twin or retried job would have posted by now).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(injectPosts(channel)).toHaveLength(3);
  }, 60_000);

  it("stop when the lead ends the drill", async () => {
    const { runId, incident } = await startDrill({
      speed: 30,
      impact: "high",
      urgency: "low",
      injects: [
        { afterMs: 30_000, kind: "note", text: "First." },
        { afterMs: 60 * 60_000, kind: "note", text: "An hour in: never reached." },
      ],
    });
    const channel = incident.channelId!;
    await eventually("first inject", async () => injectPosts(channel).length >= 1 || undefined, {
      timeoutMs: 30_000,
    });
    await h.command("practice end", { channel, user: LEAD });
    await eventually("debrief posted", async () => debriefPosts(channel).length >= 1 || undefined, {
      timeoutMs: 30_000,
    });
    const rows = await injectsOfRun(deps().db, runId);
    expect(rows[1]?.postedAt).toBeNull();
    // The sweep, run as after a Redis loss, queues nothing for a drill that ended.
    await sweep(deps(), { graceMs: 0 });
    expect(injectPosts(channel)).toHaveLength(1);
  }, 60_000);
});

describe("a drill's debrief", () => {
  it("scores a well-run drill met on every point that applies, posts it once, and takes coaching notes", async () => {
    const { runId, incident } = await startDrill({ speed: 5, impact: "high", urgency: "low" });
    const channel = incident.channelId!;
    await click(h, incident, CARD_ACTION.acknowledge, TRAINEE);
    await form(
      h,
      incident,
      CARD_ACTION.update,
      {
        happening: text("Payments supplier is rerouting calls"),
        customer_impact: text("Callers paying by card are cut off"),
        next_update: when(new Date(Date.now() + 30 * 60_000)),
      },
      TRAINEE,
    );
    const resolve = { resolution_summary: text("Supplier fixed the route"), close_code: choice("fixed") };
    await form(h, incident, CARD_ACTION.resolve, resolve, LEAD);
    await eventually("resolved", async () => (await loadIncident(deps(), incident.id)).status === "resolved");
    const closed = await click(h, incident, CARD_ACTION.close, LEAD);
    expect(closed.text).toContain("Closed");

    await eventually("debrief posted", async () => debriefPosts(channel).length >= 1 || undefined, {
      timeoutMs: 30_000,
    });
    const run = await runOf(runId);
    const score = (run.debrief as { score: PracticeScore }).score;
    const byPoint = Object.fromEntries(score.points.map((p) => [p.point, p.score]));
    expect(byPoint).toEqual({
      logged: "met",
      priority: "met",
      acknowledged: "met",
      updates: "met",
      briefing: "not_applicable",
      escalation: "not_applicable",
      personal_data: "met",
      resolved: "met",
      review: "not_applicable",
    });
    expect(run.score).toBe(1);
    expect(run.endedBy).toBe(LEAD);

    // Ending it again changes nothing and posts no second debrief.
    const before = h.slack.responses.length;
    await h.command("practice end", { channel, user: LEAD });
    const reply = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    expect(String(reply.body.text)).toContain("had already ended");
    expect(debriefPosts(channel)).toHaveLength(1);
    const log = await listLog(deps().db, incident.id);
    expect(log.filter((e) => e.kind === "practice_debriefed")).toHaveLength(1);

    // Coaching notes: the trainee may not write them; the lead's are saved, logged and shown.
    const debrief = debriefPosts(channel)[0]!;
    const button = {
      channel,
      ts: String(debrief.ts),
      actionId: PRACTICE_ACTION.coachingNotes,
      value: incident.id,
    };
    const refused = await clickButton(h, button, TRAINEE);
    expect(refused.text).toContain("Only the drill's lead");
    const opened = await clickButton(h, button, LEAD);
    expect(opened.view?.view.callback_id).toBe(PRACTICE_COACHING.view);
    const notes = "Good pace. Next time brief the floor before the first update.";
    expect(
      await submitView(h, opened.view!, { [PRACTICE_COACHING.notes]: { notes: text(notes).value } }, LEAD),
    ).toEqual({});
    await eventually("notes saved", async () => (await runOf(runId)).coachingNotes === notes || undefined);
    await h.slack.waitFor(() =>
      h.slack.calls.find(
        (c) =>
          c.method === "chat.update" &&
          c.args.ts === debrief.ts &&
          JSON.stringify(c.args).includes("Good pace"),
      ),
    );
    const after = await listLog(deps().db, incident.id);
    const coached = after.filter((e) => e.kind === "practice_coaching_added");
    expect(coached).toHaveLength(1);
    expect(JSON.stringify(coached[0]?.details)).not.toContain("Good pace");
  }, 90_000);

  it("misses the points of a badly-run drill, with the evidence", async () => {
    // Logged as P5 (the matrix gives P3), acknowledged after the scaled 12 s respond SLA, no
    // update while the 24 s cadence ran out, and the caller's reference pasted into a note.
    const { runId, incident } = await startDrill({ speed: 5, impact: "low", urgency: "low" });
    const channel = incident.channelId!;
    const respondDue = incident.loggedAt.getTime() + 12_000;
    await eventually("past the respond SLA", async () => Date.now() > respondDue + 500 || undefined, {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    await click(h, incident, CARD_ACTION.acknowledge, TRAINEE);
    const before = h.slack.responses.length;
    await h.command(`note Called back ${CALLER_REF} about the payments line`, { channel, user: TRAINEE });
    await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    const updateDue = incident.loggedAt.getTime() + 24_000;
    await eventually("past the update cadence", async () => Date.now() > updateDue + 500 || undefined, {
      timeoutMs: 40_000,
      intervalMs: 250,
    });
    await h.command("practice end", { channel, user: LEAD });
    await eventually("debrief posted", async () => debriefPosts(channel).length >= 1 || undefined, {
      timeoutMs: 30_000,
    });
    const run = await runOf(runId);
    const points = Object.fromEntries(
      (run.debrief as { score: PracticeScore }).score.points.map((p) => [p.point, p]),
    );
    expect(points.priority?.score).toBe("missed");
    expect(points.priority?.evidence).toContain("Priority is P5");
    expect(points.acknowledged?.score).toBe("missed");
    expect(points.acknowledged?.evidence).toMatch(/late/);
    expect(points.updates?.score).toBe("missed");
    expect(points.updates?.evidence).toContain("No stakeholder update");
    expect(points.personal_data?.score).toBe("missed");
    expect(points.personal_data?.evidence).toContain("A note");
    expect(points.personal_data?.evidence).not.toContain(CALLER_REF);
    expect(points.resolved?.score).toBe("missed");
    expect(run.score).toBeLessThan(0.5);
    // The debrief in the channel says so too, and never repeats the reference.
    const posted = JSON.stringify(debriefPosts(channel)[0]?.blocks);
    expect(posted).toContain("Priority matches the matrix");
    expect(posted).not.toContain(CALLER_REF);
  }, 120_000);
});

describe("a drill closed while its end job was lost", () => {
  it("gets its debrief from the sweep", async () => {
    const { runId, incident } = await startDrill({ speed: 5, impact: "high", urgency: "low" });
    // As if the close committed and Redis lost the end job before it ran.
    await deps()
      .db.update(incidents)
      .set({ status: "closed", closedAt: new Date(Date.now() - 60_000) })
      .where(eq(incidents.id, incident.id));
    expect((await runOf(runId)).debrief).toBeNull();
    await sweep(deps(), { graceMs: 0 });
    await eventually(
      "debrief posted",
      async () => debriefPosts(incident.channelId!).length >= 1 || undefined,
      {
        timeoutMs: 30_000,
      },
    );
    const run = await runOf(runId);
    expect(run.endedBy).toBe("system");
    expect(debriefPosts(incident.channelId!)).toHaveLength(1);
  }, 60_000);
});

describe("/incident practice history", () => {
  it("shows the trainee's drills and trend to them and their lead, and refuses others", async () => {
    const ask = async (text: string, user: string) => {
      const before = h.slack.responses.length;
      await h.command(text, { user });
      return (await h.slack.waitFor(() => h.slack.responses.slice(before)[0])).body;
    };
    await eventually(
      "two debriefed drills",
      async () => {
        const runs = await deps().db.select().from(practiceRuns);
        return runs.filter((r) => r.debrief).length >= 2 || undefined;
      },
      { timeoutMs: 5_000 },
    );
    const mine = await ask("practice history", TRAINEE);
    expect(String(mine.text)).toContain(`Practice drills of <@${TRAINEE}>`);
    expect(JSON.stringify(mine.blocks)).toContain("Payments line down");
    expect(JSON.stringify(mine.blocks)).toMatch(/(Up|Down|Steady) .* over the last \d drills/);
    const lead = await ask(`practice history <@${TRAINEE}>`, LEAD);
    expect(String(lead.text)).toContain(`Practice drills of <@${TRAINEE}>`);
    const other = await ask(`practice history <@${TRAINEE}>`, USERS.other);
    expect(String(other.text)).toContain("Only");
    expect(other.blocks).toBeUndefined();

    // The team lead's Home lists the team's recent drills; another user's does not.
    const homeOf = async (user: string) => {
      const before = h.slack.callsTo("views.publish").length;
      await publishHome(deps(), user);
      const call = h.slack
        .callsTo("views.publish")
        .slice(before)
        .find((c) => c.args.user_id === user);
      return JSON.stringify(call?.args.view);
    };
    const leadHome = await homeOf(LEAD);
    expect(leadHome).toContain("Your team's recent drills");
    expect(leadHome).toContain("Payments line down");
    expect(await homeOf(USERS.other)).not.toContain("recent drills");
  }, 30_000);
});
