import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv, { type AnySchema } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMMAND, SHORTCUT } from "../../../src/messages/ids.js";

/**
 * Keeps slack/manifest.yaml honest: valid per Slack's manifest schema, declaring the command,
 * shortcut and events the code handles, and asking for exactly the bot scopes the code's Web
 * API calls need (found by reading src/, so a new call without its scope fails here).
 */

const MANIFEST_PATH = fileURLToPath(new URL("../../../slack/manifest.yaml", import.meta.url));
const SRC_DIR = fileURLToPath(new URL("../../../src/", import.meta.url));
const SLACK_DATA_DIR =
  process.env.SLACK_DATA_DIR ?? fileURLToPath(new URL("../../../vendor/slack-data/", import.meta.url));
// The versioned file, not manifest-schema/manifest.schema.json: that one only dispatches on
// _metadata.major_version to copies of these files at remote URLs (raw.githubusercontent.com),
// which a unit test must not fetch. The manifest declares major_version 2, the 2.0.0 branch.
const SCHEMA_PATH = join(SLACK_DATA_DIR, "manifest-schema", "schemas", "manifest.schema.2.0.0.json");
const METHODS_DIR = join(SLACK_DATA_DIR, "web-api-methods", "docs.slack.dev", "methods");
const EVENTS_PATH = join(SLACK_DATA_DIR, "web-api-methods", "docs.slack.dev", "events", "events.json");

/** Bot scopes the manifest may hold without a Web API call asking for them. */
const SCOPES_WITHOUT_A_CALL: Record<string, string> = {
  commands: "the /incident slash command and the message shortcut",
  "chat:write.public":
    "post to public stakeholder channels the bot has not joined (delivery/settle.ts joins and retries without it)",
};

/**
 * conversations.* methods list one scope per conversation type (channels: public, groups:
 * private, im: DMs, mpim: group DMs), and the bot needs the one for each type it works on.
 * The policy's `incident_channels` makes incident channels public or private, and stakeholder
 * channels may be either, so by default a call needs both its channels:* and groups:* scope
 * (where Slack lists one: conversations.join has no private variant, private channels cannot
 * be joined); the methods below also or only touch the reporter's DM.
 */
const CONVERSATION_TYPES = ["channels", "groups", "im", "mpim"];
const DEFAULT_CONVERSATION_TYPES = ["channels", "groups"];
const CONVERSATION_TYPES_BY_METHOD: Record<string, string[]> = {
  // Opens the DM with the reporter (delivery/probe.ts, before reading it on a retry).
  "conversations.open": ["im"],
  // On a retried post, reads the incident/stakeholder channel or the reporter's DM.
  "conversations.history": ["channels", "groups", "im"],
};

/** @slack/web-api helpers that are not Web API methods themselves. */
const HELPER_METHODS: Record<string, string[]> = {
  "files.uploadV2": ["files.getUploadURLExternal", "files.completeUploadExternal"],
};

const GROUPS = "chat|conversations|views|pins|users|files|auth|reactions|bookmarks|usergroups";
const CALL = new RegExp(`\\.(${GROUPS})\\.([A-Za-z][A-Za-z0-9]*)\\(`, "g");

interface Manifest {
  _metadata?: { major_version?: number };
  features?: {
    slash_commands?: { command: string; url?: string }[];
    shortcuts?: { type: string; callback_id: string }[];
    app_home?: { home_tab_enabled?: boolean };
  };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: {
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
    interactivity?: { is_enabled?: boolean; request_url?: string };
  };
}

interface MethodDoc {
  scope?: unknown;
  no_scope_required?: boolean;
}

/** One thing a called method needs: any one of `anyOf` in the manifest. */
interface Need {
  method: string;
  what: string;
  anyOf: string[];
}

const manifest = parse(readFileSync(MANIFEST_PATH, "utf8")) as Manifest;
const botScopes = manifest.oauth_config?.scopes?.bot ?? [];

/**
 * Web API methods called as `<x>.<group>.<method>(`, whitespace around the dots ignored. A
 * match that is not a Slack method (say `stats.users.add(`) fails the scope test loudly rather
 * than being skipped, so a method missing from the reference data is never silently passed.
 */
