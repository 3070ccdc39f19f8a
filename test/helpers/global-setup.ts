import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { runMigrations } from "../../src/db/migrate.js";
import { adminUrl, databaseName, TEST_DATABASE_URL, templateName } from "./services.js";

/**
 * Builds the migrated template the test files copy, once per set of migrations: under a name of
 * its own first, renamed when complete, so a run starting beside another never sees half a
 * template and never drops the one the other is copying.
 */
export default async function setup(): Promise<void> {
  const name = templateName();
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes("test")) {
    throw new Error(`refusing to build test database "${name}": its name must contain "test"`);
  }
  const admin = postgres(adminUrl(TEST_DATABASE_URL), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (found) return;
    const building = `${databaseName(TEST_DATABASE_URL)}_build_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await admin.unsafe(`create database ${building}`);
    try {
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${building}`;
      await runMigrations(url.toString());
      await admin.unsafe(`alter database ${building} rename to ${name}`);
    } catch (err) {
      await admin.unsafe(`drop database if exists ${building} with (force)`);
      // Another run finished the same template first: use theirs.
      const [theirs] = await admin`select 1 from pg_database where datname = ${name}`;
      if (!theirs) throw err;
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}
