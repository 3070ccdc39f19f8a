import type { IncomingMessage, ServerResponse } from "node:http";
import { type Args, isRecord } from "./protocol";

/** Request parsing and response writing for the fake's node:http server. */

/** Arguments Slack takes as JSON-encoded strings in form posts. */
const JSON_FIELDS = ["blocks", "view", "attachments", "metadata", "files", "unfurled_attachments"];

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Multipart form fields: strings as strings, file parts as Buffers. */
export async function parseMultipart(
  req: IncomingMessage,
  body: Buffer,
): Promise<Record<string, string | Buffer>> {
  const headers = { "content-type": req.headers["content-type"] ?? "" };
  const form = await new Response(new Uint8Array(body), { headers }).formData();
  const fields: Record<string, string | Buffer> = {};
  for (const [key, value] of form.entries()) {
    fields[key] = typeof value === "string" ? value : Buffer.from(await value.arrayBuffer());
  }
  return fields;
}

/** A body as Slack reads it: JSON object, multipart form, or url-encoded form (the default). */
export async function parseBody(req: IncomingMessage, body: Buffer): Promise<Args> {
  const type = mediaType(req);
  if (type === "application/json") {
    const parsed: unknown = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
    if (!isRecord(parsed)) throw new SyntaxError("JSON body is not an object");
    return parsed;
  }
  if (type === "multipart/form-data") return parseMultipart(req, body);
  return Object.fromEntries(new URLSearchParams(body.toString("utf8")));
}

function decodeJsonFields(args: Args): void {
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== "string" || value === "") continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // Left as a string: the handler reports it the way Slack does (e.g. invalid_blocks_format).
    }
  }
}

/** Web API arguments (query string, then body) and the token (Authorization header, else `token`). */
export async function parseApiCall(req: IncomingMessage, url: URL): Promise<{ args: Args; token?: string }> {
  const args: Args = {
    ...Object.fromEntries(url.searchParams),
    ...(await parseBody(req, await readBody(req))),
  };
  decodeJsonFields(args);
  const header = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const field = typeof args.token === "string" && args.token !== "" ? args.token : undefined;
  delete args.token;
  const token = header ?? field;
  return token === undefined ? { args } : { args, token };
}

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { "Content-Type": contentType, ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  send(res, status, JSON.stringify(body), "application/json; charset=utf-8");
}

/** setTimeout-based sleeps that close() can cut short. */
export class Sleeper {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  wakeAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve();
    }
    this.pending.clear();
  }
}
