import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerCountsOf } from "../../../src/db/queries/caller-reports.js";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { callerReportContacts, callerReports, incidents } from "../../../src/db/schema/index.js";
import { type AddCallerInput, addCallerReport } from "../../../src/services/callers.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { callerInput } from "../../helpers/callers.js";
import { eventually } from "../../helpers/eventually.js";
import { makeIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  // Ten callers within fifteen minutes cross the service-failure volume threshold.
  h = await startHarness({
    editPolicy: (yaml) => `${yaml}\ncaller_volume: { threshold: 10, within: 15m, raise: { impact: high } }\n`,
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
/** A caller who said something and wants a call back: details the log must never hold. */
const caller = (incidentId: string, over: Partial<AddCallerInput> = {}) =>
  callerInput(incidentId, "REPORTS", {
    said: "Card payment declined twice",
    callback: "phone",
    callbackContact: "07700 900461",
    ...over,
  });

describe("caller reports", () => {
  it("an incident logged from a call has its caller as its first report; internal monitoring has none", async () => {
    const { incident } = await makeIncident(deps(), { callerReference: "ACC-FIRST" });
    const first = await deps()
      .db.select({ channel: callerReports.reportChannel, ref: callerReportContacts.callerReference })
      .from(callerReports)
      .innerJoin(callerReportContacts, eq(callerReportContacts.reportId, callerReports.id))
      .where(eq(callerReports.incidentId, incident.id));
    expect(first).toEqual([{ channel: "phone", ref: "ACC-FIRST" }]);
    const monitored = await makeIncident(deps(), {
      reportChannel: "internal_monitoring",
      callerReference: undefined,
    });
    expect((await callerCountsOf(deps().db, monitored.incident.id, new Date())).callers).toBe(0);
  });

  it("records a caller once per submission, logs it without personal data and redraws the card with the count", async () => {
    const incident = await readyIncident(deps(), { title: "Payments line down" });
    const input = caller(incident.id);
    const added = await addCallerReport(deps(), input);
    expect(added.ok && added.value.created).toBe(true);
    const again = await addCallerReport(deps(), input);
    expect(again.ok && again.value.created).toBe(false);

    const counts = await callerCountsOf(deps().db, incident.id, new Date());
    expect(counts).toEqual({
      callers: 2,
      recent: 2,
      callbacksWanted: 1,
      callbacksOutstanding: 1,
      callbacksReachedNoOne: 0,
    });

    const log = await listLog(deps().db, incident.id);
    const entries = log.filter((e) => e.kind === "caller_report_added");
    expect(entries).toHaveLength(1);
    expect(entries[0]?.details).toMatchObject({ reportChannel: "phone", callback: "phone" });
    const written = JSON.stringify(log);
    expect(written).not.toContain(input.callerReference);
    expect(written).not.toContain(input.callbackContact);
    expect(written).not.toContain("declined twice");

    const card = await eventually("the card to show two callers", async () => {
      const message = h.slack.messagesIn(incident.channelId!).find((m) => m.ts === incident.summaryTs);
      const text = JSON.stringify(message?.blocks ?? []);
      return text.includes("*Callers:* 2") ? text : null;
    });
    expect(card).toContain("1 callback wanted");
    expect(card).not.toContain(input.callerReference);
  });

  it("refuses a closed incident and changes nothing", async () => {
    const incident = await readyIncident(deps());
    await deps()
      .db.update(incidents)
      .set({ status: "closed", closedAt: new Date() })
      .where(eq(incidents.id, incident.id));
    const refused = await addCallerReport(deps(), caller(incident.id));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/is closed/);
    expect((await callerCountsOf(deps().db, incident.id, new Date())).callers).toBe(1);
  });

  it("twenty callers at once cross the volume threshold exactly once, and every report is kept", async () => {
    const incident = await readyIncident(deps(), { impact: "low", urgency: "low", title: "Login failing" });
    // The incident's first caller counts: nineteen more arrive together.
    const results = await Promise.all(
      Array.from({ length: 19 }, () =>
        addCallerReport(deps(), caller(incident.id, { callback: "no", callbackContact: null })),
      ),
    );
    expect(results.every((r) => r.ok && r.value.created)).toBe(true);
    const crossings = results.filter((r) => r.ok && r.value.volume !== null);
    expect(crossings).toHaveLength(1);
    const volume = crossings[0]?.ok ? crossings[0].value.volume : null;
    expect(volume?.withinMs).toBe(15 * 60_000);
    expect(volume?.callers).toBeGreaterThanOrEqual(10);
    expect((await callerCountsOf(deps().db, incident.id, new Date())).callers).toBe(20);
  });

  it("a resolved incident still takes callers (they ring after the fix), the counts show callbacks to make", async () => {
    const incident = await readyIncident(deps());
    const resolved = await changeStatus(deps(), {
      incidentId: incident.id,
      actor: USERS.lead,
      action: "resolve",
      resolution: { summary: "Carrier restored the line", closeCode: "fixed" },
    });
    expect(resolved.ok, JSON.stringify(resolved)).toBe(true);
    const added = await addCallerReport(deps(), caller(incident.id));
    expect(added.ok).toBe(true);
    const [row] = await deps().db.execute<{ n: string }>(
      sql`select count(*) as n from caller_reports where incident_id = ${incident.id}::uuid and callback <> 'no'`,
    );
    expect(Number(row?.n)).toBe(1);
  });
});
