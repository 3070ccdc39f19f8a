import { Redis, type RedisOptions } from "ioredis";

/**
 * Workers block on Redis and must wait out a Redis restart (maxRetriesPerRequest: null, as
 * BullMQ requires). Producers run inside Slack requests and must fail fast instead, so the
 * user hears about it and PostgreSQL's record is picked up later by the sweep.
 */
export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

export function createProducerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}
