import { ApiError } from "./api-error";
import type { Workspace } from "./state";

export type Args = Record<string, unknown>;
export type Body = Record<string, unknown>;

export { ApiError } from "./api-error";

export interface HandlerContext {
  ws: Workspace;
  method: string;
  /** "http://127.0.0.1:<port>", for URLs the fake serves itself (uploads). */
  baseUrl: string;
  /** When the request arrived: Slack judges a trigger's age then, not after checking the view. */
  receivedAt: number;
}

/** Returns the success body without `ok`; throws `ApiError` for platform errors. */
export type Handler = (args: Args, ctx: HandlerContext) => Body | Promise<Body>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(args: Args, key: string): string | undefined {
  const value = args[key];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** A string argument Slack requires even when the method JSON does not say so. */
export function need(args: Args, key: string, error = "invalid_arguments"): string {
  const value = str(args, key);
  if (value === undefined || value === "") {
    throw new ApiError(error, {
      response_metadata: { messages: [`[ERROR] missing required field: ${key}`] },
    });
  }
  return value;
}

export function bool(args: Args, key: string): boolean {
  const value = args[key];
  return value === true || value === 1 || value === "true" || value === "1";
}

export function int(args: Args, key: string, fallback: number): number {
  const raw = str(args, key);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  return Number.isInteger(value) ? value : Number.NaN;
}

/** A comma-separated list argument such as `users`. */
export function list(args: Args, key: string): string[] {
  const raw = str(args, key) ?? "";
  return raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** An optional array argument (already JSON-parsed); a non-array value is reported as `error`. */
export function arrayArg(args: Args, key: string, error: string): unknown[] | undefined {
  const value = args[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (!Array.isArray(value)) throw new ApiError(error);
  return value;
}

/** Opaque cursors as Slack uses: base64 of `next:<offset>`. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`next:${offset}`).toString("base64");
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const match = /^next:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  if (!match) throw new ApiError("invalid_cursor");
  return Number(match[1]);
}
