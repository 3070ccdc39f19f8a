import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Tx } from "../../../src/db/client.js";
import { incidents } from "../../../src/db/schema/index.js";
import { inOneSnapshot } from "../../../src/db/snapshot.js";
import { bareIncident } from "../../helpers/factories.js";
import { useTestDatabase } from "../../helpers/test-database.js";

const database = useTestDatabase(4);

/** How many incidents the transaction sees, and which server process it runs on. */
const countAndBackend = async (tx: Tx) => {
  const [row] = (await tx.execute(
    sql`select count(*)::int as n, pg_backend_pid() as pid from incidents`,
  )) as unknown as Array<{ n: number; pid: number }>;
  return { n: row?.n ?? -1, pid: row?.pid ?? -1 };
};

const countIncidents = async (tx: Tx) => {
  const [row] = (await tx.execute(sql`select count(*)::int as n from incidents`)) as unknown as Array<{
    n: number;
  }>;
  return row?.n ?? -1;
};

describe("reads in one snapshot", () => {
  it("see the database as it was when the first began, though they run side by side on other connections", async () => {
    await database.db.insert(incidents).values(bareIncident("Before the reads"));
    let committed!: () => void;
    const inserted = new Promise<void>((resolve) => {
      committed = resolve;
    });
    const [first, second] = await inOneSnapshot(database.db, [
      async (tx) => {
        const seen = await countAndBackend(tx);
        // Committed by another connection while the reads are under way.
        await database.db.insert(incidents).values(bareIncident("During the reads"));
        committed();
        return seen;
      },
      async (tx) => {
        await inserted;
        return countAndBackend(tx);
      },
    ] as const);
    expect(second.pid).not.toBe(first.pid);
    expect(second.n).toBe(first.n);
    // The incident committed meanwhile is there for anyone reading now.
    const [after] = (await database.db.execute(
      sql`select count(*)::int as n from incidents`,
    )) as unknown as Array<{
      n: number;
    }>;
    expect(after?.n).toBe(first.n + 1);
  });

  it("are read-only", async () => {
    await expect(
      inOneSnapshot(database.db, [
        async (tx) => countIncidents(tx),
        async (tx) => {
          await tx.insert(incidents).values(bareIncident("Not allowed"));
          return 0;
        },
      ] as const),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/read-only transaction/) } });
  });
});
