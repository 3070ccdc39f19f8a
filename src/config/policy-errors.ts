import type { z } from "zod";

/** How a YAML value reads in an error message: `"15 mins"`, `15`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value) ?? String(value);
}

const TYPE_NOUNS: Readonly<Record<string, string>> = {
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  string: "text",
  number: "a number",
  boolean: "true or false",
};

/** Error messages written for someone editing YAML rather than for a TypeScript developer. */
export const policyErrorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === "invalid_type") {
    if (iss.input === undefined) return "required";
    return `expected ${TYPE_NOUNS[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
  }
  if (iss.code === "invalid_value") {
    if (iss.input === undefined) return "required";
    return `expected one of ${iss.values.map(String).join(", ")}, got ${describeValue(iss.input)}`;
  }
  if (iss.code === "too_small" && iss.minimum === 1 && (iss.origin === "array" || iss.origin === "string")) {
    return "must not be empty";
  }
  if (iss.code === "invalid_key") {
    const reason = iss.issues[0]?.message ?? "invalid";
    return `invalid name ${describeValue(iss.input)}: ${reason}`;
  }
  return undefined;
};

/** `incident_types.complaint.escalation[1]`; the document itself is `(top level)`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(top level)" : out;
}

/** One line per problem; an object with several unknown keys gives one line per key. */
export function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: ${issue.message}`);
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}
