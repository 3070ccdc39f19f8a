/**
 * Runs before `npm test`: if PostgreSQL or Redis is not reachable, say so in one line and
 * stop, instead of letting every integration test fail with its own connection error.
 */
import { Redis } from "ioredis";
import postgres from "postgres";
import { adminUrl, TEST_DATABASE_URL, TEST_REDIS_URL } from "./helpers/services.js";

const HOW = "start them with `docker compose up -d postgres redis` (or see README: Running the tests)";

async function postgresReachable(): Promise<string | null> {
  const sql = postgres(adminUrl(TEST_DATABASE_URL), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (err) {
    return `PostgreSQL at ${new URL(TEST_DATABASE_URL).host} (${(err as Error).message})`;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function redisReachable(): Promise<string | null> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3_000,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return `Redis at ${new URL(TEST_REDIS_URL).host} (${(err as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

const down = (await Promise.all([postgresReachable(), redisReachable()])).filter(
  (x): x is string => x !== null,
);
if (down.length > 0) {
  console.error(`npm test: cannot reach ${down.join(" and ")}: ${HOW}.`);
  process.exit(1);
}
