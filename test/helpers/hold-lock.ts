import type postgres from "postgres";

/**
 * Runs `take` in a transaction of `sql` (a connection of the test's own) and keeps that
 * transaction open, so the locks it took stand in the system's way until the returned
 * `release` ends it.
 */
export async function holdLock(
  sql: postgres.Sql,
  take: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let taken!: () => void;
  const isTaken = new Promise<void>((r) => {
    taken = r;
  });
  const holder = sql.begin(async (tx) => {
    await take(tx);
    taken();
    await released;
  });
  await Promise.race([isTaken, holder]);
  return async () => {
    release();
    await holder;
  };
}
