import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { startFakeSlack } from "../../src/emulator/server.js";
import type { FakeSlack } from "../../src/emulator/types.js";
import { type Harness, type HarnessOptions, startHarness, USERS } from "./harness.js";
import { slashCommand } from "./slack-payloads.js";

/**
 * A fake Slack Socket Mode backend: apps.connections.open on the fake Web API hands out
 * one-use `ws://` URLs to this server, which says hello, sends envelopes to one open connection
 * each (as Slack does: with several connections, any one of them), and reads the acks.
 */

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export type Delivery =
  | { acked: true; payload: Record<string, unknown> | undefined; connection: number; ms: number }
  | { acked: false; reason: "no_connection" | "connection_closed" | "no_ack"; connection: number | null };

export interface FakeSocketMode {
  /** Connections that said hello and are not being closed. */
  openConnections(): number;
  /** Every connection accepted so far. */
  readonly accepted: number;
  /** Every frame a client sent that was not an ack (should stay empty). */
  readonly strayFrames: unknown[];
  /** Sends one envelope and waits for its ack (or its loss). */
  deliver(type: EnvelopeType, payload: unknown, opts?: { ackTimeoutMs?: number }): Promise<Delivery>;
  /** Slack's `disconnect` message to every open connection (they are expected to reconnect). */
  disconnectAll(reason?: string): void;
  /** Drops every connection without a close frame, as a network fault does. */
  dropAll(): void;
  /**
   * From now on each connection is ended `everyMs` after it opened, alternately by a
   * `disconnect` message (at once) and by a drop (between envelopes). Returns a function that
   * stops it.
   */
  endEach(everyMs: number): () => void;
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Connection {
  id: number;
  socket: WebSocket;
  openedAt: number;
  /** A disconnect was sent: Slack routes nothing more to it. */
  closing: boolean;
  timer?: NodeJS.Timeout;
}

interface Pending {
  connection: Connection;
  sentAt: number;
  settle: (d: Delivery) => void;
}

export async function startFakeSocketMode(slack: FakeSlack): Promise<FakeSocketMode> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const connections: Connection[] = [];
  const pending = new Map<string, Pending>();
  const strayFrames: unknown[] = [];
  let accepted = 0;
  let turn = 0;
  let endEvery: number | null = null;
  let endings = 0;

