import type { DbOrTx } from "./client.js";

/**
 * A hot query built once per database handle and then only executed: drizzle skips rebuilding
 * its SQL text and column list on every call, which is most of what a lookup by key costs the
 * process. Inside a transaction the query is built for that transaction.
 */
export function preparedPer<Q>(build: (db: DbOrTx) => Q): (db: DbOrTx) => Q {
  const built = new WeakMap<DbOrTx, Q>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}
