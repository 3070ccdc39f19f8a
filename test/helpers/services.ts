import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the integration suite finds PostgreSQL and Redis. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/switchboard_test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

export function adminUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = "/postgres";
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  return new URL(databaseUrl).pathname.slice(1);
}

/**
 * The migrated template the test files copy: named after TEST_DATABASE_URL's database and a hash
 * of the migrations, so test runs going on at once share it and none drops it from under another;
 * a new migration gets a new template.
 */
export function templateName(): string {
  const folder = fileURLToPath(new URL("../../drizzle/", import.meta.url));
  const hash = createHash("sha256");
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(join(folder, file)));
  }
  return `${databaseName(TEST_DATABASE_URL)}_tpl_${hash.digest("hex").slice(0, 10)}`;
}

/**
 * A database of its own for one test file, copied from the migrated template that the global
 * setup builds. Files then cannot see each other's incidents (the sweep would pick them up).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: postgres } = await import("postgres");
  const { randomUUID } = await import("node:crypto");
  const template = templateName();
  const name = `${databaseName(TEST_DATABASE_URL)}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl(TEST_DATABASE_URL), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${template}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(adminUrl(TEST_DATABASE_URL), { max: 1, connect_timeout: 5, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}
