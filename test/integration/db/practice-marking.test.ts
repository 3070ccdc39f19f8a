import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { incidents, practiceRuns } from "../../../src/db/schema/index.js";
import { bareIncident } from "../../helpers/factories.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(2);

async function run(): Promise<string> {
  const [row] = await database.db
    .insert(practiceRuns)
    .values({
      scenarioKey: "telephony_outage",
      scenario: {},
      speed: 30,
      leadId: "U0LEAD",
      traineeIds: ["U0AGENT"],
    })
    .returning();
  return row!.id;
}

describe("an incident's practice marking is written once, at logging", () => {
  it("a drill stays a drill: its run and speed cannot be cleared or changed", async () => {
    const runId = await run();
    const [drill] = await database.db
      .insert(incidents)
      .values({ ...bareIncident("drill"), practiceRunId: runId, practiceSpeed: 30 })
      .returning();
    await expect(
      database.db.update(incidents).set({ practiceRunId: null }).where(eq(incidents.id, drill!.id)),
    ).rejects.toThrow();
    await expect(
      database.db.update(incidents).set({ practiceSpeed: 1 }).where(eq(incidents.id, drill!.id)),
    ).rejects.toThrow();
    // Everything else about it changes as usual.
    await database.db.update(incidents).set({ status: "acknowledged" }).where(eq(incidents.id, drill!.id));
    const [after] = await database.db.select().from(incidents).where(eq(incidents.id, drill!.id));
    expect(after).toMatchObject({ status: "acknowledged", practiceRunId: runId, practiceSpeed: 30 });
  });

  it("a real incident can never become a drill", async () => {
    const runId = await run();
    const [real] = await database.db.insert(incidents).values(bareIncident("real")).returning();
    await expect(
      database.db.update(incidents).set({ practiceRunId: runId }).where(eq(incidents.id, real!.id)),
    ).rejects.toThrow();
    const [after] = await database.db.select().from(incidents).where(eq(incidents.id, real!.id));
    expect(after?.practiceRunId).toBeNull();
  });
});
