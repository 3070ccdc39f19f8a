import { assertErrorAllowed, isKnownMethod } from "./method-docs";
import type { Args } from "./protocol";
import type { FailureSpec } from "./types";

/** Queued `failNext` failures, consumed first-in first-out per method. */
export class Faults {
  private pending: Array<{ method: string; spec: FailureSpec; remaining: number }> = [];

  add(method: string, spec: FailureSpec): void {
    if (!isKnownMethod(method)) throw new Error(`fake-slack: failNext("${method}"): no such Slack method`);
    if (spec.error !== undefined) assertErrorAllowed(method, spec.error);
    const fails = spec.error !== undefined || spec.status !== undefined || spec.afterEffect || spec.reset;
    if (!fails && spec.delayMs === undefined)
      throw new Error("fake-slack: failNext needs error, status, reset, delayMs or afterEffect");
    if (spec.status === 200 && spec.error === undefined)
      throw new Error("fake-slack: failNext status 200 needs an error");
    const times = spec.times ?? 1;
    if (!(Number.isInteger(times) && times >= 1))
      throw new Error("fake-slack: failNext times must be a positive integer");
    this.pending.push({ method, spec, remaining: times });
  }

  /** The failure for this call, if one is queued for it (and for its channel). */
  take(method: string, args: Args): FailureSpec | undefined {
    const channel = args.channel ?? args.channel_id;
    const index = this.pending.findIndex(
      (p) => p.method === method && (p.spec.channel === undefined || p.spec.channel === channel),
    );
    const entry = this.pending[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.pending.splice(index, 1);
    return entry.spec;
  }

  clear(): void {
    this.pending = [];
  }
}

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** A token bucket per channel (chat.postMessage), full at start. */
export class ChannelRateLimiter {
  private config: RateLimit | null = null;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  set(config: RateLimit | null): void {
    if (config && !(config.perSecond > 0 && config.burst >= 1)) {
      throw new Error("fake-slack: setChannelRateLimit needs perSecond > 0 and burst >= 1");
    }
    this.config = config;
    this.buckets.clear();
  }

  /** 0 when the call may proceed (a token is spent), else whole seconds until a token is available. */
  take(channel: string, now = Date.now()): number {
    if (!this.config) return 0;
    const { perSecond, burst } = this.config;
    const bucket = this.buckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }
}
