import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  insertIncidentRecords,
  markSetupCompleted,
  type NewIncidentRecords,
  numberForSubmission,
} from "../../../src/db/queries/incidents.js";
import {
  callerReferences,
  callerReportContacts,
  callerReports,
  incidentLog,
  incidents,
  slaClocks,
} from "../../../src/db/schema/index.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(2);

function records(
  number: number,
  p: { submissionKey?: string; clockNames?: string[] } = {},
): NewIncidentRecords {
  const id = randomUUID();
  const now = new Date("2026-11-24T09:00:00Z");
  return {
    incident: {
      id,
      number,
      title: "Card payments failing",
      description: "Callers cannot pay by card",
      type: "service_failure",
      reportChannel: "phone",
      impact: "high",
      urgency: "high",
      matrixPriority: "P1",
      priority: "P1",
      reporterId: "U0AGENT",
      submissionKey: p.submissionKey ?? null,
      reportedAt: now,
      loggedAt: now,
    },
    callerReference: { value: "CUST-4471", setBy: "U0AGENT" },
    firstCaller: { id: randomUUID(), reportChannel: "phone", contactedAt: now, reportedBy: "U0AGENT" },
    log: [
      { incidentId: id, actor: "U0AGENT", kind: "created", details: { title: "Card payments failing" } },
      { incidentId: id, actor: "U0AGENT", kind: "caller_reference_set", details: { set: true } },
    ],
    clocks: (p.clockNames ?? ["respond", "resolve"]).map((name) => ({
      incidentId: id,
      name,
      hours: "always" as const,
      startedAt: now,
      durationMs: 900_000,
      dueAt: new Date(now.getTime() + 900_000),
    })),
  };
}

async function written(id: string) {
  const db = database.db;
  return {
    incidents: (await db.select().from(incidents).where(eq(incidents.id, id))).length,
    callerReferences: (await db.select().from(callerReferences).where(eq(callerReferences.incidentId, id)))
      .length,
    log: (await db.select().from(incidentLog).where(eq(incidentLog.incidentId, id))).length,
    clocks: (await db.select().from(slaClocks).where(eq(slaClocks.incidentId, id))).length,
    callers: (
      await db
        .select({ reference: callerReportContacts.callerReference })
        .from(callerReports)
        .innerJoin(callerReportContacts, eq(callerReportContacts.reportId, callerReports.id))
        .where(eq(callerReports.incidentId, id))
    ).map((c) => c.reference),
  };
}

describe("an incident and what belongs to it are written as one statement", () => {
  it("writes every part and returns the rows as stored, defaults included", async () => {
    const drawn = await numberForSubmission(database.db, "V-ONE");
    expect(drawn.existing).toBe(false);
    const number = drawn.existing ? 0 : drawn.number;
    const r = records(number, { submissionKey: "V-ONE" });
    const { incident, clocks } = await insertIncidentRecords(database.db, r);
    expect(incident).toMatchObject({ id: r.incident.id, number, status: "open", priority: "P1" });
    expect(incident.createdAt).toBeInstanceOf(Date);
    expect(clocks.map((c) => c.name).sort()).toEqual(["resolve", "respond"]);
    expect(clocks.every((c) => c.state === "running" && c.generation === 1)).toBe(true);
    expect(await written(r.incident.id)).toEqual({
      incidents: 1,
      callerReferences: 1,
      log: 2,
      clocks: 2,
      callers: ["CUST-4471"],
    });
    const kinds = await database.db
      .select({ kind: incidentLog.kind })
      .from(incidentLog)
      .where(eq(incidentLog.incidentId, r.incident.id))
      .orderBy(incidentLog.id);
    expect(kinds.map((k) => k.kind)).toEqual(["created", "caller_reference_set"]);
  });

  it("writes nothing at all when any part fails", async () => {
    const drawn = await numberForSubmission(database.db, null);
    const r = records(drawn.existing ? 0 : drawn.number, { clockNames: ["respond", "respond"] });
    await expect(insertIncidentRecords(database.db, r)).rejects.toThrow();
    expect(await written(r.incident.id)).toEqual({
      incidents: 0,
      callerReferences: 0,
      log: 0,
      clocks: 0,
      callers: [],
    });
  });

  it("refuses a second incident for the same submission, and a resubmission draws no number", async () => {
    const first = await numberForSubmission(database.db, "V-TWICE");
    expect(first.existing).toBe(false);
    await insertIncidentRecords(
      database.db,
      records(first.existing ? 0 : first.number, { submissionKey: "V-TWICE" }),
    );
    const [before] = await database.db.execute<{ last: string }>(
      sql`select last_value as last from incident_number_seq`,
    );
    expect(await numberForSubmission(database.db, "V-TWICE")).toEqual({ existing: true });
    const [after] = await database.db.execute<{ last: string }>(
      sql`select last_value as last from incident_number_seq`,
    );
    expect(after?.last).toBe(before?.last);
    const twin = records(Number(after?.last) + 1000, { submissionKey: "V-TWICE" });
    await expect(insertIncidentRecords(database.db, twin)).rejects.toMatchObject({
      cause: { code: "23505" },
    });
    expect(await written(twin.incident.id)).toEqual({
      incidents: 0,
      callerReferences: 0,
      log: 0,
      clocks: 0,
      callers: [],
    });
  });
});

describe("completing an incident's set-up", () => {
  it("logs its last step with the completion, once, whichever of several runs completes it", async () => {
    const { incident } = await insertIncidentRecords(database.db, records(990_001));
    const pinned = {
      actor: "system",
      kind: "summary_pinned" as const,
      details: { channel: "C0INC", ts: "1.2" },
    };
    await Promise.all([1, 2, 3].map(() => markSetupCompleted(database.db, incident.id, pinned)));

    const [row] = await database.db.select().from(incidents).where(eq(incidents.id, incident.id));
    expect(row?.setupCompletedAt).toBeInstanceOf(Date);
    const entries = await database.db
      .select({ kind: incidentLog.kind, details: incidentLog.details })
      .from(incidentLog)
      .where(eq(incidentLog.incidentId, incident.id));
    expect(entries.filter((e) => e.kind === "summary_pinned")).toEqual([
      { kind: "summary_pinned", details: pinned.details },
    ]);

    // Completed already: a late run changes neither the time nor the log.
    await markSetupCompleted(database.db, incident.id, pinned);
    const [after] = await database.db.select().from(incidents).where(eq(incidents.id, incident.id));
    expect(after?.setupCompletedAt).toEqual(row?.setupCompletedAt);
    const again = await database.db.select().from(incidentLog).where(eq(incidentLog.incidentId, incident.id));
    expect(again).toHaveLength(entries.length);
  });

  it("completes without a log entry when there is no last step to record", async () => {
    const { incident } = await insertIncidentRecords(database.db, records(990_002));
    const before = await database.db
      .select()
      .from(incidentLog)
      .where(eq(incidentLog.incidentId, incident.id));
    await markSetupCompleted(database.db, incident.id);
    const [row] = await database.db.select().from(incidents).where(eq(incidents.id, incident.id));
    expect(row?.setupCompletedAt).toBeInstanceOf(Date);
    const after = await database.db.select().from(incidentLog).where(eq(incidentLog.incidentId, incident.id));
    expect(after).toHaveLength(before.length);
  });
});
