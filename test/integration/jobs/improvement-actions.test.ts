import { and, eq } from "drizzle-orm";
import { Redis } from "ioredis";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertActions } from "../../../src/db/queries/improvement-actions.js";
import { listLog } from "../../../src/db/queries/incident-log.js";
import {
  actionEvents,
  type ImprovementActionRow,
  improvementActions,
  incidents,
} from "../../../src/db/schema/index.js";
import { RetryLater } from "../../../src/delivery/retry-later.js";
import { jobIds } from "../../../src/jobs/catalog.js";
import { reconcileActions } from "../../../src/jobs/reconcile-actions.js";
import { ACTION_FIELDS, IMPROVEMENT_ACTION } from "../../../src/messages/ids.js";
import { fireActionStep } from "../../../src/services/action-fire.js";
import { followUpActions } from "../../../src/services/improvement-actions.js";
import { eventually } from "../../helpers/eventually.js";
import { makeIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { TEST_REDIS_URL } from "../../helpers/services.js";
import { settled } from "../../helpers/settled.js";
import { buttonClick, viewSubmission } from "../../helpers/slack-payloads.js";

/** Seconds-long reminders: 2 s before the deadline, escalated 2 s after it. */
const REMIND_MS = 2_000;
const ESCALATE_MS = 2_000;
const withShortActions = (yaml: string) =>
  `${yaml}\nimprovement_actions:\n  remind_before: 2s\n  escalate_after: 2s\n`;

let h: Harness;
beforeAll(async () => {
  // No periodic sweep: the reconciler runs only where a test calls it.
  h = await startHarness({ sweepIntervalMs: 3_600_000, editPolicy: withShortActions });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const ref = (a: ImprovementActionRow) => `ACT-${a.number}`;
const londonDate = (plusDays: number) =>
  DateTime.now().setZone("Europe/London").plus({ days: plusDays }).toISODate()!;

/**
 * An action owned by the agent on a fresh incident, the way a review records it, with its
 * deadline pulled to `dueInMs` from now (due dates are whole days; the test needs seconds).
 */
async function createAction(
  dueInMs: number,
  p: { owner?: string; followUp?: boolean; description?: string } = {},
): Promise<ImprovementActionRow> {
  const { incident } = await makeIncident(deps(), { title: "Carrier outage" });
  const [row] = await deps().db.transaction((tx) =>
    insertActions(tx, deps().policy, {
      incidentId: incident.id,
      reviewId: null,
      actor: USERS.lead,
      actions: [
        {
          description: p.description ?? "Add a second SIP carrier",
          ownerId: p.owner ?? USERS.agent,
          dueOn: londonDate(1),
        },
      ],
    }),
  );
  const [action] = await deps()
    .db.update(improvementActions)
    .set({ dueAt: new Date(Date.now() + dueInMs) })
    .where(eq(improvementActions.id, row!.id))
    .returning();
  if (p.followUp !== false) await followUpActions(deps(), [action!.id]);
  return action!;
}

async function load(id: string): Promise<ImprovementActionRow> {
  const [row] = await deps().db.select().from(improvementActions).where(eq(improvementActions.id, id));
  return row!;
}

/** DMs mentioning the action, with who received each. */
function dms(action: ImprovementActionRow, contains = "") {
  return h.slack.messages
    .filter(
      (m) =>
        m.channel.startsWith("D") &&
        new RegExp(`\\b${ref(action)}\\b`).test(String(m.text)) &&
        String(m.text).includes(contains),
    )
    .map((m) => ({
      ...m,
      to: [...(h.slack.channels.get(m.channel)?.members ?? [])].find((u) => u !== "U0BOT"),
    }));
}

/** The owner's overdue notices (the lead's escalation also says "overdue"). */
const overdueDms = (action: ImprovementActionRow) => dms(action, `${ref(action)} is overdue`);

const atMs = (ts: string) => Number(ts) * 1000;

async function logOf(action: ImprovementActionRow, kind: string) {
  return (await listLog(deps().db, action.incidentId)).filter(
    (e) => e.kind === kind && e.details.actionId === action.id,
  );
}

/** Clicks a button on a DM through the real Bolt receiver; returns what was posted to response_url. */
async function click(
  dm: { channel: string; ts: string },
  actionId: string,
  action: ImprovementActionRow,
  user: string,
  actionTs?: string,
) {
  const triggerId = h.slack.issueTrigger({ user });
  const responseUrl = h.slack.responseUrl();
  const res = await h.action(
    buttonClick({
      user,
      channel: dm.channel,
      messageTs: dm.ts,
      actionId,
      value: action.id,
      triggerId,
      responseUrl,
      actionTs,
    }),
  );
  expect(res.status).toBe(200);
  return { triggerId, responseUrl };
}

const responseTo = (url: string) =>
  h.slack.waitFor(() => h.slack.responses.find((r) => r.url === url)?.body as Record<string, unknown>);

describe("reminders of an improvement action", () => {
  it("reminds before the due date, marks it overdue at it and escalates to the team lead after the grace period, each once and none early", async () => {
    const action = await createAction(4_000);
    const dueAt = action.dueAt.getTime();
    const assigned = await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    expect(assigned.to).toBe(USERS.agent);

    const escalation = await h.slack.waitFor(() => dms(action, "owned by")[0], { timeoutMs: 30_000 });
    // Every step job due has run and every post of the incident is out: a double would be in.
    await settled(deps(), { incidentIds: [action.incidentId] });
    const reminders = dms(action, "Reminder:");
    const overdue = overdueDms(action);
    const escalations = dms(action, "owned by");
    expect(reminders.map((m) => m.to)).toEqual([USERS.agent]);
    expect(overdue.map((m) => m.to)).toEqual([USERS.agent]);
    // The agent is on no team: their team lead is the holder of team_lead.
    expect(escalations.map((m) => m.to)).toEqual([USERS.lead]);
    expect(escalation.text).toContain(`<@${USERS.agent}>`);
    expect(JSON.stringify(escalation.blocks)).toContain("INC-");

    // None early; how late (tens of ms idle) is for `npm run bench`: on a loaded 2-core machine
    // a timer's DM has come seconds late, so this bound only catches a step that stalls.
    const planned = [dueAt - REMIND_MS, dueAt, dueAt + ESCALATE_MS];
    [reminders[0]!, overdue[0]!, escalations[0]!].forEach((m, i) => {
      expect(atMs(m.ts)).toBeGreaterThanOrEqual(planned[i]! - 50);
      expect(atMs(m.ts)).toBeLessThan(planned[i]! + 10_000);
    });

    for (const kind of ["action_reminded", "action_overdue", "action_escalated"]) {
      expect(await logOf(action, kind)).toHaveLength(1);
    }
    const [escalated] = await logOf(action, "action_escalated");
    expect(escalated!.details.to).toEqual([USERS.lead]);
    const events = await deps().db.select().from(actionEvents).where(eq(actionEvents.actionId, action.id));
    expect(events.map((e) => e.step).sort()).toEqual(["escalate", "overdue", "remind"]);
    const after = await load(action.id);
    expect(after.remindedAt && after.overdueAt && after.escalatedAt).toBeTruthy();
    expect(after.nextStep).toBeNull();

    // A redelivered job for a step that fired changes nothing.
    expect(await fireActionStep(deps(), { actionId: action.id, generation: 1, step: "overdue" })).toBe(
      "stale",
    );
    expect(overdueDms(action)).toHaveLength(1);
  });

  it("an action given with less than remind_before left gets no separate reminder", async () => {
    const action = await createAction(1_000);
    const assigned = await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    expect(JSON.stringify(assigned.blocks)).toContain("no separate reminder");
    await h.slack.waitFor(() => overdueDms(action)[0], { timeoutMs: 10_000 });
    expect(dms(action, "Reminder:")).toHaveLength(0);
  });
});

describe("Mark done", () => {
  it("from the DM stops every further reminder; the pending job does nothing", async () => {
    const action = await createAction(6_000);
    const assigned = await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    const jobId = jobIds.actionStep(action.id, 1, "remind");
    expect(await deps().jobs.queue("actions").getJob(jobId)).toBeTruthy();

    const { responseUrl } = await click(
      assigned,
      IMPROVEMENT_ACTION.markDone,
      action,
      USERS.agent,
      "1700000000.000100",
    );
    const body = await responseTo(responseUrl);
    expect(body.replace_original).toBe(true);
    expect(JSON.stringify(body.blocks)).toContain("Done");
    expect(JSON.stringify(body.blocks)).not.toContain(IMPROVEMENT_ACTION.markDone);

    const done = await load(action.id);
    expect(done.status).toBe("done");
    expect(done.doneBy).toBe(USERS.agent);
    expect(done.generation).toBe(2);
    expect(await deps().jobs.queue("actions").getJob(jobId)).toBeFalsy();
    expect(await logOf(action, "action_done")).toHaveLength(1);

    // Slack redelivers the same click: nothing more happens.
    const again = await click(
      assigned,
      IMPROVEMENT_ACTION.markDone,
      action,
      USERS.agent,
      "1700000000.000100",
    );
    expect((await responseTo(again.responseUrl)).text).toBe("Already done.");
    expect(await logOf(action, "action_done")).toHaveLength(1);

    // A job armed before the click (here run by hand) finds the action moved on.
    expect(await fireActionStep(deps(), { actionId: action.id, generation: 1, step: "remind" })).toBe(
      "stale",
    );
    // The old reminder and due times pass, and every job due by then has run.
    await settled(deps(), { until: action.dueAt.getTime() + 1_000 });
    expect(dms(action, "Reminder:")).toHaveLength(0);
    expect(overdueDms(action)).toHaveLength(0);
    expect(await logOf(action, "action_reminded")).toHaveLength(0);
  });

  it("is refused to someone who is neither the owner, their lead nor a manager", async () => {
    const action = await createAction(60_000);
    const assigned = await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    const { responseUrl } = await click(assigned, IMPROVEMENT_ACTION.markDone, action, USERS.other);
    expect(String((await responseTo(responseUrl)).text)).toContain("Only <@U0AGENT>");
    expect((await load(action.id)).status).toBe("open");
  });
});

describe("Propose new date", () => {
  it("moves the due date and re-plans the reminders from it; the incident owner is told", async () => {
    // Time enough to move it before the first reminder (6 s from now).
    const action = await createAction(8_000);
    await deps().db.update(incidents).set({ ownerId: USERS.duty }).where(eq(incidents.id, action.incidentId));
    const assigned = await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    const { triggerId } = await click(assigned, IMPROVEMENT_ACTION.proposeDate, action, USERS.lead);
    const view = await h.slack.waitFor(() => h.slack.views.find((v) => v.triggerId === triggerId));

    const state = (date: string, reason: string) => ({
      [ACTION_FIELDS.dueOn]: { value: { type: "datepicker", selected_date: date } },
      [ACTION_FIELDS.reason]: { value: { type: "plain_text_input", value: reason } },
    });
    // A past date keeps the form open with the reason on the date field; nothing changes.
    const refused = await h.action(
      viewSubmission({ user: USERS.lead, opened: view, state: state(londonDate(-1), "x") }),
    );
    expect(JSON.parse(await refused.text())).toMatchObject({
      response_action: "errors",
      errors: { [ACTION_FIELDS.dueOn]: "The new date cannot be in the past." },
    });
    expect((await load(action.id)).generation).toBe(1);

    const newDate = londonDate(10);
    const res = await h.action(
      viewSubmission({
        user: USERS.lead,
        opened: view,
        state: state(newDate, "Carrier contract signs next week"),
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");

    const moved = await load(action.id);
    const newDueAt = DateTime.fromISO(newDate, { zone: "Europe/London" }).plus({ days: 1 }).toMillis();
    expect(moved.dueOn).toBe(newDate);
    expect(moved.dueAt.getTime()).toBe(newDueAt);
    expect(moved.generation).toBe(2);
    expect(moved.nextStep).toBe("remind");
    expect(moved.nextStepAt!.getTime()).toBe(newDueAt - REMIND_MS);
    expect(
      await deps()
        .jobs.queue("actions")
        .getJob(jobIds.actionStep(action.id, 1, "remind")),
    ).toBeFalsy();
    const [log] = await logOf(action, "action_rescheduled");
    expect(log).toMatchObject({ actor: USERS.lead, details: { from: action.dueOn, to: newDate } });
    expect(log!.details.reason).toBe("Carrier contract signs next week");

    // The incident owner and the action's owner hear of it; the lead who moved it does not.
    const notices = await h.slack.waitFor(() => {
      const found = dms(action, "moved to");
      return found.length >= 2 ? found : undefined;
    });
    expect(notices.map((n) => n.to).sort()).toEqual([USERS.agent, USERS.duty].sort());

    // Nothing fires at the old times...
    await settled(deps(), { until: action.dueAt.getTime() + ESCALATE_MS + 500 });
    expect(dms(action, "owned by")).toHaveLength(0);
    expect(dms(action, "Reminder:")).toHaveLength(0);
    expect(overdueDms(action)).toHaveLength(0);
    // ...and the reminder of the new generation is armed for the new date once in range.
    await reconcileActions(deps(), { horizonMs: 30 * 86_400_000 });
    const job = await deps()
      .jobs.queue("actions")
      .getJob(jobIds.actionStep(action.id, 2, "remind"));
    expect(job).toBeTruthy();
    expect(job!.timestamp + job!.opts.delay!).toBeGreaterThanOrEqual(newDueAt - REMIND_MS - 50);
    expect(job!.timestamp + job!.opts.delay!).toBeLessThanOrEqual(newDueAt - REMIND_MS + 50);
    await deps().jobs.queue("actions").remove(job!.id!);
  });

  it("makes an overdue action no longer overdue when moved later", async () => {
    const action = await createAction(-1_000, { description: "Overdue then moved" });
    await h.slack.waitFor(() => overdueDms(action)[0]);
    const assigned = dms(action, "New improvement action")[0]!;
    const { triggerId } = await click(assigned, IMPROVEMENT_ACTION.proposeDate, action, USERS.agent);
    const view = await h.slack.waitFor(() => h.slack.views.find((v) => v.triggerId === triggerId));
    await h.action(
      viewSubmission({
        user: USERS.agent,
        opened: view,
        state: {
          [ACTION_FIELDS.dueOn]: { value: { type: "datepicker", selected_date: londonDate(5) } },
          [ACTION_FIELDS.reason]: { value: { type: "plain_text_input", value: "Waiting on the vendor" } },
        },
      }),
    );
    const moved = await eventually("the new date", async () => {
      const row = await load(action.id);
      return row.generation === 2 ? row : undefined;
    });
    expect(moved.overdueAt).toBeNull();
    expect(moved.nextStep).toBe("remind");
    expect(moved.dueAt.getTime()).toBeGreaterThan(Date.now());
  });
});

describe("rebuilding from PostgreSQL", () => {
  it("re-arms the jobs after Redis lost them, and the reminder still comes exactly once", async () => {
    const action = await createAction(6_000);
    const queue = deps().jobs.queue("actions");
    const jobId = jobIds.actionStep(action.id, 1, "remind");
    expect(await queue.getJob(jobId)).toBeTruthy();
    await queue.obliterate({ force: true });
    expect(await queue.getJob(jobId)).toBeFalsy();

    const first = await reconcileActions(deps());
    expect(first.added).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob(jobId)).toBeTruthy();
    // A second pass (another worker, the next interval) adds nothing.
    const second = await reconcileActions(deps());
    expect(second.added).toBe(0);

    const reminder = await h.slack.waitFor(() => dms(action, "Reminder:")[0], { timeoutMs: 10_000 });
    expect(atMs(reminder.ts)).toBeGreaterThanOrEqual(action.dueAt.getTime() - REMIND_MS - 50);
    await h.slack.waitFor(() => overdueDms(action)[0], { timeoutMs: 10_000 });
    await reconcileActions(deps());
    await settled(deps(), { incidentIds: [action.incidentId] });
    expect(dms(action, "Reminder:")).toHaveLength(1);
    expect(await logOf(action, "action_reminded")).toHaveLength(1);
  });

  it("follows up an action whose creator died before sending the assignment DM", async () => {
    const action = await createAction(60_000, { followUp: false });
    expect((await load(action.id)).nextStep).toBeNull();
    await reconcileActions(deps(), { followUpGraceMs: 0 });
    const assigned = await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    expect(assigned.to).toBe(USERS.agent);
    const planned = await load(action.id);
    expect(planned.nextStep).toBe("remind");
    // A job run ahead of its time (a producer whose clock runs fast) waits instead of firing.
    await expect(
      fireActionStep(deps(), { actionId: action.id, generation: 1, step: "remind" }),
    ).rejects.toBeInstanceOf(RetryLater);
    expect(await logOf(action, "action_reminded")).toHaveLength(0);
    // Following up again (the reconciler, a retry) sends nothing twice.
    await followUpActions(deps(), [action.id]);
    await reconcileActions(deps(), { followUpGraceMs: 0 });
    await settled(deps(), { incidentIds: [action.incidentId] });
    expect(dms(action, "New improvement action")).toHaveLength(1);
    await deps()
      .db.update(improvementActions)
      .set({ status: "cancelled" })
      .where(and(eq(improvementActions.id, action.id)));
  });
});

describe("/incident actions", () => {
  async function reply(text: string, user: string) {
    const before = h.slack.responses.length;
    const res = await h.command(text, { user });
    expect(res.status).toBe(200);
    const r = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    return { text: String(r.body.text), body: JSON.stringify(r.body) };
  }

  it("lists mine, overdue and all open actions", async () => {
    // Settle what earlier tests left open so the lists are exactly these.
    await deps().db.update(improvementActions).set({ status: "cancelled", nextStep: null });
    const mineOverdue = await createAction(-3_600_000, { description: "Mine and overdue" });
    const mineOpen = await createAction(3 * 86_400_000, { description: "Mine, on time" });
    const theirs = await createAction(-7_200_000, { owner: USERS.other, description: "Theirs and overdue" });
    const done = await createAction(86_400_000, { description: "Already finished" });
    await deps()
      .db.update(improvementActions)
      .set({ status: "done" })
      .where(eq(improvementActions.id, done.id));

    const mine = await reply("actions mine", USERS.agent);
    expect(mine.text).toContain("Your open improvement actions (2)");
    expect(mine.body).toContain(ref(mineOverdue));
    expect(mine.body).toContain(ref(mineOpen));
    expect(mine.body).not.toContain(ref(theirs));
    expect(mine.body).not.toContain(ref(done));
    expect(mine.body).toContain("Overdue");
    expect(mine.body).toMatch(/INC-\d{6}/);

    const overdue = await reply("actions overdue", USERS.lead);
    expect(overdue.text).toContain("Overdue improvement actions (2)");
    expect(overdue.body).toContain(ref(mineOverdue));
    expect(overdue.body).toContain(ref(theirs));
    expect(overdue.body).not.toContain(ref(mineOpen));

    const all = await reply("actions all", USERS.lead);
    expect(all.text).toContain("All open improvement actions");
    for (const a of [mineOverdue, mineOpen, theirs]) expect(all.body).toContain(ref(a));
    expect(all.body).not.toContain(ref(done));

    const none = await reply("actions mine", USERS.head);
    expect(none.text).toBe("You have no open improvement actions. Actions agreed in a review show up here.");
    // The bare subcommand means "mine".
    expect((await reply("actions", USERS.agent)).text).toContain("Your open improvement actions (2)");
  });
});

describe("after Redis loses its data", () => {
  it("the watcher rebuilds the action jobs on its own", async () => {
    const action = await createAction(7_000);
    await h.slack.waitFor(() => dms(action, "New improvement action")[0]);
    // This harness's keys only (its own queue prefix): Redis is shared with other suites.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${h.config.queuePrefix}:*`);
      if (keys.length) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    expect(
      await deps()
        .jobs.queue("actions")
        .getJob(jobIds.actionStep(action.id, 1, "remind")),
    ).toBeFalsy();
    const reminder = await h.slack.waitFor(() => dms(action, "Reminder:")[0], { timeoutMs: 12_000 });
    expect(atMs(reminder.ts)).toBeGreaterThanOrEqual(action.dueAt.getTime() - REMIND_MS - 50);
    await h.slack.waitFor(() => overdueDms(action)[0], { timeoutMs: 10_000 });
    expect(dms(action, "Reminder:")).toHaveLength(1);
  });
});
