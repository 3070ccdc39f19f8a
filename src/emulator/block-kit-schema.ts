import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { SLACK_DATA_DIR } from "./method-docs";

/**
 * Compiles the shared Block Kit JSON Schema once and turns ajv's errors into Slack-style
 * messages: `<problem> [json-pointer:/blocks/0/text/text]`.
 */

const SCHEMA_PATH = join(SLACK_DATA_DIR, "block-kit-schema", "slack-block-kit.schema.json");

interface SchemaDoc {
  $id: string;
  $defs: Record<string, Record<string, unknown>>;
}

interface Compiled {
  /** One validator per block `type`, so a block is checked against its own definition only. */
  blocks: Map<string, ValidateFunction>;
  /** Modal and home view definitions with `blocks` items unchecked (blocks are checked per type). */
  views: Map<string, ValidateFunction>;
}

let compiled: Compiled | undefined;

function blockTypeOf(def: Record<string, unknown>): string | undefined {
  const props = def.properties as { type?: { const?: unknown } } | undefined;
  return typeof props?.type?.const === "string" ? props.type.const : undefined;
}

/** The view definition with `blocks.items` relaxed; the blocks get the per-type treatment. */
function viewShell(def: Record<string, unknown>): Record<string, unknown> {
  const shell = structuredClone(def);
  const props = shell.properties as Record<string, Record<string, unknown>>;
  props.blocks = { ...props.blocks, items: true };
  return shell;
}

/**
 * Rewrites `oneOf: [$ref…]` unions whose branches all carry a distinct `type` constant into
 * "if type is X then X's schema", so a payload is only checked against the branch it names and
 * the errors are about that branch instead of every alternative.
 */
function discriminateUnions(node: unknown, defs: SchemaDoc["$defs"]): void {
  if (Array.isArray(node)) {
    for (const child of node) discriminateUnions(child, defs);
    return;
  }
  if (!isObject(node)) return;
  for (const child of Object.values(node)) discriminateUnions(child, defs);
  if (!Array.isArray(node.oneOf)) return;
  const branches = node.oneOf.map((item: unknown) => {
    const ref = isObject(item) && typeof item.$ref === "string" ? item.$ref : "";
    return { ref, type: blockTypeOf(defs[ref.split("/").pop() ?? ""] ?? {}) };
  });
  const types = branches.map((b) => b.type);
  if (types.some((t) => t === undefined) || new Set(types).size !== types.length) return;
  delete node.oneOf;
  node.type = "object";
  node.required = [...((node.required as string[] | undefined) ?? []), "type"];
  node.properties = { ...(node.properties as object | undefined), type: { enum: types } };
  const cases = branches.map((b) => ({
    if: { properties: { type: { const: b.type } }, required: ["type"] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, never awaited.
    then: { $ref: b.ref },
  }));
  node.allOf = [...((node.allOf as unknown[] | undefined) ?? []), ...cases];
}

function compile(): Compiled {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as SchemaDoc;
  const defs = schema.$defs;
  const blockNames = ((defs.block?.oneOf ?? []) as Array<{ $ref: string }>).map(
    (r) => r.$ref.split("/").pop() ?? "",
  );
  discriminateUnions(defs, defs);
  for (const type of ["modal", "home"]) {
    const def = defs[`${type}_view`];
    if (!def) throw new Error(`fake-slack: ${type}_view missing from the Block Kit schema`);
    defs[`${type}_view_shell`] = viewShell(def);
  }
  const ajv = new Ajv2020({ strict: false, allErrors: true, verbose: true });
  addFormats(ajv);
  ajv.addSchema(schema);
  const get = (name: string): ValidateFunction => {
    const fn = ajv.getSchema(`${schema.$id}#/$defs/${name}`);
    if (!fn) throw new Error(`fake-slack: cannot compile $defs/${name}`);
    return fn;
  };
  const blocks = new Map<string, ValidateFunction>();
  for (const name of blockNames) {
    const type = blockTypeOf(defs[name] ?? {});
    if (type) blocks.set(type, get(name));
  }
  const views = new Map([
    ["modal", get("modal_view_shell")],
    ["home", get("home_view_shell")],
  ]);
  return { blocks, views };
}

function schemas(): Compiled {
  compiled ??= compile();
  return compiled;
}

export function blockValidator(type: string): ValidateFunction | undefined {
  return schemas().blocks.get(type);
}

export function viewValidator(type: string): ValidateFunction | undefined {
  return schemas().views.get(type);
}

export function pointerMessage(message: string, pointer: string): string {
  return `${message} [json-pointer:${pointer}]`;
}

const SUMMARY_KEYWORDS = new Set(["oneOf", "anyOf", "if", "allOf", "not"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** True for errors produced by a union branch whose `type` discriminator does not match the data. */
function fromMismatchedBranch(error: ErrorObject, all: ErrorObject[]): boolean {
  const wanted = blockTypeOf(error.parentSchema ?? {});
  if (wanted !== undefined && isObject(error.data) && error.data.type !== wanted) return true;
  if (error.keyword !== "const" || !error.instancePath.endsWith("/type")) return false;
  const owner = parentPath(error.instancePath);
  return all.some((e) => SUMMARY_KEYWORDS.has(e.keyword) && e.instancePath === owner);
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "maxLength":
      return `must be less than ${Number(params.limit) + 1} characters`;
    case "minLength":
      return `must be more than ${Number(params.limit) - 1} characters`;
    case "maxItems":
      return `must be no more than ${String(params.limit)} items`;
    case "minItems":
      return `must provide at least ${String(params.limit)} items`;
    case "required":
      return `missing required field: ${String(params.missingProperty)}`;
    case "additionalProperties":
      return `invalid additional property: ${String(params.additionalProperty)}`;
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case "enum":
      return error.instancePath.endsWith("/type") && typeof error.data === "string"
        ? `type "${error.data}" is not valid here`
        : `must be one of ${JSON.stringify(params.allowedValues)}`;
    default:
      return error.message ?? "is not valid";
  }
}

/** Slack-style messages for ajv errors, noise from non-matching union branches removed. */
export function formatErrors(errors: ErrorObject[] | null | undefined, pointer: string): string[] {
  const all = errors ?? [];
  const kept = all.filter((e) => !fromMismatchedBranch(e, all));
  const specific = kept.filter((e) => !SUMMARY_KEYWORDS.has(e.keyword));
  const within = (path: string, root: string) => path === root || path.startsWith(`${root}/`);
  const shown = kept.filter(
    (e) => !SUMMARY_KEYWORDS.has(e.keyword) || !specific.some((s) => within(s.instancePath, e.instancePath)),
  );
  const messages = shown.map((e) => pointerMessage(describe(e), `${pointer}${e.instancePath}`));
  return [...new Set(messages)];
}
