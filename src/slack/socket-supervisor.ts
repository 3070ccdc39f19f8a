import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import {
  AttemptTimeout,
  defaultBackoffMs,
  describeFailure,
  failureReason,
  HOPELESS,
} from "./socket-failures.js";

/** The part of @slack/socket-mode's client the supervisor drives (its reconnect is turned off). */
export interface SocketClient {
  start(): Promise<unknown>;
  disconnect(): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: the client is an EventEmitter with untyped payloads.
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/complexity/noBannedTypes: EventEmitter's own signature.
  listeners(event: string): Function[];
  removeAllListeners(event: string): unknown;
}

export interface SocketSupervisorOptions {
  client: SocketClient;
  logger: Logger;
  metrics: Metrics;
  /** How long the process may go without a connection, at start-up or later, before giving up. */
  deadlineMs: number;
  /** Called once when a lost connection has not come back within deadlineMs. */
  onLost: (reason: string) => void;
  /** /readyz stays "ok" this long into a disconnection: a routine refresh is over well within it. */
  readyGraceMs?: number;
  /** An attempt that neither connects nor fails within this is abandoned and tried again. */
  attemptTimeoutMs?: number;
  /** The pause before the next attempt after `failures` failed ones in a row. */
  backoffMs?: (failures: number) => number;
  /** Attempts start at least this far apart, so a link that drops at once is not hammered. */
  minAttemptGapMs?: number;
  now?: () => number;
}

export const READY_GRACE_MS = 15_000;
/** Slack waits this long for an ack; a `disconnect` is held no longer for the ones in flight. */
const ACK_WINDOW_MS = 3_000;
/** Envelopes put envelope_id first; in a JSON string a quote is escaped, so text cannot fake this. */
const ENVELOPE_ID = /^\{"envelope_id":"([^"]+)"/;
const MIN_ATTEMPT_GAP_MS = 1_000;

type State = "idle" | "connecting" | "connected" | "waiting" | "stopped";

/**
 * Keeps the Socket Mode connection open. The client's own reconnect is off because it never
 * tries again once its Web API client has given up on an HTTP error or a connection reset
 * from apps.connections.open, and it waits 5 s before every reconnect; here a dropped
 * connection is re-opened at once, failures are
 * retried with backoff, every disconnect and reconnect is logged and counted, and a connection
 * that stays lost for deadlineMs ends the process (onLost) so its supervisor restarts it.
 * Slack's `disconnect` is passed on only once the envelopes in flight are answered.
 */
export class SocketSupervisor {
  private state: State = "idle";
  private connectedOnce = false;
  private downSince: number;
  private lastAttemptAt = 0;
  private disconnectReason: string | null = null;
  private connections: number | null = null;
  private deadline: NodeJS.Timeout | undefined;
  private wake: (() => void) | null = null;
  private inFlight: Promise<unknown> | null = null;
  /** Envelopes received on the current connection and not yet acknowledged. */
  private readonly unanswered = new Set<string>();
  /** Bumped at every new connection, so a held `disconnect` never reaches a newer one. */
  private generation = 0;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly backoff: (failures: number) => number;

  constructor(private readonly opts: SocketSupervisorOptions) {
    this.log = opts.logger.child({ component: "slack.socket" });
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoffMs ?? defaultBackoffMs;
    this.downSince = this.now();
    this.interceptFrames(opts.client);
    opts.client.on("outgoing_message", (m: { envelope_id?: unknown }) => {
      if (typeof m?.envelope_id === "string") this.unanswered.delete(m.envelope_id);
    });
    opts.client.on("disconnected", () => this.onDisconnected());
  }

  /** For /readyz: connected, or lost for less than the grace (never before the first connection). */
  ready(): boolean {
    if (this.state === "connected") return true;
    if (!this.connectedOnce || this.state === "stopped") return false;
    return this.now() - this.downSince < (this.opts.readyGraceMs ?? READY_GRACE_MS);
  }

  /**
   * Opens the first connection, retrying until the deadline; throws the last error then, or at
   * once when Slack refuses the app-level token.
   */
  async start(): Promise<void> {
    const giveUpAt = this.now() + this.opts.deadlineMs;
    for (let failures = 0; ; ) {
      try {
        await this.attempt();
        this.onConnected("start");
        return;
      } catch (err) {
        if (this.isStopped() || HOPELESS.has(failureReason(err))) throw err;
        failures += 1;
        // The last attempt is made at the deadline itself, so start-up never gives up early.
        const left = giveUpAt - this.now();
        if (left <= 0) throw err;
        const wait = Math.min(this.backoff(failures), left);
        this.log.warn(
          { attempt: failures, reason: failureReason(err), err: describeFailure(err), retryInMs: wait },
          "socket mode could not connect; trying again",
        );
        await this.sleep(wait);
      }
    }
  }

  /** Stops reconnecting; an attempt still in flight is waited for (the app's stop closes it). */
  async stop(): Promise<void> {
    this.state = "stopped";
    clearTimeout(this.deadline);
    this.wake?.();
    this.opts.metrics.socketConnected.set(0);
    await this.inFlight?.catch(() => {});
  }

  /** A method, not a field test, because stop() can change the state across an await. */
  private isStopped(): boolean {
    return this.state === "stopped";
  }

