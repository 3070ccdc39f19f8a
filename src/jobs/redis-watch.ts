import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { describeError, type Logger } from "../lib/logger.js";

export interface RedisWatch {
  stop(): void;
}

/**
 * Notices within one interval that Redis lost its data — FLUSHALL, a restart without
 * persistence, a failover to an empty replica — and runs `recover` (re-queue from PostgreSQL)
 * at once instead of waiting for the next sweep.
 *
 * Each deployment keeps one marker key in Redis. Every interval each worker sets it only if
 * it is absent: the key missing after it had been seen means the data went with it. Of
 * several workers the one whose SET wins runs the recovery; the others see the new marker.
 * While Redis is down the checks fail quietly and the first one after it returns decides.
 */
export function watchRedis(p: {
  redis: Redis;
  prefix: string;
  intervalMs: number;
  logger: Logger;
  recover: () => Promise<unknown>;
}): RedisWatch {
  const key = `${p.prefix}:switchboard:marker`;
  let seen = false;
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const created = await p.redis.set(key, `${Date.now()}:${randomUUID()}`, "NX");
      const lost = created === "OK" && seen;
      seen = true;
      if (lost) {
        p.logger.warn("Redis lost its data; re-queueing timers and pending work from PostgreSQL");
        await p.recover().catch(async (err: unknown) => {
          // Drop the marker again so that the next check retries the recovery.
          await p.redis.del(key);
          throw err;
        });
      }
    } catch (err) {
      p.logger.warn({ err: describeError(err) }, "Redis marker check or recovery failed; will try again");
    } finally {
      running = false;
    }
  };
  void check();
  const timer = setInterval(check, p.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
