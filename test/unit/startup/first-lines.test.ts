import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { BUILT_IN_POLICY_WARNING } from "../../../src/config/policy.js";

const ROOT = new URL("../../../", import.meta.url).pathname;

/** A port nothing listens on, so start-up stops at PostgreSQL right after its first lines. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `npm start`'s command with only the variables given (stdout is a pipe, not a terminal). */
async function start(
  vars: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    SLACK_BOT_TOKEN: "xoxb-...",
    SLACK_SIGNING_SECRET: "...",
    DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/switchboard`,
    ...vars,
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/main.ts"],
      { cwd: ROOT, env, timeout: 45_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe("npm start's first lines", { timeout: 60_000 }, () => {
  it("warns once, as JSON into a pipe, that the built-in policy's ids are placeholders", async () => {
    const run = await start({});
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.filter((l) => l.msg === BUILT_IN_POLICY_WARNING)).toEqual([
      expect.objectContaining({ level: 40, msg: BUILT_IN_POLICY_WARNING }),
    ]);
    expect(BUILT_IN_POLICY_WARNING).toContain("POLICY_FILE");
    expect(run.stderr).toMatch(/^switchboard: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(run.code).toBe(1);
  });

  it("writes the warning as a readable line with LOG_FORMAT=pretty", async () => {
    const run = await start({ LOG_FORMAT: "pretty" });
    expect(run.stdout).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: using the built-in example policy: /);
    expect(run.stdout).not.toContain("{");
  });

  it("says nothing about placeholders when POLICY_FILE names a policy", async () => {
    const run = await start({ POLICY_FILE: "src/config/default-policy.yaml" });
    expect(run.stdout).not.toContain("placeholders");
    expect(run.stderr).toContain("cannot reach PostgreSQL");
  });
});
