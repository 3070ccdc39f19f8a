import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Slack's published platform data, vendored in `vendor/slack-data` (`SLACK_DATA_DIR` overrides). */
export const SLACK_DATA_DIR =
  process.env.SLACK_DATA_DIR ?? fileURLToPath(new URL("../../vendor/slack-data/", import.meta.url));

const METHODS_DIR = join(SLACK_DATA_DIR, "web-api-methods", "docs.slack.dev", "methods");

/**
 * Error codes the fake may return from any method even when that method's JSON does not list
 * them. Slack documents these once for the whole Web API rather than per method; keep it small.
 * `missing_argument` is the fallback for an absent required argument on methods that do not
 * list `invalid_arguments`.
 */
export const GENERIC_ERRORS: ReadonlySet<string> = new Set([
  "not_authed",
  "invalid_auth",
  "ratelimited",
  "missing_scope",
  "invalid_arguments",
  "missing_argument",
  "internal_error",
  "fatal_error",
  "unknown_method",
  "invalid_blocks",
  "msg_blocks_too_long",
  "view_too_large",
]);

export interface MethodDoc {
  required: string[];
  errors: Set<string>;
  rateLimit: string | undefined;
  /** Bot-token scopes, any one of which Slack accepts (per conversation type for conversations.*). */
  botScopes: string[];
}

interface RawMethodDoc {
  args?: { required?: string[] };
  errors?: Record<string, unknown>;
  rate_limits?: string;
  scope?: { bot?: string[] } | unknown;
}

let methodNames: Set<string> | undefined;
const docs = new Map<string, MethodDoc>();

function knownMethods(): Set<string> {
  if (!methodNames) {
    if (!existsSync(METHODS_DIR)) throw new Error(`fake-slack: method docs not found at ${METHODS_DIR}`);
    methodNames = new Set(
      readdirSync(METHODS_DIR)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -".json".length)),
    );
  }
  return methodNames;
}

export function isKnownMethod(method: string): boolean {
  return knownMethods().has(method);
}

function botScopesOf(scope: unknown): string[] {
  const bot = scope && typeof scope === "object" ? (scope as { bot?: unknown }).bot : undefined;
  return Array.isArray(bot) ? bot.filter((s): s is string => typeof s === "string") : [];
}

/** The method's published description, loaded on first use and cached. */
export function methodDoc(method: string): MethodDoc {
  const cached = docs.get(method);
  if (cached) return cached;
  if (!isKnownMethod(method)) throw new Error(`fake-slack: no such Slack method "${method}"`);
  const raw = JSON.parse(readFileSync(join(METHODS_DIR, `${method}.json`), "utf8")) as RawMethodDoc;
  const doc: MethodDoc = {
    required: raw.args?.required ?? [],
    errors: new Set(Object.keys(raw.errors ?? {})),
    rateLimit: raw.rate_limits,
    botScopes: botScopesOf(raw.scope),
  };
  docs.set(method, doc);
  return doc;
}

export function isErrorAllowed(method: string, error: string): boolean {
  return GENERIC_ERRORS.has(error) || methodDoc(method).errors.has(error);
}

/** Throws (a bug in the fake or in a test's `failNext`) when Slack could never answer `method` with `error`. */
export function assertErrorAllowed(method: string, error: string): void {
  if (!isErrorAllowed(method, error)) {
    throw new Error(`fake-slack: ${method} cannot return "${error}" (not in its documented errors)`);
  }
}

/** Code for an absent required argument: `invalid_arguments` where documented, else `missing_argument`. */
export function missingArgumentError(method: string): string {
  return methodDoc(method).errors.has("invalid_arguments") ? "invalid_arguments" : "missing_argument";
}
