import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { callerReferences, type IncidentRow, outbox } from "../../../src/db/schema/index.js";
import { SCHEDULERS } from "../../../src/jobs/catalog.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { revealCallerDetails } from "../../../src/services/personal-data.js";
import { eraseExpiredCallerReferences } from "../../../src/services/retention.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, makeIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";

const RETENTION_MS = 3_000;

let h: Harness;
const deps = () => h.system.deps;

beforeAll(async () => {
  h = await startHarness({ editPolicy: (yaml) => `${yaml}\nretention:\n  caller_reference: 3s\n` });
});
afterAll(async () => {
  await h?.stop();
});

async function incidentWithCaller(callerReference: string): Promise<IncidentRow> {
  const { incident } = await makeIncident(deps(), { callerReference });
  await setupCompleted(deps(), incident.id);
  return loadIncident(deps(), incident.id);
}

async function close(incident: IncidentRow): Promise<void> {
  const lead = { incidentId: incident.id, actor: USERS.lead };
  const resolved = await changeStatus(deps(), {
    ...lead,
    action: "resolve",
    resolution: { summary: "Carrier fixed the route", closeCode: "fixed" },
  });
  expect(resolved.ok).toBe(true);
  expect((await changeStatus(deps(), { ...lead, action: "close" })).ok).toBe(true);
}

async function callerRow(incidentId: string) {
  const [row] = await deps()
    .db.select()
    .from(callerReferences)
    .where(eq(callerReferences.incidentId, incidentId));
  return row;
}

/** The latest version of a message the fake Slack holds (edits replace it in place). */
const cardText = (incident: IncidentRow) =>
  JSON.stringify(
    h.slack.messages.find((m) => m.channel === incident.channelId && m.ts === incident.summaryTs),
  );

describe("retention of the caller reference", () => {
  it("is scheduled as a recurring job when the worker starts", async () => {
    const queue = deps().jobs.queue("maintenance");
    const scheduler = await eventually("retention scheduler", () =>
      queue.getJobScheduler(SCHEDULERS.retention),
    );
    expect(scheduler).toMatchObject({ name: "retention.erase" });
  });

  it("erases it after the retention period following closure, logging the erasure but never the value", async () => {
    const closed = await incidentWithCaller("ACC-RETAIN-1001");
    const stillOpen = await incidentWithCaller("ACC-RETAIN-1002");
    await close(closed);
    // Before erasure a team lead may still see it (and the viewing is logged).
    const seen = await revealCallerDetails(deps(), { incidentId: closed.id, actor: USERS.lead });
    expect(seen).toMatchObject({ ok: true, value: "ACC-RETAIN-1001" });
    expect(cardText(await loadIncident(deps(), closed.id))).toContain("Show caller details");

    // Within the period nothing is erased.
    expect(await eraseExpiredCallerReferences(deps())).toBe(0);
    expect((await callerRow(closed.id))?.value).toBe("ACC-RETAIN-1001");
    // Its milestone notices are logged as they are posted: let them land first.
    await eventually("every post of the closed incident sent", async () => {
      const pending = await deps()
        .db.select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.incidentId, closed.id), eq(outbox.status, "pending")));
      return pending.length === 0;
    });
    const logBefore = await listLog(deps().db, closed.id);

    // The retention period itself has to pass: time is the scenario here, not a wait for work.
    await new Promise((resolve) => setTimeout(resolve, RETENTION_MS + 500));
    // The scheduled job's own processor does the pass.
    await deps().jobs.enqueue("retention.erase", {}, { jobId: "retention-now" });
    const erased = await eventually("caller reference erased", async () => {
      const row = await callerRow(closed.id);
      return row?.erasedAt ? row : undefined;
    });
    expect(erased.value).toBeNull();

    // The log is intact: every earlier entry unchanged, an erasure entry added for the caller
    // reference and one for the details of its caller reports (the first caller's, here).
    const logAfter = await eventually("both erasures logged", async () => {
      const log = await listLog(deps().db, closed.id);
      return log.length === logBefore.length + 2 ? log : undefined;
    });
    expect(logAfter.slice(0, logBefore.length)).toEqual(logBefore);
    expect(logAfter.slice(logBefore.length)).toMatchObject([
      { kind: "caller_reference_erased", actor: "system", details: { reason: "retention", retention: "3s" } },
      {
        kind: "caller_reference_erased",
        actor: "system",
        details: { reason: "retention", retention: "3s", what: "callers' details", count: 1 },
      },
    ]);
    expect(JSON.stringify(logAfter)).not.toContain("ACC-RETAIN-1001");

    // The open incident keeps its reference; a second pass erases nothing more.
    expect((await callerRow(stillOpen.id))?.value).toBe("ACC-RETAIN-1002");
    expect(await eraseExpiredCallerReferences(deps())).toBe(0);
    expect((await listLog(deps().db, closed.id)).length).toBe(logAfter.length);

    // Slack no longer shows it: the pinned card is re-rendered.
    const incident = await loadIncident(deps(), closed.id);
    await eventually("card re-rendered without the value", async () =>
      cardText(incident).includes("[erased]") ? true : undefined,
    );
    expect(cardText(incident)).not.toContain("ACC-RETAIN-1001");
    expect(await revealCallerDetails(deps(), { incidentId: closed.id, actor: USERS.lead })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/erased when its retention period ended/),
    });
  });

  it("shows [erased] in /incident export and /incident show", async () => {
    const closed = await incidentWithCaller("ACC-RETAIN-2001");
    await close(closed);
    // The retention period itself has to pass: time is the scenario here, not a wait for work.
    await new Promise((resolve) => setTimeout(resolve, RETENTION_MS + 500));
    expect(await eraseExpiredCallerReferences(deps())).toBe(1);

    const before = h.slack.responses.length;
    await h.command("export", { channel: closed.channelId! });
    await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
    const markdown = await h.slack.waitFor(() =>
      h.slack.files.find((f) => f.channel === closed.channelId && f.filename.endsWith(".md")),
    );
    const doc = markdown.content.toString("utf8");
    expect(doc).toContain("Caller reference: [erased]");
    expect(doc).not.toContain("ACC-RETAIN-2001");

    const shown = h.slack.responses.length;
    await h.command("show", { channel: closed.channelId! });
    const card = await h.slack.waitFor(() => h.slack.responses.slice(shown)[0]);
    expect(JSON.stringify(card.body)).toContain("[erased]");
    expect(JSON.stringify(card.body)).not.toContain("ACC-RETAIN-2001");
  });
});