function webApiCalls(source: string): string[] {
  const normalised = source.replace(/\s*\.\s*/g, ".").replace(/\s+\(/g, "(");
  const helpers = [...normalised.matchAll(/\.filesUploadV2\(/g)].map(() => "files.uploadV2");
  return [...[...normalised.matchAll(CALL)].map((m) => `${m[1]}.${m[2]}`), ...helpers];
}

/** The Slack emulator and the demo's sandbox play Slack's side; they call no Web API. */
const NOT_THE_APP = /^(emulator|demo)\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !NOT_THE_APP.test(f))
    .map((f) => join(dir, f));
}

/** Every method called in src/, with the files calling it. */
function calledMethods(): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  for (const file of sourceFiles(SRC_DIR)) {
    for (const call of webApiCalls(readFileSync(file, "utf8"))) {
      for (const method of HELPER_METHODS[call] ?? [call]) {
        const where = file.slice(SRC_DIR.length);
        const files = calls.get(method) ?? [];
        if (!files.includes(where)) files.push(where);
        calls.set(method, files);
      }
    }
  }
  return calls;
}

function methodDoc(method: string): MethodDoc | null {
  const path = join(METHODS_DIR, `${method}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as MethodDoc) : null;
}

const typeOf = (scope: string) => scope.split(":")[0]!;

/** What the method needs from a bot token, per Slack's published method reference. */
function needsOf(method: string): Need[] {
  const doc = methodDoc(method);
  if (!doc) return [{ method, what: "a method Slack documents (no such file)", anyOf: [] }];
  const scope = doc.scope;
  const listed = scope && typeof scope === "object" ? (scope as Record<string, string[] | undefined>) : {};
  const bot = listed.bot ?? [];
  if (bot.length === 0) {
    const userOnly = Object.values(listed).some((s) => (s?.length ?? 0) > 0);
    return doc.no_scope_required || !userOnly
      ? []
      : [{ method, what: "a bot token (Slack lists user scopes only)", anyOf: [] }];
  }
  if (!bot.some((s) => CONVERSATION_TYPES.includes(typeOf(s)))) {
    return [{ method, what: "any of", anyOf: bot }];
  }
  const types = (CONVERSATION_TYPES_BY_METHOD[method] ?? DEFAULT_CONVERSATION_TYPES).filter(
    (type) => CONVERSATION_TYPES_BY_METHOD[method] || bot.some((s) => typeOf(s) === type),
  );
  return types.map((type) => ({
    method,
    what: `${type}: conversations`,
    anyOf: bot.filter((s) => typeOf(s) === type),
  }));
}

function scopeTable(calls: Map<string, string[]>, needs: Need[]): string {
  const lines = [...calls.keys()].sort().map((method) => {
    const own = needs.filter((n) => n.method === method);
    const text = own.length
      ? own
          .map((n) => {
            const have = n.anyOf.filter((s) => botScopes.includes(s));
            return `${n.what} [${n.anyOf.join(", ")}] → ${have.length ? have.join(", ") : "MISSING"}`;
          })
          .join("; ")
      : "no scope needed";
    return `  ${method.padEnd(28)} ${text}   (${calls.get(method)!.join(", ")})`;
  });
  return `manifest bot scopes: ${botScopes.join(", ")}\nmethod → needs → granted by:\n${lines.join("\n")}`;
}

function remoteRefs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) remoteRefs(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string" && !value.startsWith("#")) found.push(value);
      else remoteRefs(value, found);
    }
  }
  return found;
}

describe("slack/manifest.yaml", () => {
  it("is valid per Slack's app manifest schema 2.0.0", () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as AnySchema & { $schema?: string };
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#"); // plain Ajv, not Ajv2020
    // The 2.0.0 file refers only to its own definitions; a remote $ref would need stubbing here.
    expect(remoteRefs(schema)).toEqual([]);
    // strictTypes off: the schema has a union `type` and `minItems` on string items (in parts
    // Switchboard does not use), which strict mode would only log as noise.
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    addFormats(ajv);
    // Slack's schema uses two keywords JSON Schema does not define: `_note` (a comment) and
    // `regex` on display_information.background_color, plainly meant as `pattern`. Strict mode
    // rejects unknown keywords, so declare them, and enforce `regex` as the hex check it means.
    ajv.addKeyword({ keyword: "_note", schemaType: "string" });
    ajv.addKeyword({
      keyword: "regex",
      type: "string",
      schemaType: "string",
      validate: (pattern: string, data: string) => new RegExp(pattern).test(data),
    });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? [], ajv.errorsText(validate.errors, { separator: "\n" })).toEqual([]);
    expect(valid).toBe(true);
    expect(manifest._metadata?.major_version).toBe(2);
  });

  it("declares the command, shortcut and events the app handles", () => {
    expect(manifest.features?.slash_commands?.map((c) => c.command)).toEqual([COMMAND]);
    expect(manifest.features?.shortcuts?.map((s) => [s.type, s.callback_id])).toEqual([
      ["message", SHORTCUT.logAsIncident],
    ]);
    expect(botScopes).toContain("commands");
    expect(manifest.features?.app_home?.home_tab_enabled).toBe(true);

    const events = manifest.settings?.event_subscriptions?.bot_events ?? [];
    expect(events).toContain("app_home_opened");
    const handled = new Set<string>();
    for (const file of sourceFiles(SRC_DIR)) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bapp\.event\(\s*["']([a-z_.]+)["']/g)) {
        handled.add(m[1]!);
      }
    }
    expect([...events].sort(), "bot_events must be the events src/ handles with app.event()").toEqual(
      [...handled].sort(),
    );
    // Any scope an event needs must be granted too.
    const catalogue = JSON.parse(readFileSync(EVENTS_PATH, "utf8")) as { name: string; scopes?: string[] }[];
    for (const event of events) {
      const entry = catalogue.find((e) => e.name === event);
      expect(entry, `${event} is not a Slack event`).toBeDefined();
      const scopes = entry?.scopes ?? [];
      const granted = scopes.length === 0 || scopes.some((s) => botScopes.includes(s));
      expect(granted, `${event} needs one of ${scopes.join(", ")}`).toBe(true);
    }
  });

  it("sends commands, interactivity and events to Bolt's single URL", () => {
    const urls = [
      ...(manifest.features?.slash_commands ?? []).map((c) => c.url),
      manifest.settings?.event_subscriptions?.request_url,
      manifest.settings?.interactivity?.request_url,
    ];
    expect(manifest.settings?.interactivity?.is_enabled).toBe(true);
    for (const url of urls) expect(url).toBe("https://YOUR-HOST/slack/events");
  });

  it("asks for exactly the bot scopes the code's Web API calls need", () => {
    const calls = calledMethods();
    // Guard against a scanner that silently finds nothing.
    expect([...calls.keys()]).toEqual(expect.arrayContaining(["chat.postMessage", "views.open"]));
    for (const method of Object.keys(CONVERSATION_TYPES_BY_METHOD)) {
      expect(calls.has(method), `${method} in CONVERSATION_TYPES_BY_METHOD is no longer called`).toBe(true);
    }
    const needs = [...calls.keys()].flatMap(needsOf);
    const table = scopeTable(calls, needs);

    const unmet = needs.filter((n) => !n.anyOf.some((s) => botScopes.includes(s)));
    expect(
      unmet.map((n) => `${n.method}: ${n.what} [${n.anyOf.join(", ")}]`),
      `calls without a granted scope\n${table}`,
    ).toEqual([]);

    // A scope is needed when it alone grants something a call needs; a second scope granting
    // the same thing (channels:write.invites beside channels:manage) is surplus.
    const needed = new Set(
      needs
        .map((n) => n.anyOf.filter((s) => botScopes.includes(s)))
        .flatMap((g) => (g.length === 1 ? g : [])),
    );
    const surplus = botScopes.filter((s) => !needed.has(s) && !(s in SCOPES_WITHOUT_A_CALL));
    expect(surplus, `scopes no call needs\n${table}`).toEqual([]);
    expect(new Set(botScopes).size, "duplicate scopes").toBe(botScopes.length);
  });
});

describe("webApiCalls", () => {
  it("finds calls however the receiver is named and across line breaks", () => {
    const source = [
      "await slack.chat.postMessage({ channel });",
      "await client.views.open({ trigger_id });",
      "await deps.slack.conversations.create({ name });",
      "const link = await deps.slack.chat\n      .getPermalink({ channel, message_ts })",
      "await slack.auth.test();",
      'throw new Error("conversations.open returned no channel");',
      "const chat = deps.chat; log.info({ views: 1 }, 'views.open failed');",
    ].join("\n");
    expect(webApiCalls(source)).toEqual([
      "chat.postMessage",
      "views.open",
      "conversations.create",
      "chat.getPermalink",
      "auth.test",
    ]);
  });
});