  private onConnected(how: "start" | "reconnect"): void {
    if (this.isStopped()) {
      // stop() ran while this attempt was in flight: close what it opened.
      void this.opts.client.disconnect();
      return;
    }
    const downMs = this.now() - this.downSince;
    this.state = "connected";
    this.generation += 1;
    this.connectedOnce = true;
    clearTimeout(this.deadline);
    this.deadline = undefined;
    this.opts.metrics.socketConnected.set(1);
    if (how === "reconnect") {
      this.opts.metrics.socketReconnects.inc();
      this.log.info({ downMs, connections: this.connections }, "socket mode reconnected");
    } else {
      this.log.info({ connections: this.connections }, "socket mode connected");
    }
  }

  private onDisconnected(): void {
    // Attempts see their own failures; only the loss of an open connection starts a reconnect.
    if (this.state !== "connected") return;
    const reason = this.disconnectReason ?? "connection_lost";
    this.disconnectReason = null;
    this.unanswered.clear();
    this.state = "waiting";
    this.downSince = this.now();
    this.opts.metrics.socketConnected.set(0);
    this.opts.metrics.socketDisconnects.inc({ reason });
    this.log.info({ reason }, "socket mode disconnected; reconnecting");
    this.deadline = setTimeout(() => this.giveUp(reason), this.opts.deadlineMs);
    this.deadline.unref();
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    let failures = 0;
    while (this.state === "waiting") {
      const wait = Math.max(
        failures > 0 ? this.backoff(failures) : 0,
        this.lastAttemptAt + (this.opts.minAttemptGapMs ?? MIN_ATTEMPT_GAP_MS) - this.now(),
      );
      if (wait > 0) await this.sleep(wait);
      if (this.state !== "waiting") return;
      try {
        await this.attempt();
        this.onConnected("reconnect");
        return;
      } catch (err) {
        if (this.isStopped()) return;
        this.state = "waiting";
        failures += 1;
        const reason = failureReason(err);
        this.opts.metrics.socketConnectFailures.inc({ reason });
        this.log.warn(
          { attempt: failures, reason, err: describeFailure(err), downMs: this.now() - this.downSince },
          "socket mode reconnect failed; trying again",
        );
      }
    }
  }

  private giveUp(reason: string): void {
    if (this.state === "connected" || this.state === "stopped") return;
    this.log.error(
      { reason, downMs: this.now() - this.downSince, deadlineMs: this.opts.deadlineMs },
      "socket mode could not reconnect in time; exiting so the process is restarted",
    );
    this.opts.onLost(reason);
  }

  /** One start of the client, bounded so a handshake that never ends cannot stall reconnecting. */
  private async attempt(): Promise<void> {
    if (this.state === "stopped") throw new Error("stopped");
    this.state = "connecting";
    this.lastAttemptAt = this.now();
    this.connections = null;
    const started = this.opts.client.start();
    this.inFlight = started;
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.opts.attemptTimeoutMs ?? 30_000;
    try {
      await Promise.race([
        started,
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            // Closing the half-open socket makes the client's start() settle too.
            void this.opts.client.disconnect();
            reject(new AttemptTimeout(timeoutMs));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      started.catch(() => {});
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * Sits in front of the client's frame handler. The client closes its socket the moment Slack
   * sends `disconnect`, so an envelope still being handled then could no longer be acknowledged
   * and the user would see an error; the `disconnect` is held until those are answered (at
   * most Slack's 3 s). Envelopes are only counted here, never read.
   */
  private interceptFrames(client: SocketClient): void {
    const handlers = client.listeners("ws_message");
    client.removeAllListeners("ws_message");
    client.on("ws_message", (data: unknown, isBinary: unknown) => {
      const forward = () => {
        for (const handle of handlers) handle.call(client, data, isBinary);
      };
      if (typeof data !== "string") return forward();
      const envelope = ENVELOPE_ID.exec(data);
      if (envelope?.[1]) {
        this.unanswered.add(envelope[1]);
        return forward();
      }
      const frame = controlFrame(data);
      if (frame?.type === "hello" && typeof frame.num_connections === "number") {
        this.connections = frame.num_connections;
      }
      if (frame?.type !== "disconnect") return forward();
      this.disconnectReason =
        typeof frame.reason === "string" && /^[a-z_]{1,40}$/.test(frame.reason) ? frame.reason : "other";
      this.holdUntilAnswered(forward);
    });
  }

  private holdUntilAnswered(forward: () => void): void {
    const generation = this.generation;
    const until = this.now() + ACK_WINDOW_MS;
    const check = () => {
      // The connection ended meanwhile: the held frame belongs to it, not to the next one.
      if (this.generation !== generation || this.state !== "connected") return;
      if (this.unanswered.size === 0 || this.now() >= until) return forward();
      setTimeout(check, 10).unref();
    };
    check();
  }
}

/** A hello or disconnect frame, or null for anything else (envelopes are not parsed here). */
function controlFrame(data: string): { type?: unknown; reason?: unknown; num_connections?: unknown } | null {
  if (data.length > 2_000 || !(data.includes('"hello"') || data.includes('"disconnect"'))) return null;
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}