  http.on("upgrade", (req, socket: Socket, head) => {
    const url = new URL(req.url ?? "/", "ws://127.0.0.1");
    const ticket = url.searchParams.get("ticket") ?? "";
    // A URL from apps.connections.open is good for one connection.
    if (url.pathname !== "/link/" || !tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  function accept(socket: WebSocket): void {
    accepted += 1;
    const c: Connection = { id: accepted, socket, openedAt: Date.now(), closing: false };
    connections.push(c);
    socket.on("message", (data) => onFrame(c, data.toString()));
    socket.on("close", () => forget(c));
    socket.on("error", () => forget(c));
    const open = connections.filter((x) => !x.closing).length;
    socket.send(
      JSON.stringify({
        type: "hello",
        num_connections: open,
        debug_info: { host: "applink-fake", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: "A0APP" },
      }),
    );
    if (endEvery !== null) scheduleEnd(c, endEvery);
  }

  function scheduleEnd(c: Connection, everyMs: number): void {
    c.timer = setTimeout(() => {
      endings += 1;
      // Slack's renewal: a `disconnect` message whenever it suits Slack, envelopes in flight or
      // not; the client is expected to answer those before it closes.
      if (endings % 2 === 1) return sendDisconnect(c, "refresh_requested");
      // A drop is timed between envelopes: one caught in flight by a real fault is lost on any
      // set-up, and what a drill measures is the gap until a connection is open again.
      c.closing = true;
      const drained = Date.now() + 3_000;
      const end = () => {
        if (inFlight(c) > 0 && Date.now() < drained) {
          setTimeout(end, 5);
          return;
        }
        drop(c);
      };
      end();
    }, everyMs);
  }

  function inFlight(c: Connection): number {
    let n = 0;
    for (const p of pending.values()) if (p.connection === c) n += 1;
    return n;
  }

  function onFrame(c: Connection, text: string): void {
    let frame: { envelope_id?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(text);
    } catch {
      strayFrames.push(text);
      return;
    }
    const id = typeof frame.envelope_id === "string" ? frame.envelope_id : "";
    const p = pending.get(id);
    // An ack counts only on the connection the envelope went out on.
    if (!p || p.connection !== c) {
      strayFrames.push(frame);
      return;
    }
    pending.delete(id);
    const payload =
      frame.payload && typeof frame.payload === "object" && Object.keys(frame.payload).length > 0
        ? (frame.payload as Record<string, unknown>)
        : undefined;
    p.settle({ acked: true, payload, connection: c.id, ms: Date.now() - p.sentAt });
  }

  function forget(c: Connection): void {
    clearTimeout(c.timer);
    const index = connections.indexOf(c);
    if (index >= 0) connections.splice(index, 1);
    for (const [id, p] of pending) {
      if (p.connection !== c) continue;
      pending.delete(id);
      p.settle({ acked: false, reason: "connection_closed", connection: c.id });
    }
  }

  function sendDisconnect(c: Connection, reason: string): void {
    if (c.closing) return;
    c.closing = true;
    c.socket.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-fake" } }));
  }

  function drop(c: Connection): void {
    c.closing = true;
    c.socket.terminate();
    forget(c);
  }

  const open = () => connections.filter((c) => !c.closing);

  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  slack.setSocketModeUrl(() => {
    const ticket = randomUUID();
    tickets.add(ticket);
    return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=A0APP`;
  });

  return {
    openConnections: () => open().length,
    get accepted() {
      return accepted;
    },
    strayFrames,
    deliver(type, payload, { ackTimeoutMs = 10_000 } = {}) {
      const candidates = open();
      if (candidates.length === 0)
        return Promise.resolve({ acked: false, reason: "no_connection", connection: null });
      const c = candidates[turn++ % candidates.length] as Connection;
      const envelopeId = randomUUID();
      return new Promise<Delivery>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(envelopeId);
          resolve({ acked: false, reason: "no_ack", connection: c.id });
        }, ackTimeoutMs);
        pending.set(envelopeId, {
          connection: c,
          sentAt: Date.now(),
          settle: (d) => {
            clearTimeout(timer);
            resolve(d);
          },
        });
        c.socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== "events_api",
            ...(type === "events_api" ? { retry_attempt: 0, retry_reason: "" } : {}),
          }),
        );
      });
    },
    disconnectAll(reason = "refresh_requested") {
      for (const c of open()) sendDisconnect(c, reason);
    },
    dropAll() {
      for (const c of [...connections]) drop(c);
    },
    endEach(everyMs) {
      endEvery = everyMs;
      for (const c of open()) {
        clearTimeout(c.timer);
        scheduleEnd(c, Math.max(0, everyMs - (Date.now() - c.openedAt)));
      }
      return () => {
        endEvery = null;
        for (const c of connections) clearTimeout(c.timer);
      };
    },
    async waitForConnections(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (open().length < n) {
        if (Date.now() > deadline) {
          throw new Error(
            `fake Socket Mode: ${open().length} open connections after ${timeoutMs} ms, wanted ${n}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      slack.setSocketModeUrl(null);
      for (const c of [...connections]) drop(c);
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The app-level token the Socket Mode tests run with. */
export const APP_TOKEN = "xapp-1-A0APP-1-test";

export interface SocketHarness {
  h: Harness;
  socketMode: FakeSocketMode;
  /** `/incident <text>` as a Socket Mode envelope. */
  command(text: string, p?: { user?: string }): Promise<Delivery>;
  /** An interactive payload (view_submission, block_actions…) as a Socket Mode envelope. */
  interactive(payload: unknown): Promise<Delivery>;
  stop(): Promise<void>;
}

/** The whole system in Socket Mode against the fake Web API and a fake Socket Mode server. */
export async function startSocketHarness(
  opts: HarnessOptions & {
    /** Runs before the system starts, e.g. to make apps.connections.open fail at start-up. */
    prepare?: (slack: FakeSlack) => void;
  } = {},
): Promise<SocketHarness> {
  const slack = await startFakeSlack();
  const socketMode = await startFakeSocketMode(slack);
  opts.prepare?.(slack);
  const h = await startHarness({
    ...opts,
    fakeSlack: slack,
    config: {
      slack: { botToken: slack.botToken, appToken: APP_TOKEN, apiUrl: slack.url },
      ...opts.config,
    },
  });
  return {
    h,
    socketMode,
    command: (text, p = {}) => {
      const user = p.user ?? USERS.agent;
      return socketMode.deliver(
        "slash_commands",
        slashCommand({
          text,
          user,
          channel: h.channels.floor,
          // Long-lived, so a loaded machine cannot make the test about speed.
          triggerId: slack.issueTrigger({ user, ttlMs: 60_000 }),
          responseUrl: slack.responseUrl(),
        }),
      );
    },
    interactive: (payload) => socketMode.deliver("interactive", payload),
    async stop() {
      await h.stop();
      await socketMode.close();
    },
  };
}
