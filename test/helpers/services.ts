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
 * A database of its own for one test file, copied from the migrated template that the global
 * setup builds. Files then cannot see each other's incidents (the sweep would pick them up).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: postgres } = await import("postgres");
  const { randomUUID } = await import("node:crypto");
  const template = databaseName(TEST_DATABASE_URL);
  const name = `${template}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
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
