import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkMessage } from "./block-kit";
import { Dispatcher } from "./dispatch";
import { ChannelRateLimiter, Faults } from "./faults";
import { parseApiCall, parseBody, parseMultipart, readBody, Sleeper, send, sendJson } from "./http";
import { answerSubmission, closeModal, modalStack } from "./methods-views";
import { isRecord } from "./protocol";
import { BOT_TOKEN, BOT_USER_ID, DEFAULT_TRIGGER_USER, TEAM_ID, Workspace } from "./state";
import type { FakeMessage, FakeSlack, RecordedCall } from "./types";
import { waitFor } from "./wait";

export type * from "./types";

/** Methods that change nothing a person could see (their calls do not bump the version). */
const READ_ONLY =
  /^(auth\.test|users\.info|conversations\.(list|info|members|history|replies)|chat\.getPermalink|files\.getUploadURLExternal)$/;

/** Slack's response_url limits: 30 minutes, 5 uses. */
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const RESPONSE_URL_USES = 5;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

class FakeSlackServer {
  readonly ws = new Workspace();
  readonly calls: RecordedCall[] = [];
  readonly faults = new Faults();
  readonly limiter = new ChannelRateLimiter();
  readonly sleeper = new Sleeper();
  readonly server: Server;
  baseUrl = "";
  private readonly dispatcher = new Dispatcher(this.ws, this.faults, this.limiter, () => this.baseUrl);

