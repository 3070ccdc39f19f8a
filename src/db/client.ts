import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.js";

export type Db = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function createDatabase(url: string, opts: { max?: number; name?: string } = {}): Database {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    // Shown in pg_stat_activity, so an operator can tell the receiver's connections from the jobs'.
    ...(opts.name ? { connection: { application_name: opts.name } } : {}),
    // Fail fast when PostgreSQL is unreachable so a Slack request can still be answered in time.
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
  });
  const db = drizzle(guardTransactions(sql), { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** How long a failed transaction waits for the driver to notice its connection is gone. */
const CLOSE_WAIT_MS = 5_000;

/**
 * postgres.js 3.4.9 takes the whole process down when PostgreSQL restarts under a transaction:
 * a query fails because the connection closed, `begin` then writes ROLLBACK to the closed
 * connection, and the deferred write throws `Cannot read properties of null (reading 'write')`
 * from a setImmediate, where nothing can catch it (porsager/postgres#1154, #1208; no release
 * has the fix yet). So when a transaction body fails because its connection was lost, it waits
 * for the driver to see the close, which fails the transaction on its own, and then never
 * settles, so no ROLLBACK is written; the server has rolled the transaction back anyway. If the
 * connection turns out to be alive, the error is thrown as usual and rolled back.
 */
function guardTransactions(sql: postgres.Sql): postgres.Sql {
  const begin = (...args: unknown[]) => {
    const fn = args.at(-1) as (tx: unknown) => unknown;
    let finished: Promise<unknown> = Promise.resolve();
    const body = async (tx: unknown) => {
      try {
        return await fn(tx);
      } catch (err) {
        if (!isConnectionLoss(err)) throw err;
        let closed = false;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          finished.then(() => {
            closed = true;
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, CLOSE_WAIT_MS);
          }),
        ]);
        clearTimeout(timer);
        if (closed) return new Promise<never>(() => {});
        throw err;
      }
    };
    const begun = (sql.begin as (...a: unknown[]) => Promise<unknown>)(...args.slice(0, -1), body);
    finished = begun.then(
      () => undefined,
      () => undefined,
    );
    return begun;
  };
  return new Proxy(sql, {
    get: (target, prop, receiver) => (prop === "begin" ? begin : Reflect.get(target, prop, receiver)),
  });
}

/** The error says the connection itself is gone (not a failed statement on a live one). */
function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  const code = e?.cause?.code ?? e?.code ?? "";
  return (
    [
      "CONNECTION_CLOSED",
      "CONNECTION_ENDED",
      "CONNECTION_DESTROYED",
      "ECONNRESET",
      "EPIPE",
      "ETIMEDOUT",
    ].includes(code) ||
    code.startsWith("57P") || // admin shutdown, crash shutdown
    code.startsWith("08") // connection exceptions
  );
}
