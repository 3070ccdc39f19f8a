import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MILESTONES } from "../../../src/domain/milestones.js";

/**
 * Keeps README.md and docs/ honest for a fresh clone: every relative link points at a file in
 * the repository (and, with #anchor, at a heading in it), nothing links outside the repository,
 * every `npm run <script>` named exists, and the README stays short enough to read.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README_MAX_LINES = 200;

const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks, where `#` starts a comment, not a heading. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingSlug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(path: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(readFileSync(path, "utf8"))) {
    const match = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!match?.[1]) continue;
    const slug = headingSlug(match[1]);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Markdown links `[text](target)` outside code blocks and inline code. */
function linksOf(markdown: string): string[] {
  const links: string[] = [];
  for (const line of prose(markdown)) {
    const text = line.replace(/`[^`]*`/g, "");
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (match[1]) links.push(match[1]);
    }
  }
  return links;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

describe("README and docs", () => {
  it("keep the README within 200 lines", () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it("list every variable src/config/env.ts reads in the README's environment table", () => {
    const envSource = readFileSync(join(ROOT, "src/config/env.ts"), "utf8");
    const variables = [...envSource.matchAll(/^\s+([A-Z][A-Z0-9_]+): (?:z\b|port\(|bool\()/gm)].map(
      (m) => m[1],
    );
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(variables.length).toBeGreaterThan(10);
    expect(variables.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it("name every milestone of the `notify` vocabulary in the README and the default policy", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const policy = readFileSync(join(ROOT, "src/config/default-policy.yaml"), "utf8");
    const vocabulary = policy.match(/^# Which milestones[^\n]*\n((?:#.*\n)+)/m)?.[1] ?? "";
    for (const milestone of MILESTONES) {
      expect(readme, milestone).toContain(`\`${milestone}\``);
      expect(vocabulary, milestone).toMatch(new RegExp(`\\b${milestone}\\b`));
    }
  });

  it("finds the docs it checks", () => {
    expect(DOCS.length).toBeGreaterThan(1);
  });

  for (const doc of DOCS) {
    it(`${doc}: every relative link resolves inside the repository`, () => {
      const from = join(ROOT, doc);
      const problems: string[] = [];
      for (const target of linksOf(readFileSync(from, "utf8"))) {
        if (isExternal(target)) continue;
        const [pathPart = "", anchor] = target.split("#", 2);
        const file = pathPart === "" ? from : resolve(dirname(from), decodeURIComponent(pathPart));
        const inside = relative(ROOT, file);
        if (inside.startsWith("..") || resolve(file) === resolve(ROOT, "..")) {
          problems.push(`${target}: points outside the repository`);
          continue;
        }
        if (!existsSync(file)) {
          problems.push(`${target}: no such file`);
          continue;
        }
        if (anchor && statSync(file).isFile() && file.endsWith(".md") && !anchorsOf(file).has(anchor)) {
          problems.push(`${target}: no heading #${anchor} in ${inside}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it(`${doc}: every npm script it names exists`, () => {
      const scripts = Object.keys(
        (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
          .scripts,
      );
      const named = [...readFileSync(join(ROOT, doc), "utf8").matchAll(/npm run ([\w:-]+)/g)].map(
        (m) => m[1],
      );
      expect(named.filter((name) => name && !scripts.includes(name))).toEqual([]);
    });
  }

  it("the anchor rule matches GitHub's for the headings used here", () => {
    expect(headingSlug("What Redis must be configured with")).toBe("what-redis-must-be-configured-with");
    expect(headingSlug("Post-incident reviews")).toBe("post-incident-reviews");
    expect(headingSlug("`npm test` and `npm run check`")).toBe("npm-test-and-npm-run-check");
    expect(headingSlug("KPI reports & the weekly digest")).toBe("kpi-reports--the-weekly-digest");
  });
});
