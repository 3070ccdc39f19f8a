import postgres from "postgres";
import { runMigrations } from "../../src/db/migrate.js";
import { adminUrl, databaseName, TEST_DATABASE_URL } from "./services.js";

/** A fresh database per run: the incident log refuses DELETE and TRUNCATE, so it is dropped whole. */
export default async function setup(): Promise<void> {
  const name = databaseName(TEST_DATABASE_URL);
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes("test")) {
    throw new Error(`refusing to recreate database "${name}": its name must contain "test"`);
  }
  const admin = postgres(adminUrl(TEST_DATABASE_URL), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  await runMigrations(TEST_DATABASE_URL);
}
