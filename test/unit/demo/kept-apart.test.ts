import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../../src/config/env.js";
import { keptApart } from "../../../src/demo/demo.js";

const DATA = "/srv/switchboard/.demo";
const configured = (url: string) => keptApart({ embedded: false, url }, DATA);
const embedded = (dataDir: string) =>
  keptApart({ embedded: true, url: "postgres://x@127.0.0.1:40001/s" }, dataDir);

describe("what the demo keeps apart per database", () => {
  it("keeps slack.json for the embedded PostgreSQL, whatever port it got this time", () => {
    const first = embedded(DATA);
    const again = keptApart({ embedded: true, url: "postgres://x@127.0.0.1:40999/s" }, DATA);
    expect(first).toEqual(again);
    expect(first.workspaceFile).toBe(join(DATA, "slack.json"));
  });

  it("gives each configured database a workspace file and queues of its own", () => {
    const a = configured("postgres://postgres@127.0.0.1:5432/one");
    const b = configured("postgres://postgres@127.0.0.1:5432/two");
    const c = configured("postgres://postgres@127.0.0.1:5433/one");
    const files = new Set([a, b, c, embedded(DATA)].map((k) => k.workspaceFile));
    const prefixes = new Set([a, b, c, embedded(DATA)].map((k) => k.queuePrefix));
    expect(files.size).toBe(4);
    expect(prefixes.size).toBe(4);
    for (const k of [a, b, c])
      expect(k.workspaceFile).toMatch(/^\/srv\/switchboard\/\.demo\/slack-[0-9a-f]+\.json$/);
  });

  it("is the same for the same database whatever its password, and apart for another checkout's .demo", () => {
    expect(configured("postgres://postgres:secret@db:5432/demo")).toEqual(
      configured("postgres://postgres:other@db:5432/demo"),
    );
    expect(configured("postgres://postgres@db/demo")).toEqual(configured("postgres://postgres@db:5432/demo"));
    expect(embedded("/home/a/switchboard/.demo").queuePrefix).not.toBe(
      embedded("/home/b/switchboard/.demo").queuePrefix,
    );
  });

  it("makes queue prefixes the bot accepts", () => {
    for (const k of [embedded(DATA), configured("postgres://postgres@127.0.0.1:5432/one")]) {
      const parsed = parseEnv({
        SLACK_BOT_TOKEN: "xoxb-1",
        SLACK_SIGNING_SECRET: "s",
        QUEUE_PREFIX: k.queuePrefix,
      });
      expect(parsed.ok).toBe(true);
    }
  });
});
