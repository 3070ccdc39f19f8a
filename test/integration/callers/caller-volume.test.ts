import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerCountsOf } from "../../../src/db/queries/caller-reports.js";
import { listLog } from "../../../src/db/queries/incident-log.js";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeView } from "../../../src/emulator/types.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { CALLER_FIELDS as F, VIEW } from "../../../src/messages/ids.js";
import { type AddCallerInput, addCallerReport } from "../../../src/services/callers.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { callerInput } from "../../helpers/callers.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { submitView } from "../../helpers/interact.js";
import { settled } from "../../helpers/settled.js";
import { formValue } from "../../helpers/slack-payloads.js";

let h: Harness;
beforeAll(async () => {
  // Ten callers within fifteen minutes raise a service failure's impact to high.
  h = await startHarness({
    editPolicy: (yaml) => `${yaml}\ncaller_volume: { threshold: 10, within: 15m, raise: { impact: high } }\n`,
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const caller = (incidentId: string, over: Partial<AddCallerInput> = {}) =>
  callerInput(incidentId, "VOLUME", over);

async function addCallers(incident: IncidentRow, count: number) {
  const results = await Promise.all(
    Array.from({ length: count }, () => addCallerReport(deps(), caller(incident.id))),
  );
  expect(results.every((r) => r.ok && r.value.created)).toBe(true);
  return results;
}

const systemChanges = async (incident: IncidentRow) =>
  (await listLog(deps().db, incident.id)).filter((e) => e.kind === "field_changed" && e.actor === "system");

const dmsTo = (user: string) =>
  [...h.slack.channels.values()]
    .filter((c) => c.is_im && c.members.has(user))
    .flatMap((c) => h.slack.messagesIn(c.id));

/** Stakeholder posts about this incident after it was announced. */
const stakeholderPostsAbout = (incident: IncidentRow) =>
  h.slack
    .messagesIn(h.channels.stake)
    .map((m) => JSON.stringify({ text: m.text, blocks: m.blocks }))
    .filter((t) => t.includes(formatReference(incident.number)));

describe("caller volume raises the priority", () => {
  it("the tenth caller raises a P3 to P2 exactly once, concurrent callers and the eleventh included", async () => {
    const incident = await readyIncident(deps(), {
      impact: "medium",
      urgency: "medium",
      title: "Payments line down",
    });
    expect(incident.priority).toBe("P3");
    const announced = stakeholderPostsAbout(incident).length;
    // Its first caller counts: nine more arrive at once, the tenth of them crosses.
    const results = await addCallers(incident, 9);
    expect(results.filter((r) => r.ok && r.value.volume)).toHaveLength(1);
    await eventually(
      "the raise to P2",
      async () => (await loadIncident(deps(), incident.id)).priority === "P2",
    );
    await addCallers(incident, 3);
    await settled(deps(), { incidentIds: [incident.id] });

    const after = await loadIncident(deps(), incident.id);
    expect(after).toMatchObject({ impact: "high", urgency: "medium", priority: "P2", major: false });
    const changes = await systemChanges(incident);
    expect(changes.map((c) => c.details.field).sort()).toEqual(["impact", "matrixPriority", "priority"]);
    for (const c of changes) expect(c.details.reason).toBe("caller volume: 10 callers in 15 minutes");
    const log = await listLog(deps().db, incident.id);
    expect(log.filter((e) => e.kind === "caller_volume_reached")).toHaveLength(1);

    // The owner-less incident's reporter is told, in plain words, without any caller's details.
    const dm = await eventually("the reporter's DM", async () =>
      dmsTo(USERS.agent).find(
        (m) =>
          String(m.text).includes(`${formatReference(incident.number)}`) &&
          String(m.text).includes("10 callers"),
      ),
    );
    expect(String(dm.text)).toContain("priority P3 → *P2*");
    expect(String(dm.text)).toContain("The stakeholder channels are told of the change.");
    expect(String(dm.text)).not.toContain("ACC-VOLUME-");

    // Stakeholders: one priority notice, and nothing per caller.
    const posts = stakeholderPostsAbout(incident).slice(announced);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toContain("P3 → *P2*");
    expect(posts[0]).toContain("caller volume: 10 callers in 15 minutes");
    expect(posts[0]).not.toContain("ACC-VOLUME-");

    // A second run of the same crossing (a retried or re-queued job) changes nothing.
    await deps().jobs.enqueue(
      "callers.volume-raise",
      {
        incidentId: incident.id,
        key: String(log.find((e) => e.kind === "caller_volume_reached")?.details.key),
      },
      {},
    );
    await settled(deps(), { incidentIds: [incident.id] });
    expect(await systemChanges(incident)).toHaveLength(3);
    expect((await loadIncident(deps(), incident.id)).version).toBe(after.version);
  });

  it("leaves an incident already at that level untouched: the crossing is logged, nothing else", async () => {
    const incident = await readyIncident(deps(), { impact: "high", urgency: "low", title: "Web chat slow" });
    await addCallers(incident, 9);
    await eventually("the crossing to be logged", async () =>
      (await listLog(deps().db, incident.id)).some((e) => e.kind === "caller_volume_reached"),
    );
    await settled(deps(), { incidentIds: [incident.id] });
    expect(await systemChanges(incident)).toEqual([]);
    expect((await loadIncident(deps(), incident.id)).version).toBe(incident.version);
    expect(
      dmsTo(USERS.agent).some((m) =>
        String(m.text).includes(`${formatReference(incident.number)} Web chat slow had`),
      ),
    ).toBe(false);
    // Recorded as dealt with: the sweep does not come back to it.
    expect((await sweep({ ...deps(), clock: { now: () => new Date(Date.now() + 120_000) } })).raises).toBe(0);
  });

  it("the sweep raises an incident whose raise job was lost", async () => {
    const incident = await readyIncident(deps(), {
      impact: "low",
      urgency: "medium",
      title: "IVR menu loops",
    });
    const jobs = deps().jobs;
    // Redis refuses the raise job (as when it is down after the commit).
    const offline = {
      ...deps(),
      jobs: {
        ...jobs,
        queue: jobs.queue.bind(jobs),
        enqueue: ((name: string, ...rest: unknown[]) =>
          name === "callers.volume-raise"
            ? Promise.reject(new Error("Redis down"))
            : (jobs.enqueue as (...a: unknown[]) => Promise<unknown>)(name, ...rest)) as typeof jobs.enqueue,
      },
    };
    await Promise.all(Array.from({ length: 9 }, () => addCallerReport(offline, caller(incident.id))));
    await settled(deps(), { incidentIds: [incident.id] });
    expect((await loadIncident(deps(), incident.id)).priority).toBe("P4");
    const later = { ...deps(), clock: { now: () => new Date(Date.now() + 120_000) } };
    expect((await sweep(later)).raises).toBe(1);
    await eventually(
      "the raise to P2",
      async () => (await loadIncident(deps(), incident.id)).priority === "P2",
    );
    await settled(deps(), { incidentIds: [incident.id] });
    expect((await sweep(later)).raises).toBe(0);
  });

  it("callers moved in from a duplicate count towards the master's threshold", async () => {
    const master = await readyIncident(deps(), { impact: "medium", urgency: "low", title: "Router down" });
    const duplicate = await readyIncident(deps(), { impact: "medium", urgency: "low", title: "No phones" });
    await addCallers(master, 5);
    await addCallers(duplicate, 4);
    const merged = await changeStatus(deps(), {
      incidentId: duplicate.id,
      actor: USERS.lead,
      action: "resolve",
      resolution: { summary: "Same router", closeCode: "duplicate", duplicateOf: master.number },
    });
    expect(merged.ok).toBe(true);
    // Six of the master's own and five moved in: the eleventh crossed when they moved.
    await eventually(
      "the master's raise to P3",
      async () => (await loadIncident(deps(), master.id)).priority === "P3",
    );
    await settled(deps(), { incidentIds: [master.id, duplicate.id] });
    expect(await systemChanges(master)).toHaveLength(3);
    expect(await systemChanges(duplicate)).toEqual([]);
    const crossing = (await listLog(deps().db, master.id)).filter((e) => e.kind === "caller_volume_reached");
    expect(crossing.map((e) => e.details.callers)).toEqual([11]);
  });

  it("ten callers submitted at once through the Add a caller form raise it once", async () => {
    const incident = await readyIncident(deps(), {
      impact: "low",
      urgency: "low",
      title: "Text alerts late",
    });
    const forms: FakeView[] = [];
    for (let i = 0; i < 9; i += 1) {
      const before = h.slack.views.length;
      expect((await h.command(`caller ${formatReference(incident.number)}`)).status).toBe(200);
      forms.push(
        await h.slack.waitFor(() =>
          h.slack.views.slice(before).find((v) => v.view.callback_id === VIEW.addCaller),
        ),
      );
    }
    const state = (i: number) => ({
      [F.callerReference]: formValue.text(`ACC-FORM-${i}`),
      [F.reportChannel]: formValue.choice("phone"),
      [F.contactedAt]: formValue.when(new Date(Date.now() - 60_000)),
      [F.callback]: { value: { type: "radio_buttons", selected_option: { value: "no" } } },
    });
    const answers = await Promise.all(forms.map((form, i) => submitView(h, form, state(i))));
    expect(answers.every((a) => a.response_action !== "errors")).toBe(true);
    await eventually(
      "the raise to P3",
      async () => (await loadIncident(deps(), incident.id)).priority === "P3",
    );
    await settled(deps(), { incidentIds: [incident.id] });
    expect((await callerCountsOf(deps().db, incident.id, new Date())).callers).toBe(10);
    expect(await systemChanges(incident)).toHaveLength(3);
    const log = await listLog(deps().db, incident.id);
    expect(log.filter((e) => e.kind === "caller_volume_reached")).toHaveLength(1);
    expect(JSON.stringify(log)).not.toContain("ACC-FORM-");
  });
});
