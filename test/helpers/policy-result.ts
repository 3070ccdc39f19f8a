import type { Policy, parsePolicy } from "../../src/config/policy.js";

type Parsed = ReturnType<typeof parsePolicy>;

/** The policy a test expects to parse; fails with its error lines when it does not. */
export function policyOf(result: Parsed): Policy {
  if (!result.ok) throw new Error(`policy did not parse:\n${result.error.join("\n")}`);
  return result.value;
}

/** The error lines a test expects; fails when the policy parsed. */
export function errorsOf(result: Parsed): string[] {
  if (result.ok) throw new Error("policy parsed but errors were expected");
  return result.error;
}
