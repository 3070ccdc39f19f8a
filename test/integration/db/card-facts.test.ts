import { describe, expect, it } from "vitest";
import { insertBriefing, insertConfirmations } from "../../../src/db/queries/briefings.js";
import { cardFactsOf } from "../../../src/db/queries/card-facts.js";
import { callerReferences, incidents, type NewSlaClock, slaClocks } from "../../../src/db/schema/index.js";
import { bareIncident } from "../../helpers/factories.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(4);

async function incident(title: string): Promise<string> {
  const [row] = await database.db.insert(incidents).values(bareIncident(title)).returning();
  return row!.id;
}

const clock = (incidentId: string, name: string, patch: Partial<NewSlaClock> = {}): NewSlaClock => ({
  incidentId,
  name,
  hours: "always",
  startedAt: new Date(),
  durationMs: 60_000,
  dueAt: new Date(Date.now() + 60_000),
  ...patch,
});

describe("the responder card's facts, read in one statement", () => {
  it("says plainly that an incident has nothing yet", async () => {
    const id = await incident("nothing yet");
    expect(await cardFactsOf(database.db, id)).toEqual({
      callerReference: { value: null, erased: false },
      clocks: [],
      briefing: null,
      callers: {
        callers: 0,
        recent: 0,
        callbacksWanted: 0,
        callbacksOutstanding: 0,
        callbacksReachedNoOne: 0,
      },
    });
  });

  it("reads the caller reference, every clock's state, breach and who is on it, and the newest briefing's confirmations", async () => {
    const id = await incident("everything");
    await database.db.insert(callerReferences).values({ incidentId: id, value: "ACC-1", setBy: "U1" });
    await database.db
      .insert(slaClocks)
      .values([
        clock(id, "respond", { breachedAt: new Date(), ladderAcknowledgedBy: "U_ONIT" }),
        clock(id, "update", { state: "paused" }),
        clock(id, "resolve", { state: "stopped", breachedAt: new Date() }),
      ]);
    const older = await insertBriefing(database.db, {
      incidentId: id,
      author: "U_OLD",
      affected: "a",
      script: "s",
      postedAt: new Date(Date.now() - 60_000),
    });
    await insertConfirmations(database.db, [
      { briefingId: older.id, team: "billing", leadId: "U_L0", confirmedAt: new Date() },
    ]);
    const newest = await insertBriefing(database.db, {
      incidentId: id,
      author: "U_NEW",
      affected: "a",
      script: "s",
    });
    const first = new Date(Date.now() - 2_000);
    const second = new Date(Date.now() - 1_000);
    await insertConfirmations(database.db, [
      { briefingId: newest.id, team: "sales", leadId: "U_L2", confirmedAt: second },
      { briefingId: newest.id, team: "billing", leadId: "U_L1", confirmedAt: first },
    ]);

    const facts = await cardFactsOf(database.db, id);
    expect(facts.callerReference).toEqual({ value: "ACC-1", erased: false });
    expect(facts.clocks).toHaveLength(3);
    expect(facts.clocks).toEqual(
      expect.arrayContaining([
        { name: "respond", state: "running", breached: true, onIt: "U_ONIT" },
        { name: "update", state: "paused", breached: false, onIt: null },
        { name: "resolve", state: "stopped", breached: true, onIt: null },
      ]),
    );
    expect(facts.briefing).toEqual({
      author: "U_NEW",
      postedAt: newest.postedAt,
      // Oldest confirmation first, as Date objects.
      confirmations: [
        { team: "billing", leadId: "U_L1", confirmedAt: first },
        { team: "sales", leadId: "U_L2", confirmedAt: second },
      ],
    });
  });

  it("tells an erased caller reference from one never given, and a briefing nobody confirmed yet", async () => {
    const id = await incident("erased");
    await database.db
      .insert(callerReferences)
      .values({ incidentId: id, value: null, setBy: "U1", erasedAt: new Date() });
    await insertBriefing(database.db, { incidentId: id, author: "U_B", affected: "a", script: "s" });
    const facts = await cardFactsOf(database.db, id);
    expect(facts.callerReference).toEqual({ value: null, erased: true });
    expect(facts.briefing?.confirmations).toEqual([]);
    expect(facts.briefing?.author).toBe("U_B");
    // Other incidents' rows are not read as this one's.
    const other = await incident("beside them");
    expect(await cardFactsOf(database.db, other)).toEqual({
      callerReference: { value: null, erased: false },
      clocks: [],
      briefing: null,
      callers: {
        callers: 0,
        recent: 0,
        callbacksWanted: 0,
        callbacksOutstanding: 0,
        callbacksReachedNoOne: 0,
      },
    });
  });
});
