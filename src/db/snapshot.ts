import { type SQL, sql } from "drizzle-orm";
import type { Db, Tx } from "./client.js";

type Reads<T extends readonly unknown[]> = { [K in keyof T]: (tx: Tx) => Promise<T[K]> };

/** What `pg_export_snapshot()` returns, e.g. `00000003-0000001B-1`. */
const SNAPSHOT_ID = /^[0-9A-F]+(-[0-9A-F]+)+$/i;

/**
 * Runs read-only queries side by side, each on a connection of its own, all against one
 * snapshot of the database: the first runs in a repeatable-read transaction that exports its
 * snapshot, the others each import it (`SET TRANSACTION SNAPSHOT`) while the first is still
 * open. So figures read together agree with each other, as one transaction would make them,
 * without waiting for each other's queries. Resolves to the results, in order.
 */
export async function inOneSnapshot<T extends readonly unknown[]>(
  db: Db,
  reads: Reads<T>,
  /** A statement run first in each of the transactions (e.g. `set local statement_timeout`). */
  opts: { first?: SQL } = {},
): Promise<T> {
  const [first, ...rest] = reads as unknown as Array<(tx: Tx) => Promise<unknown>>;
  if (!first) return [] as unknown as T;
  return db.transaction(
    async (lead) => {
      if (opts.first) await lead.execute(opts.first);
      const [row] = (await lead.execute(sql`select pg_export_snapshot() as id`)) as unknown as Array<{
        id: string;
      }>;
      const id = row?.id ?? "";
      if (!SNAPSHOT_ID.test(id)) throw new Error(`unexpected snapshot id ${JSON.stringify(id)}`);
      const follow = (read: (tx: Tx) => Promise<unknown>) =>
        db.transaction(async (tx) => {
          // Sent together: the snapshot is taken up before the transaction's first query.
          await Promise.all([
            tx.execute(sql`set transaction isolation level repeatable read, read only`),
            tx.execute(sql.raw(`set transaction snapshot '${id}'`)),
          ]);
          if (opts.first) await tx.execute(opts.first);
          return read(tx);
        });
      return (await Promise.all([first(lead), ...rest.map(follow)])) as unknown as T;
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}
