import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { FakeSlack } from "../emulator/types.js";
import type { Logger } from "../lib/logger.js";
import type { SandboxActions } from "./sandbox-actions.js";
import { sandboxState } from "./sandbox-state.js";
import { people } from "./workspace.js";

/** The demo's page and its JSON API on 127.0.0.1 (the "Sandbox API" of src/demo/README.md). */

export const WEB_DIR = fileURLToPath(new URL("./web/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** SSE: how long changes are gathered into one event, and the keep-alive comment's interval. */
const CHANGE_DEBOUNCE_MS = 100;
const KEEPALIVE_MS = 15_000;
const MAX_BODY_BYTES = 1_000_000;

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "must be a user id");
const channelId = z.string().min(1);
const anyRecord = z.record(z.string(), z.unknown());

const MessageBody = z.object({
  as: userId,
  channel: channelId,
  text: z.string().min(1).max(40_000),
  thread_ts: z.string().optional(),
});
const Source = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message"), channel: channelId, ts: z.string() }),
  z.object({ type: z.literal("ephemeral"), id: z.string() }),
  z.object({ type: z.literal("view"), view_id: z.string() }),
  z.object({ type: z.literal("home") }),
]);
const ActionBody = z.object({
  as: userId,
  source: Source,
  action: z.looseObject({ type: z.string(), action_id: z.string() }),
  state: anyRecord.optional(),
});
const SubmitBody = z.object({ as: userId, view_id: z.string(), values: anyRecord });
const CloseBody = z.object({ as: userId, view_id: z.string() });
const OptionsBody = z.object({
  as: userId,
  view_id: z.string(),
  block_id: z.string(),
  action_id: z.string(),
  value: z.string(),
});
const HomeBody = z.object({ as: userId });
const ShortcutBody = z.object({ as: userId, channel: channelId, ts: z.string() });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SandboxServer {
  url: string;
  close(): Promise<void>;
}

export async function startSandboxServer(opts: {
  port: number;
  slack: FakeSlack;
  actions: SandboxActions;
  logger: Logger;
}): Promise<SandboxServer> {
  const { slack, actions } = opts;
  const streams = new Set<ServerResponse>();
  let pending: NodeJS.Timeout | null = null;
  const announce = () => {
    pending = null;
    const data = `event: change\ndata: ${JSON.stringify({ version: slack.version })}\n\n`;
    for (const res of streams) res.write(data);
  };
  const unsubscribe = slack.onChange(() => {
    pending ??= setTimeout(announce, CHANGE_DEBOUNCE_MS);
  });
  const keepAlive = setInterval(() => {
    for (const res of streams) res.write(": keep-alive\n\n");
  }, KEEPALIVE_MS);

  /** A person of the workspace (not the bot, not someone unknown). */
  const person = (id: string) => {
    const user = slack.users.get(id);
    if (!user || user.is_bot || user.deleted) throw new HttpError(400, `unknown person ${id}`);
    return id;
  };

  const api: Record<string, (body: unknown) => Promise<unknown>> = {
    "/api/message": async (raw) => {
      const b = parse(MessageBody, raw);
      const as = person(b.as);
      if (!actions.canSee(as, b.channel)) return { ok: false, error: "channel_not_found" };
      if (b.text.startsWith("/")) return actions.command(as, b.channel, b.text);
      slack.addMessage({ channel: b.channel, user: as, text: b.text, thread_ts: b.thread_ts });
      return { ok: true };
    },
    "/api/action": async (raw) => {
      const b = parse(ActionBody, raw);
      return actions.action(person(b.as), b.source, b.action, b.state);
    },
    "/api/submit": async (raw) => {
      const b = parse(SubmitBody, raw);
      return actions.submit(person(b.as), b.view_id, b.values);
    },
    "/api/close": async (raw) => {
      const b = parse(CloseBody, raw);
      return actions.close(person(b.as), b.view_id);
    },
    "/api/options": async (raw) => {
      const b = parse(OptionsBody, raw);
      return actions.options(person(b.as), {
        viewId: b.view_id,
        blockId: b.block_id,
        actionId: b.action_id,
        value: b.value,
      });
    },
    "/api/home": async (raw) => actions.openHome(person(parse(HomeBody, raw).as)),
    "/api/shortcut": async (raw) => {
      const b = parse(ShortcutBody, raw);
      return actions.shortcut(person(b.as), b.channel, b.ts);
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    if (req.method === "GET" && path === "/api/state") {
      // A first visit names nobody: it sees the workspace as the first persona (the agent).
      const as = person(url.searchParams.get("as") || people()[0]!.id);
      return sendJson(res, 200, sandboxState(slack, actions, as));
    }
    if (req.method === "GET" && path === "/api/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      res.write(`event: change\ndata: ${JSON.stringify({ version: slack.version })}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    if (req.method === "GET" && path.startsWith("/api/files/")) {
      const file = slack.files.find((f) => f.id === decodeURIComponent(path.slice("/api/files/".length)));
      if (!file) throw new HttpError(404, "no such file");
      res.writeHead(200, {
        "content-type": CONTENT_TYPES[extname(file.filename)] ?? "application/octet-stream",
        "content-disposition": `inline; filename="${file.filename.replace(/"/g, "")}"`,
      });
      res.end(file.content);
      return;
    }
    const route = api[path];
    if (route) {
      if (req.method !== "POST") throw new HttpError(405, "use POST");
      return sendJson(res, 200, await route(await readJson(req)));
    }
    if (req.method === "GET" || req.method === "HEAD") return serveStatic(path, res);
    throw new HttpError(404, "not found");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { ok: false, error: err.message });
      opts.logger.error(
        { err: err instanceof Error ? err.message : String(err), url: req.url },
        "sandbox error",
      );
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: "internal error" });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      unsubscribe();
      clearInterval(keepAlive);
      if (pending) clearTimeout(pending);
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** `/` is index.html; any other file directly in web/ by its name. */
async function serveStatic(path: string, res: ServerResponse): Promise<void> {
  const name = path === "/" ? "index.html" : decodeURIComponent(path.slice(1));
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) throw new HttpError(404, "not found");
  const content = await readFile(join(WEB_DIR, name)).catch(() => null);
  if (!content) throw new HttpError(404, "not found");
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[extname(name)] ?? "application/octet-stream",
    "cache-control": "no-cache",
  });
  res.end(content);
}
