import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  LANE_PURPOSES,
  logKindOf,
  outboxKey,
  PURPOSES,
  type Purpose,
  ROUNDUP_FAMILIES,
} from "../../../src/delivery/purposes.js";
import { LOG_KINDS } from "../../../src/domain/log.js";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));
const CATALOGUE = join(SRC, "delivery", "purposes.ts");

function sources(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && path !== CATALOGUE ? [{ path, text: readFileSync(path, "utf8") }] : [];
  });
}
const files = sources(SRC);

/** Purposes named in log details that are not outbox posts (a review's uploaded document). */
const NOT_OUTBOX = new Set(["review_document"]);

describe("the purpose catalogue", () => {
  it("holds every outbox purpose written anywhere in src/", () => {
    const named = files.flatMap(({ path, text }) =>
      [...text.matchAll(/(?:^|[{,(])\s*purpose: "([a-z_]+)"/gm)].map((m) => ({ path, purpose: m[1]! })),
    );
    expect(named.length).toBeGreaterThan(10);
    const unknown = named.filter(
      ({ purpose }) => !Object.hasOwn(PURPOSES, purpose) && !NOT_OUTBOX.has(purpose),
    );
    expect(unknown, JSON.stringify(unknown)).toEqual([]);
  });

  it("builds every dedupe key: none is written by hand outside it", () => {
    // The database layer declares the column; everything else writes it.
    const writers = files.filter(({ path }) => !path.startsWith(join(SRC, "db")));
    const handBuilt = writers.flatMap(({ path, text }) =>
      [...text.matchAll(/\bdedupeKey: ([^,\n}]+)/g)]
        .map((m) => m[1]!.trim())
        .filter((expr) => !expr.startsWith("outboxKey.") && !/^[a-zA-Z_]\w*$/.test(expr))
        .map((expr) => ({ path, expr })),
    );
    expect(handBuilt, JSON.stringify(handBuilt)).toEqual([]);
    // A key format written as a template anywhere else (a query's LIKE pattern included).
    const prefixes = Object.values(outboxKey)
      .map((build) => String(build))
      .flatMap((body) => [...body.matchAll(/`([a-z-]+):\$\{/g)].map((m) => m[1]!));
    expect(prefixes.length).toBeGreaterThan(15);
    const formats = new RegExp(`\`(?:${[...new Set(prefixes)].join("|")}):\\$\\{`);
    // Request keys (a click's or a command's, for replays) are another vocabulary.
    const elsewhere = files.flatMap(({ path, text }) =>
      text
        .split("\n")
        .filter((line) => formats.test(line) && !line.includes("requestKey"))
        .map((line) => `${path}: ${line.trim()}`),
    );
    expect(elsewhere, elsewhere.join(", ")).toEqual([]);
  });

  it("logs only kinds the log knows, and rounds up only what shares a lane", () => {
    for (const purpose of Object.keys(PURPOSES) as Purpose[]) {
      const kind = logKindOf(purpose);
      if (kind) expect(LOG_KINDS).toContain(kind);
    }
    for (const purpose of ROUNDUP_FAMILIES.keys()) expect(LANE_PURPOSES.has(purpose)).toBe(true);
    expect([...LANE_PURPOSES].sort()).toEqual([
      "announcement",
      "channel_line",
      "milestone",
      "practice_inject",
      "stakeholder_update",
    ]);
    expect(logKindOf("no_such_purpose")).toBeUndefined();
  });

  it("keeps the key formats rows already stored were written with", () => {
    const clock = { id: "c1", generation: 2 };
    expect(outboxKey.summaryCard("i1")).toBe("summary:i1");
    expect(outboxKey.announcement("i1", "C1")).toBe("announce:i1:C1");
    expect(outboxKey.escalationDm(clock, "breach", "U1")).toBe("esc:c1:2:breach:U1");
    expect(outboxKey.escalationDmsOfClock("c1")).toBe("esc:c1:%");
    expect(outboxKey.change("milestone", { id: "i1", version: 3 }, "resolved:C1")).toBe(
      "milestone:i1:3:resolved:C1",
    );
    expect(outboxKey.briefing("b1", "C1")).toBe("briefing:b1:C1");
    expect(outboxKey.briefingPosts("b1")).toBe("briefing:b1:%");
    expect(outboxKey.actionStep(clock, "remind", "U1")).toBe("action:c1:2:remind:U1");
    expect(outboxKey.failureNotice("o1")).toBe("failure:o1");
  });
});