  constructor() {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`fake-slack: internal error on ${req.url}: ${message}`);
        send(res, 500, `fake-slack internal error: ${message}`, "text/plain; charset=utf-8");
      });
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl || "http://127.0.0.1");
    const [, root, id, ...rest] = url.pathname.split("/");
    if (root === "api" && id && rest.length === 0) return this.api(id, req, res, url);
    if (req.method === "POST" && root === "upload" && id) return this.upload(id, req, res);
    if (req.method === "POST" && root === "response" && id) return this.respond(id, req, res, url);
    send(res, 404, `fake-slack: no route for ${req.method} ${url.pathname}`, "text/plain; charset=utf-8");
  }

  private async api(method: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const receivedAt = Date.now();
    const parsed = await parseApiCall(req, url).catch(() => undefined);
    if (!parsed) {
      // Slack's answer to a body it cannot parse.
      this.calls.push({
        method,
        args: {},
        at: Date.now(),
        ok: false,
        error: "invalid_form_data",
        status: 200,
      });
      return sendJson(res, 200, { ok: false, error: "invalid_form_data" });
    }
    const call: RecordedCall = { method, args: parsed.args, at: Date.now(), ok: false, status: 0 };
    this.calls.push(call);
    try {
      const reply = await this.dispatcher.handle(method, parsed.args, parsed.token, receivedAt);
      Object.assign(call, {
        status: reply.status,
        ok: reply.ok,
        ...(reply.error ? { error: reply.error } : {}),
      });
      if (reply.delayMs) await this.sleeper.sleep(reply.delayMs);
      if (reply.reset) {
        req.socket.destroy();
        return;
      }
      send(res, reply.status, reply.body, reply.contentType, reply.headers);
      if (reply.ok && !READ_ONLY.test(method)) this.ws.changed();
    } catch (error) {
      Object.assign(call, { status: 500, ok: false, error: "fake_internal_error" });
      throw error;
    }
  }

  private async upload(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const upload = this.ws.uploads.get(id);
    if (!upload) return send(res, 404, "file not found", "text/plain; charset=utf-8");
    const isMultipart = (req.headers["content-type"] ?? "").toLowerCase().startsWith("multipart/form-data");
    const fields = isMultipart ? await parseMultipart(req, body) : {};
    const filePart = Object.values(fields).find((v): v is Buffer => Buffer.isBuffer(v));
    upload.content = isMultipart ? (filePart ?? Buffer.alloc(0)) : body;
    send(res, 200, `OK - ${upload.content.length}`, "text/plain; charset=utf-8");
  }

  private async respond(id: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const raw = await parseBody(req, await readBody(req)).catch(() => undefined);
    const state = this.ws.responseUrls.get(id);
    if (!state) return sendJson(res, 404, { ok: false, error: "no_service" });
    if (Date.now() > state.expiresAt) return sendJson(res, 404, { ok: false, error: "expired_url" });
    if (state.usesLeft <= 0) return sendJson(res, 404, { ok: false, error: "used_url" });
    const body = typeof raw?.payload === "string" ? parseJson(raw.payload) : raw;
    if (!isRecord(body)) return sendJson(res, 400, { ok: false, error: "invalid_payload" });
    const text = typeof body.text === "string" ? body.text : undefined;
    const problem = checkMessage({ text, blocks: body.blocks });
    if (problem) return sendJson(res, 400, { ok: false, error: problem.error, errors: problem.messages });
    state.usesLeft -= 1;
    this.ws.responses.push({ url: `${this.baseUrl}${url.pathname}`, body, at: Date.now() });
    sendJson(res, 200, { ok: true });
    this.ws.changed();
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.sleeper.wakeAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function facade(s: FakeSlackServer): FakeSlack {
  const { ws } = s;
  return {
    url: `${s.baseUrl}/api/`,
    baseUrl: s.baseUrl,
    botUserId: BOT_USER_ID,
    teamId: TEAM_ID,
    botToken: BOT_TOKEN,
    calls: s.calls,
    messages: ws.messages,
    ephemerals: ws.ephemerals,
    channels: ws.channels,
    users: ws.users,
    views: ws.views,
    responses: ws.responses,
    files: ws.files,
    addChannel: (name, opts) => {
      const id = ws.addChannel(name, opts).id;
      ws.changed();
      return id;
    },
    addUser: (id, opts) => {
      ws.addUser(id, opts);
      ws.changed();
    },
    addMessage: (input): FakeMessage => {
      if (!ws.channels.has(input.channel))
        throw new Error(`fake-slack: addMessage: no channel ${input.channel}`);
      if (!ws.users.has(input.user)) ws.addUser(input.user);
      const message = ws.storeMessage(input);
      ws.changed();
      return message;
    },
    issueTrigger: ({ ttlMs = 3000, user = DEFAULT_TRIGGER_USER } = {}) => {
      const id = `${ws.nowSeconds()}.${Number.parseInt(ws.nextId(""), 36)}.${randomBytes(10).toString("hex")}`;
      ws.triggers.set(id, { expiresAt: Date.now() + ttlMs, used: false, user });
      return id;
    },
    responseUrl: ({ ttlMs = RESPONSE_URL_TTL_MS, maxUses = RESPONSE_URL_USES } = {}) => {
      const id = `${ws.nextId("T")}/${ws.nextId("B")}/${randomBytes(12).toString("hex")}`.replaceAll(
        "/",
        "-",
      );
      ws.responseUrls.set(id, { expiresAt: Date.now() + ttlMs, usesLeft: maxUses });
      return `${s.baseUrl}/response/${id}`;
    },
    failNext: (method, failure) => s.faults.add(method, failure),
    setSocketModeUrl: (issue) => {
      ws.socketModeUrl = issue;
    },
    clearFaults: () => s.faults.clear(),
    setChannelRateLimit: (opts) => s.limiter.set(opts),
    setChatWritePublic: (enabled) => {
      ws.chatWritePublic = enabled;
    },
    setScopes: (scopes) => {
      ws.scopes = scopes ? new Set(scopes) : null;
      ws.chatWritePublic = scopes ? scopes.includes("chat:write.public") : true;
    },
    visibleTo: (channel, user) => {
      const found = ws.channels.get(channel);
      if (!found) throw new Error(`fake-slack: visibleTo: no channel ${channel}`);
      return ws.visibleTo(found, user);
    },
    messagesIn: (channel) => ws.messagesIn(channel),
    callsTo: (method) => s.calls.filter((c) => c.method === method),
    waitFor: (predicate, opts) => waitFor(predicate, s.calls, opts),
    reset: () => {
      s.calls.length = 0;
      ws.reset();
      s.faults.clear();
      s.limiter.set(null);
    },
    close: () => s.close(),
    get version() {
      return ws.version;
    },
    onChange: (listener) => ws.onChange(listener),
    changed: () => ws.changed(),
    snapshot: () => ws.snapshot(),
    restore: (snapshot) => ws.restore(snapshot),
    modalStack: (user) => modalStack(ws, user),
    answerSubmission: (user, viewId, answer) => {
      answerSubmission(ws, user, viewId, answer);
      ws.changed();
    },
    closeModal: (user, viewId) => {
      closeModal(ws, user, viewId);
      ws.changed();
    },
  };
}

/** Starts the fake Slack Web API on 127.0.0.1 (port 0 = any free port). */
export async function startFakeSlack(opts: { port?: number } = {}): Promise<FakeSlack> {
  const server = new FakeSlackServer();
  await server.listen(opts.port ?? 0);
  return facade(server);
}
