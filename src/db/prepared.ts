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

/**
 * preparedPer for a query whose SQL depends on the shape of its input (which columns are
 * given, how many rows): built once per handle and shape, then only executed.
 */
export function preparedPerShape<S, Q>(
  shapeKey: (shape: S) => string,
  build: (db: DbOrTx, shape: S) => Q,
): (db: DbOrTx, shape: S) => Q {
  const byShapeOf = preparedPer(() => new Map<string, Q>());
  return (db, shape) => {
    const byShape = byShapeOf(db);
    const key = shapeKey(shape);
    let query = byShape.get(key);
    if (query === undefined) {
      query = build(db, shape);
      byShape.set(key, query);
    }
    return query;
  };
}
