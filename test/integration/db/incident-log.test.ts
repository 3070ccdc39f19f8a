import { and, asc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { appendLog } from "../../../src/db/queries/incident-log.js";
import { incidentLog, incidents } from "../../../src/db/schema/index.js";
import { bareIncident } from "../../helpers/factories.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(2);
let incidentId: string;

beforeAll(async () => {
  const [row] = await database.db
    .insert(incidents)
    .values(bareIncident("Append-only check"))
    .returning({ id: incidents.id });
  incidentId = row!.id;
  await appendLog(database.db, {
    incidentId,
    actor: "U0AGENT",
    kind: "created",
    details: { title: "Append-only check" },
  });
});

/** drizzle wraps the driver's error; the database's own message is on `cause`. */
async function databaseError(query: Promise<unknown>): Promise<string> {
  try {
    await query;
  } catch (err) {
    const e = err as { cause?: { message?: string }; message: string };
    return e.cause?.message ?? e.message;
  }
  throw new Error("the statement succeeded");
}

describe("the incident log is append-only in the database itself", () => {
  it("refuses UPDATE", async () => {
    const message = await databaseError(
      database.db.execute(sql`update incident_log set kind = 'x' where incident_id = ${incidentId}`),
    );
    expect(message).toBe("incident_log is append-only: UPDATE is not allowed");
  });

  it("refuses DELETE", async () => {
    const message = await databaseError(
      database.db.execute(sql`delete from incident_log where incident_id = ${incidentId}`),
    );
    expect(message).toBe("incident_log is append-only: DELETE is not allowed");
  });

  it("refuses TRUNCATE", async () => {
    const message = await databaseError(database.db.execute(sql`truncate incident_log cascade`));
    expect(message).toBe("incident_log is append-only: TRUNCATE is not allowed");
  });

  it("still accepts new entries, stamped by the database clock", async () => {
    await appendLog(database.db, { incidentId, actor: "system", kind: "channel_created", details: {} });
    const rows = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from incident_log where incident_id = ${incidentId}`,
    );
    expect(rows[0]?.n).toBe(2);
  });

  it("keeps entries written together in their order, with any text in their details", async () => {
    const tricky = [
      'quotes " and \\ backslashes',
      "braces {a,b}, commas, NULL",
      "emoji 🚨 and ﷽ and \u0007",
      "",
    ];
    await appendLog(
      database.db,
      tricky.map((note, i) => ({
        incidentId,
        actor: `U${i}`,
        kind: "note_added" as const,
        details: { note, i },
      })),
    );
    const rows = await database.db
      .select()
      .from(incidentLog)
      .where(and(eq(incidentLog.incidentId, incidentId), eq(incidentLog.kind, "note_added")))
      .orderBy(asc(incidentLog.id));
    expect(rows.map((r) => r.details)).toEqual(tricky.map((note, i) => ({ note, i })));
    expect(rows.map((r) => r.actor)).toEqual(["U0", "U1", "U2", "U3"]);
  });

  it("gives incident numbers from a sequence that never repeats", async () => {
    const rows = await database.db.execute<{ n: string }>(
      sql`select nextval('incident_number_seq')::text as n`,
    );
    const n = Number(rows[0]?.n);
    const [next] = await database.db.execute<{ n: string }>(
      sql`select nextval('incident_number_seq')::text as n`,
    );
    expect(Number(next?.n)).toBe(n + 1);
  });
});
