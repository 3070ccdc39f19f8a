import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { incidentLog, incidents, outbox } from "../../../src/db/schema/index.js";
import { blockSuggestion, viewClosed } from "../../../src/emulator/requests.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { CARD_ACTION, VIEW } from "../../../src/messages/ids.js";
import { openLogModal, submitLogModal } from "../../helpers/drill.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { holdLock } from "../../helpers/hold-lock.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import {
  formValue,
  type LogForm,
  logFormState,
  validLogForm,
  viewSubmission,
} from "../../helpers/slack-payloads.js";

/**
 * Issue 25: every request is answered within REQUEST_DEADLINE_MS of its arrival, whatever
 * PostgreSQL is doing. Here a transaction of the test's own holds a lock the save needs, so the
 * save cannot end before the deadline: the answer can only be the "saving" view, and the view
 * must then show the outcome.
 */

let h: Harness;
let other: postgres.Sql;
beforeAll(async () => {
  h = await startHarness();
  other = postgres(h.config.databaseUrl, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await other?.end();
  await h?.stop();
});
beforeEach(() => {
  h.slack.clearFaults();
});

const db = () => h.system.deps.db;
/** Waits on observable state allow for a slow, shared machine. */
const SLOW_OK = { timeoutMs: 30_000 };
const incidentsOf = (viewId: string) =>
  db().select().from(incidents).where(eq(incidents.submissionKey, viewId));
const viewText = (viewId: string) => JSON.stringify(h.slack.views.find((v) => v.id === viewId)?.view ?? {});
const blockText = (ack: { view?: unknown }) => JSON.stringify(ack.view ?? {});

/** One submission and its answer only (submitLogModal would also wait for a late outcome). */
async function submitOnce(view: FakeView, form: LogForm) {
  const res = await h.action(viewSubmission({ user: USERS.agent, opened: view, state: logFormState(form) }));
  const body = await res.text();
  return {
    status: res.status,
    body,
    ack: JSON.parse(body || "{}") as { response_action?: string; view?: unknown },
  };
}

/** Intake writes incidents; EXCLUSIVE mode lets it read (the twin check) but not insert. */
const lockIncidents = () => holdLock(other, (tx) => tx`lock table incidents in exclusive mode`);

/** The server sessions waiting on a lock the test holds (none until the save reaches it). */
async function waitingOnLock(): Promise<number[]> {
  const rows = await other<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
  return rows.map((r) => r.pid);
}

describe("a form whose save outlives the request deadline", () => {
  it("is answered with a saving view, then shows the reference; the same view id adds nothing", async () => {
    const view = await openLogModal(h);
    const form = validLogForm({ title: "Lines down at Leeds", callerReference: "ACC-DEADLINE-1" });
    // The form as submitted: Slack's own retry of the delivery carries this, not the later view.
    const submitted = structuredClone(view);
    const release = await lockIncidents();
    let first: Awaited<ReturnType<typeof submitOnce>>;
    try {
      first = await submitOnce(view, form);
      // The save is blocked by the lock (the answer came without it): the deadline path ran.
      await eventually("the save waiting on the lock", async () => (await waitingOnLock()).length > 0);
    } finally {
      await release();
    }
    expect(first.status).toBe(200);
    expect(first.ack?.response_action, first.body).toBe("update");
    expect(blockText(first.ack)).toContain(VIEW.saving);
    expect(blockText(first.ack)).toContain("Saving your incident");
    expect(blockText(first.ack)).not.toMatch(/INC-\d{6}/);

    // Once the lock is gone the save commits and the same view shows its reference.
    const reference = await eventually(
      "the view shows the reference",
      // The logged view: the form itself may name known incidents under "Already known?".
      async () =>
        viewText(view.id).includes(VIEW.logged) ? viewText(view.id).match(/INC-\d{6}/)?.[0] : undefined,
      SLOW_OK,
    );
    const [row] = await incidentsOf(view.id);
    expect(row?.title).toBe("Lines down at Leeds");
    expect(reference).toBe(`INC-${String(row!.number).padStart(6, "0")}`);
    expect(viewText(view.id)).toContain(VIEW.logged);

    // Slack delivers the submission again (or the agent presses again): still one incident.
    const again = await submitLogModal(h, submitted, form);
    expect(again.reference, again.body).toBe(reference);
    expect(await incidentsOf(view.id)).toHaveLength(1);
    // Its set-up ran as for any incident (the follow-ups were queued after the late save).
    await eventually(
      "the incident's channel",
      async () => (await loadIncident(h.system.deps, row!.id)).channelId,
      SLOW_OK,
    );
  });

  it("when the save fails, shows the form again with the entries and leaves nothing half-made", async () => {
    const view = await openLogModal(h);
    const form = validLogForm({ title: "Queue 7 silent", callerReference: "ACC-DEADLINE-2" });
    const creates = () => h.slack.calls.filter((c) => c.method === "conversations.create").length;
    const createsBefore = creates();
    const known = new Set((await db().select({ id: incidents.id }).from(incidents)).map((r) => r.id));
    // Rows of any incident other than those that existed before this submission.
    const strays = async (table: typeof outbox | typeof incidentLog) =>
      (await db().select({ incidentId: table.incidentId }).from(table)).filter(
        (r) => r.incidentId === null || !known.has(r.incidentId),
      );
    const release = await lockIncidents();
    let first: Awaited<ReturnType<typeof submitOnce>>;
    try {
      first = await submitOnce(view, form);
      // An operator cancels the blocked statement: the save fails on a live connection.
      const blocked = await eventually("the save waiting on the lock", async () => {
        const pids = await waitingOnLock();
        return pids.length > 0 ? pids : null;
      });
      for (const pid of blocked) await other`select pg_cancel_backend(${pid})`;
    } finally {
      await release();
    }
    expect(first.ack?.response_action, first.body).toBe("update");
    expect(blockText(first.ack)).toContain("Saving your incident");

    // The agent is told, on the same view, with the form and their entries back.
    const shown = await eventually(
      "the form shown again",
      async () => {
        const text = viewText(view.id);
        return text.includes("Not saved") ? text : null;
      },
      SLOW_OK,
    );
    expect(shown).toContain("press Log incident again");
    expect(shown).toContain(VIEW.logIncident);
    expect(shown).toContain('"initial_value":"Queue 7 silent"');
    expect(shown).toContain('"initial_value":"ACC-DEADLINE-2"');
    expect(shown).toContain('"submit"');

    // Nothing half-made: no incident, no log entry, no outbox row, no channel.
    expect(await incidentsOf(view.id)).toEqual([]);
    expect(await db().select({ id: incidents.id }).from(incidents)).toHaveLength(known.size);
    expect(await strays(outbox)).toEqual([]);
    expect(await strays(incidentLog)).toEqual([]);
    expect(creates()).toBe(createsBefore);

    // Pressing Log incident again on that view logs it, once.
    const reshown = h.slack.views.find((v) => v.id === view.id) as FakeView;
    const retry = await submitLogModal(h, reshown, form);
    expect(retry.reference, retry.body).not.toBeNull();
    expect(await incidentsOf(view.id)).toHaveLength(1);
  });

  it("still held after the late-save limit: the form comes back, then shows the reference once saved", async () => {
    const view = await openLogModal(h);
    const form = validLogForm({ title: "Wallboard frozen", callerReference: "ACC-DEADLINE-3" });
    const release = await lockIncidents();
    let told: Awaited<ReturnType<typeof submitLogModal>>;
    try {
      // submitLogModal follows a saving answer until the view shows an outcome.
      told = await submitLogModal(h, view, form);
    } finally {
      await release();
    }
    expect(told.saving).toBe(true);
    expect(told.notSaved).toMatch(/Not saved[\s\S]*press Log incident again/);
    // The save was still waiting, not failed: once the lock goes it commits, and the view says so.
    const reference = await eventually(
      "the view shows the reference",
      // The logged view: the form itself may name known incidents under "Already known?".
      async () =>
        viewText(view.id).includes(VIEW.logged) ? viewText(view.id).match(/INC-\d{6}/)?.[0] : undefined,
      SLOW_OK,
    );
    const rows = await incidentsOf(view.id);
    expect(rows).toHaveLength(1);
    expect(reference).toBe(`INC-${String(rows[0]!.number).padStart(6, "0")}`);
  }, 120_000);

  it("applies the same rule to the incident forms (resolve): saving view, then the outcome", async () => {
    const incident = await readyIncident(h.system.deps);
    await clickButton(h, {
      channel: incident.channelId!,
      ts: incident.summaryTs!,
      actionId: CARD_ACTION.acknowledge,
      value: incident.id,
    });
    const opened = await clickButton(h, {
      channel: incident.channelId!,
      ts: incident.summaryTs!,
      actionId: CARD_ACTION.resolve,
      value: incident.id,
    });
    const view = opened.view!;
    const submitted = structuredClone(view);
    const state = {
      resolution_summary: formValue.text("Carrier fixed the trunk"),
      close_code: formValue.choice("workaround"),
    };
    // The change locks the incident's row first: hold that lock.
    const release = await holdLock(
      other,
      (tx) => tx`select id from incidents where id = ${incident.id} for update`,
    );
    let answer: Awaited<ReturnType<typeof submitView>>;
    try {
      answer = await submitView(h, submitted, state, USERS.agent);
      await eventually("the change waiting on the lock", async () => (await waitingOnLock()).length > 0);
    } finally {
      await release();
    }
    expect(answer.response_action).toBe("update");
    expect(JSON.stringify(answer)).toContain("Saving your change");
    await eventually(
      "the view says the change was saved",
      async () => (viewText(view.id).includes(":white_check_mark:") ? true : null),
      SLOW_OK,
    );
    expect((await loadIncident(h.system.deps, incident.id)).status).toBe("resolved");
    // The same submission delivered again changes nothing more: one status change to resolved.
    const again = await submitView(h, submitted, state, USERS.agent);
    expect(again).toEqual({});
    const changes = (await listLog(db(), incident.id)).filter(
      (e) => e.kind === "status_changed" && JSON.stringify(e).includes("resolved"),
    );
    expect(changes).toHaveLength(1);
  });

  it("answers options requests and closed forms at once, though no listener asks for them", async () => {
    const view = await openLogModal(h);
    const suggest = await h.action(
      blockSuggestion({
        user: USERS.agent,
        opened: view,
        state: {},
        actionId: "anything",
        blockId: "anything",
        value: "que",
      }),
    );
    expect(suggest.status).toBe(200);
    expect(await suggest.json()).toEqual({ options: [] });
    const closed = await h.action(viewClosed({ user: USERS.agent, opened: view, state: {} }));
    expect(closed.status).toBe(200);
    expect(await closed.text()).toBe("");
  });
});
