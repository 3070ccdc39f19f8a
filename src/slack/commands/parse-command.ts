import type { Status } from "../../domain/incident.js";
import { parseStatusWord } from "../../domain/lifecycle.js";
import { findReference, REFERENCE_PATTERN } from "../../domain/reference.js";

/** Subcommands that work today; anything else is read as the title of a new incident. */
export const SUBCOMMANDS = [
  "help",
  "list",
  "show",
  "status",
  "assign",
  "note",
  "update",
  "resolve",
  "close",
  "reopen",
  "timeline",
  "export",
  "escalate",
] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** `number`: the INC-n given in the text, if any (else the incident of the channel). */
export type ParsedCommand =
  | { kind: "open_modal"; title?: string }
  | { kind: "help" }
  | { kind: "list"; filter: "open" | "mine" }
  | { kind: "show"; number: number | null }
  | { kind: "status"; number: number | null; status: Status | null; word: string }
  | { kind: "assign"; number: number | null; userId: string | null }
  | { kind: "note"; number: number | null; text: string }
  | { kind: "form"; form: "update" | "resolve" | "reopen"; number: number | null }
  | { kind: "close"; number: number | null }
  | { kind: "timeline"; number: number | null; page: number }
  | { kind: "export"; number: number | null }
  | { kind: "escalate"; number: number | null; reason: string }
  | { kind: "unknown"; word: string; suggestion: Subcommand | null; reason: string };

/** Words of the full /incident vocabulary (DESIGN §2) that are not served yet. */
const PLANNED: string[] = [];

/**
 * `/incident` → modal; `/incident <title>` → modal with the title; `/incident <subcommand> …`
 * → that subcommand. A short text whose first word is one typo away from a subcommand is
 * answered as a mistyped subcommand rather than silently becoming an incident title.
 */
export function parseCommand(text: string): ParsedCommand {
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "open_modal" };
  const [first = "", ...rest] = trimmed.split(/\s+/);
  const word = first.toLowerCase();
  const args = trimmed.slice(first.length).trim();
  const parsed = parseSubcommand(word, args);
  if (parsed) return parsed;
  if (PLANNED.includes(word)) {
    return { kind: "unknown", word, suggestion: null, reason: "not available in this version yet" };
  }
  const suggestion = rest.length <= 2 ? nearestSubcommand(word) : null;
  if (suggestion) return { kind: "unknown", word, suggestion, reason: "not a subcommand" };
  return { kind: "open_modal", title: unescapeSlackText(trimmed) };
}

function parseSubcommand(word: string, args: string): ParsedCommand | null {
  const number = findReference(args);
  const rest = withoutReference(args);
  switch (word) {
    case "help":
      return { kind: "help" };
    case "list":
      return parseList(args);
    case "show":
      return { kind: "show", number };
    case "status":
      return { kind: "status", number, status: parseStatusWord(rest), word: rest };
    case "assign":
      return { kind: "assign", number, userId: /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/.exec(args)?.[1] ?? null };
    case "note":
      return { kind: "note", number, text: unescapeSlackText(rest) };
    case "update":
    case "resolve":
    case "reopen":
      return { kind: "form", form: word, number };
    case "close":
      return { kind: "close", number };
    case "timeline":
      return { kind: "timeline", number, page: Math.max(1, Number.parseInt(rest, 10) || 1) };
    case "export":
      return { kind: "export", number };
    case "escalate":
      return { kind: "escalate", number, reason: unescapeSlackText(rest) };
    default:
      return null;
  }
}

function withoutReference(args: string): string {
  return args.replace(new RegExp(REFERENCE_PATTERN.source, "gi"), " ").replace(/\s+/g, " ").trim();
}

function parseList(args: string): ParsedCommand {
  const filter = args.trim().toLowerCase();
  if (filter === "" || filter === "open") return { kind: "list", filter: "open" };
  if (filter === "mine") return { kind: "list", filter: "mine" };
  return {
    kind: "unknown",
    word: `list ${filter}`,
    suggestion: "list",
    reason: "not a list filter: use `list`, `list open` or `list mine`",
  };
}

/**
 * Slash-command text arrives escaped (the command has "escape" on so mentions come as ids):
 * `<@U1|bob>`, `<#C1|floor>`, `<https://x|label>`, and `&amp; &lt; &gt;`. Titles and notes
 * are stored as people typed them.
 */
export function unescapeSlackText(text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `@${name || id}`)
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name || id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, "@$1")
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>/g, (_, url: string, label?: string) => label || url)
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function nearestSubcommand(word: string): Subcommand | null {
  for (const sub of SUBCOMMANDS) {
    if (word !== sub && editDistance(word, sub) <= (sub.length <= 4 ? 1 : 2)) return sub;
  }
  return null;
}

/** Edit distance counting a swap of neighbours as one edit (typos like "shwo"); inputs are short words. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
