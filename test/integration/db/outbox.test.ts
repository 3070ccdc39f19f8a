import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  markOutboxSentLogged,
  unclaimOutbox,
  upsertClaimedOutboxRows,
  upsertOutbox,
  upsertOutboxRows,
} from "../../../src/db/queries/outbox.js";
import { incidentLog, incidents, outbox } from "../../../src/db/schema/index.js";
import { claimOutboxAttempt, markOutboxSent } from "../../../src/delivery/combined.js";
import { bareIncident } from "../../helpers/factories.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(4);

let serial = 0;
const post = (key = `test:${++serial}`) => ({
  incidentId: null,
  dedupeKey: key,
  purpose: "test",
  channel: "C0TEST",
  message: { text: key },
});

describe("outbox rows", () => {
  it("returns every row for the keys given, in their order, new or already there", async () => {
    const [old] = await upsertOutboxRows(database.db, [post("keep:1")]);
    const rows = await upsertOutboxRows(database.db, [post("keep:2"), post("keep:1"), post("keep:2")]);
    expect(rows.map((r) => r.dedupeKey)).toEqual(["keep:2", "keep:1"]);
    expect(rows[1]?.id).toBe(old?.id);
    expect(await upsertOutbox(database.db, [post("keep:1")])).toEqual([old?.id]);
  });

  it("gives an attempt to exactly one of many claims of a row made at once, and to each of many rows", async () => {
    const [id] = await upsertOutbox(database.db, [post()]);
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => claimOutboxAttempt(database.db, id!, 60_000)),
    );
    expect(claims.filter((c) => c !== null)).toEqual([1]);

    const ids = await upsertOutbox(
      database.db,
      Array.from({ length: 30 }, () => post()),
    );
    const attempts = await Promise.all(ids.map((rowId) => claimOutboxAttempt(database.db, rowId, 60_000)));
    expect(attempts).toEqual(ids.map(() => 1));
    // Leased: a second claim before the lease runs out gets nothing.
    expect(await claimOutboxAttempt(database.db, ids[0]!, 60_000)).toBeNull();
  });

  it("writes new rows claimed for their first attempt, and takes a claim given back as never made", async () => {
    const [old] = await upsertOutboxRows(database.db, [post("claimed:old")]);
    const { rows, claimed } = await upsertClaimedOutboxRows(
      database.db,
      [post("claimed:1"), post("claimed:old"), post("claimed:2")],
      60_000,
    );
    expect(rows.map((r) => r.dedupeKey)).toEqual(["claimed:1", "claimed:old", "claimed:2"]);
    // Only the rows written now are claimed: the one already there is left as it was.
    expect([...claimed].sort()).toEqual([rows[0]!.id, rows[2]!.id].sort());
    expect(rows[1]).toMatchObject({ id: old?.id, attempts: 0, claimedUntil: null });
    for (const row of [rows[0]!, rows[2]!]) {
      expect(row.attempts).toBe(1);
      expect(row.claimedUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
      // Leased: nobody else can claim it while the writer holds it.
      expect(await claimOutboxAttempt(database.db, row.id, 60_000)).toBeNull();
    }

    await unclaimOutbox(database.db, [rows[0]!.id]);
    const [given] = await database.db.select().from(outbox).where(eq(outbox.id, rows[0]!.id));
    expect(given).toMatchObject({ attempts: 0, claimedUntil: null, status: "pending" });
    // The next claim is a first attempt again (no need to look for an earlier post).
    expect(await claimOutboxAttempt(database.db, rows[0]!.id, 60_000)).toBe(1);

    // A claim that lapsed and was taken again by someone else is not given back by its first holder.
    await database.db
      .update(outbox)
      .set({ claimedUntil: new Date(Date.now() - 1_000) })
      .where(eq(outbox.id, rows[2]!.id));
    expect(await claimOutboxAttempt(database.db, rows[2]!.id, 60_000)).toBe(2);
    await unclaimOutbox(database.db, [rows[2]!.id]);
    const [taken] = await database.db.select().from(outbox).where(eq(outbox.id, rows[2]!.id));
    expect(taken?.attempts).toBe(2);
    expect(taken?.claimedUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it("marks each post sent once, with its own channel and ts, however many are marked together", async () => {
    const ids = await upsertOutbox(
      database.db,
      Array.from({ length: 25 }, () => post()),
    );
    const marks = await Promise.all([
      ...ids.map((id, i) =>
        markOutboxSent(database.db, { id, postedChannel: `D${i}`, ts: `1700000000.${i}`, permalink: null }),
      ),
      markOutboxSent(database.db, { id: ids[0]!, postedChannel: "DX", ts: "9.9", permalink: null }),
    ]);
    expect(marks.slice(0, 25)).toEqual(ids.map(() => true));
    expect(marks[25]).toBe(false);
    for (const [i, id] of ids.entries()) {
      const [row] = await database.db.select().from(outbox).where(eq(outbox.id, id));
      expect(row).toMatchObject({ status: "sent", postedChannel: `D${i}`, ts: `1700000000.${i}` });
      expect(row?.sentAt).toBeInstanceOf(Date);
    }
    expect(
      await markOutboxSent(database.db, { id: ids[1]!, postedChannel: "DY", ts: "1.1", permalink: null }),
    ).toBe(false);
  });

  it("marks posts sent and logs those of an incident in one statement, each once", async () => {
    const [incident] = await database.db
      .insert(incidents)
      .values(bareIncident("Roundup check"))
      .returning({ id: incidents.id });
    const incidentId = incident!.id;
    const ids = await upsertOutbox(database.db, [
      { ...post(), incidentId },
      { ...post(), incidentId },
      post(),
      { ...post(), incidentId },
    ]);
    const sent = (id: string) => ({ id, postedChannel: "C0TEST", ts: "1700000000.000100", permalink: null });
    // Another delivery recorded the last one first.
    expect(await markOutboxSent(database.db, sent(ids[3]!))).toBe(true);
    const entry = {
      actor: "system",
      kind: "announcement_posted" as const,
      details: { ts: "1700000000.000100" },
    };

    const marked = await markOutboxSentLogged(
      database.db,
      [ids[1]!, ids[0]!, ids[2]!, ids[3]!].map(sent),
      entry,
    );
    expect(marked).toEqual(new Set([ids[0], ids[1], ids[2]]));
    const logged = await database.db
      .select({ kind: incidentLog.kind, details: incidentLog.details })
      .from(incidentLog)
      .where(eq(incidentLog.incidentId, incidentId));
    expect(logged).toEqual([
      { kind: "announcement_posted", details: entry.details },
      { kind: "announcement_posted", details: entry.details },
    ]);
    const rows = await database.db.select().from(outbox).where(eq(outbox.channel, "C0TEST"));
    expect(rows.filter((r) => ids.includes(r.id)).every((r) => r.status === "sent")).toBe(true);

    // Again: nothing is pending, so nothing is marked or logged a second time.
    expect(await markOutboxSentLogged(database.db, ids.map(sent), entry)).toEqual(new Set());
    const again = await database.db.select().from(incidentLog).where(eq(incidentLog.incidentId, incidentId));
    expect(again).toHaveLength(2);
  });

  it("makes a summary card's ts the incident's card as it marks the card sent, and never replaces it", async () => {
    const bare = () =>
      database.db.insert(incidents).values(bareIncident("Card")).returning({ id: incidents.id });
    const [[carded], [other]] = await Promise.all([bare(), bare()]);
    const card = (incidentId: string, purpose = "summary_card") => ({ ...post(), incidentId, purpose });
    const [cardId, noticeId] = await upsertOutbox(database.db, [
      card(carded!.id),
      card(other!.id, "announcement"),
    ]);
    const entry = { actor: "system", kind: "summary_posted" as const };
    const at = (id: string, ts: string) => ({ id, postedChannel: "C0INC", ts, permalink: null });
    await markOutboxSentLogged(
      database.db,
      [at(cardId!, "1700000000.000200"), at(noticeId!, "1700000000.000300")],
      entry,
    );

    const summaryTs = async (id: string) =>
      (await database.db.select({ ts: incidents.summaryTs }).from(incidents).where(eq(incidents.id, id)))[0]
        ?.ts;
    expect(await summaryTs(carded!.id)).toBe("1700000000.000200");
    // Another purpose's post is not a card.
    expect(await summaryTs(other!.id)).toBeNull();

    // A second card row for the incident (there is none in practice) leaves the first card.
    const [secondId] = await upsertOutbox(database.db, [card(carded!.id)]);
    await markOutboxSentLogged(database.db, [at(secondId!, "1700000000.000400")], entry);
    expect(await summaryTs(carded!.id)).toBe("1700000000.000200");
  });
});
