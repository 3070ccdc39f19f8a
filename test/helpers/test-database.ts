import { afterAll, beforeAll } from "vitest";
import { createDatabase, type Database } from "../../src/db/client.js";
import { createTestDatabase } from "./services.js";

/**
 * A database of one test file's own (a copy of the migrated template) with a pool of `max`
 * connections: created before the file's tests, dropped after them. Read `db` in tests and hooks.
 */
export function useTestDatabase(max: number): { readonly db: Database["db"] } {
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = createDatabase(created.url, { max });
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });
  return {
    get db() {
      if (!database) throw new Error("the test database is made in beforeAll: read it in a test or hook");
      return database.db;
    },
  };
}
