import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLES, parseEnv } from "../../../src/config/env.js";

const EXAMPLE = readFileSync(new URL("../../../.env.example", import.meta.url), "utf8");

/** `NAME=value` lines, set or commented out (`# NAME=value`: the default, shown for editing). */
function entries(text: string): { name: string; value: string; commented: boolean }[] {
  return [...text.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
    name: m[2] ?? "",
    value: m[3] ?? "",
    commented: m[1] !== undefined,
  }));
}

const listed = entries(EXAMPLE);
const setLines = Object.fromEntries(listed.filter((e) => !e.commented).map((e) => [e.name, e.value]));

describe(".env.example", () => {
  it("lists every variable env.ts reads, and nothing else", () => {
    const names = listed.map((e) => e.name);
    expect([...names].sort()).toEqual([...ENV_VARIABLES].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it("gives each variable a comment line right above it", () => {
    const lines = EXAMPLE.split("\n");
    const isEntry = (line: string) => /^(#\s*)?[A-Z][A-Z0-9_]*=/.test(line);
    const explains = (line: string) => line.startsWith("# ") && !isEntry(line) && !line.startsWith("# ---");
    const unexplained = lines.filter((line, i) => isEntry(line) && !explains(lines[i - 1] ?? ""));
    expect(unexplained).toEqual([]);
  });

  it("starts as it is, once copied: the set lines parse (placeholders included)", () => {
    const parsed = parseEnv(setLines);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
  });

  it("shows the real default on every commented or pre-filled line", () => {
    const required = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };
    const defaults = parseEnv(required);
    const differing = listed
      .filter((e) => !(e.name in required))
      .filter(
        (e) => JSON.stringify(parseEnv({ ...required, [e.name]: e.value })) !== JSON.stringify(defaults),
      )
      .map((e) => `${e.name}=${e.value}`);
    expect(differing).toEqual([]);
  });
});
