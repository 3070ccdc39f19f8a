import { performance } from "node:perf_hooks";

/** One request: latency from its *scheduled* start until the response status arrived. */
export interface Sample {
  latencyMs: number;
  /** When the request was due, in ms from the start of the load. */
  dueMs: number;
  /** HTTP status; 0 when the request failed without a response. */
  status: number;
  error?: string;
}

export interface LoadResult {
  /** How many requests were scheduled (rate × duration, rounded down). */
  scheduled: number;
  samples: Sample[];
  /** Requests still without an answer when the drain timeout ran out (not in `samples`). */
  unanswered: number;
  /** How far behind schedule the generator itself sent its worst request, in ms. */
  maxSendLagMs: number;
}

export interface LoadOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  send: () => Promise<Response>;
  /** How long to wait for requests in flight after the last one was sent (default 10 s). */
  drainTimeoutMs?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

/** Nearest-rank percentiles; all zero for an empty list. */
export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  if (sorted.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0, count: 0 };
  return {
    p50: rank(50)!,
    p95: rank(95)!,
    p99: rank(99)!,
    max: sorted[sorted.length - 1]!,
    count: sorted.length,
  };
}

/**
 * Open-loop load: request i is due at start + i / rate whatever happened to the earlier ones,
 * so a slow server builds a queue and its latency shows it. If the event loop wakes late,
 * every request that fell due meanwhile is sent at once, still timed from its due time.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const total = Math.floor((opts.rate * opts.durationMs) / 1000);
  const intervalMs = 1000 / opts.rate;
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  let maxSendLagMs = 0;
  const start = performance.now();

  const fire = (i: number) => {
    const dueAt = start + i * intervalMs;
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - dueAt);
    const done = timeOne(opts.send, dueAt, start).then((sample) => {
      samples.push(sample);
      inFlight.delete(done);
    });
    inFlight.add(done);
  };

  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      for (; next < total && start + next * intervalMs <= now; next++) fire(next);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    tick();
  });
  const unanswered = await drain(inFlight, opts.drainTimeoutMs ?? 10_000);
  return { scheduled: total, samples: [...samples], unanswered, maxSendLagMs };
}

async function timeOne(send: () => Promise<Response>, dueAt: number, start: number): Promise<Sample> {
  const dueMs = dueAt - start;
  try {
    const res = await send();
    const latencyMs = performance.now() - dueAt;
    // Read the (small) body so the connection goes back to the pool.
    await res.arrayBuffer().catch(() => undefined);
    return { latencyMs, dueMs, status: res.status };
  } catch (err) {
    return { latencyMs: performance.now() - dueAt, dueMs, status: 0, error: String(err) };
  }
}

/** The worst latency among the requests due in each `stepMs` of the load, as "0s:12 2s:30 …". */
export function worstPerStep(samples: Sample[], stepMs: number): string {
  const worst = new Map<number, number>();
  for (const s of samples) {
    const step = Math.floor(s.dueMs / stepMs);
    worst.set(step, Math.max(worst.get(step) ?? 0, s.latencyMs));
  }
  return [...worst.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, ms]) => `${(step * stepMs) / 1000}s:${ms.toFixed(0)}`)
    .join(" ");
}

/** Waits for every request in flight, at most `timeoutMs`; returns how many never answered. */
async function drain(inFlight: Set<Promise<void>>, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all([...inFlight]), timeout]);
  clearTimeout(timer);
  return inFlight.size;
}
