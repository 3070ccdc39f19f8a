import { readFileSync } from "node:fs";
import { type Policy, parsePolicy } from "../config/policy.js";

/** The demo's policy (policy.yaml) with each {{channel-name}} replaced by that channel's id. */
export function demoPolicy(channelIds: Record<string, string>): Policy {
  const template = readFileSync(new URL("./policy.yaml", import.meta.url), "utf8");
  const yaml = template.replace(/\{\{([a-z0-9_-]+)\}\}/g, (_, name: string) => {
    const id = channelIds[name];
    if (!id) throw new Error(`demo policy names a channel the demo workspace lacks: ${name}`);
    return id;
  });
  const parsed = parsePolicy(yaml, "demo policy");
  if (!parsed.ok) throw new Error(`demo policy invalid: ${parsed.error.join("; ")}`);
  return parsed.value;
}
