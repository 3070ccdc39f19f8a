import type { Status } from "../../domain/incident.js";
import { parseStatusWord } from "../../domain/lifecycle.js";
import { findReference, REFERENCE_PATTERN } from "../../domain/reference.js";
import { FIRST_REPORT_DAY, isReportDay, LAST_REPORT_DAY } from "../../domain/report-period.js";
import { normaliseText } from "../parse/fields.js";

/**
 * Subcommands that work today. Any other first word starts the title of a new incident, unless
 * the text names an incident (`INC-n`): then it was meant as a command and is answered as one.
 */
export const SUBCOMMANDS = [
  "help",
  "list",
  "show",
  "caller",
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
  "review",
  "actions",
  "report",
  "handover",
  "comms",
  "practice",
] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** `number`: the INC-n given in the text, if any (else the incident of the channel). */
export type ParsedCommand =
  | { kind: "open_modal"; title?: string }
  | { kind: "help"; topic: string | null }
  | { kind: "list"; filter: "open" | "mine" }
  | { kind: "show"; number: number | null }
  | { kind: "caller"; number: number | null }
  | { kind: "status"; number: number | null; status: Status | null; word: string }
  | { kind: "assign"; number: number | null; userId: string | null }
  | { kind: "note"; number: number | null; text: string }
  /** `text`: what was typed after the command, which starts the form's main field. */
  | { kind: "form"; form: "update" | "resolve" | "reopen"; number: number | null; text?: string }
  | { kind: "close"; number: number | null }
  | { kind: "timeline"; number: number | null; page: number; all: boolean }
  | { kind: "export"; number: number | null }
  | { kind: "escalate"; number: number | null; reason: string }
  | { kind: "review"; number: number | null }
  | { kind: "actions"; filter: ActionFilter }
  | { kind: "report"; range: ReportRange }
  | { kind: "handover"; number: number | null; userId: string | null; note: string }
  | { kind: "comms"; number: number | null }
  | { kind: "practice"; action: "start" }
  | { kind: "practice"; action: "end"; number: number | null }
  | { kind: "practice"; action: "history"; userId: string | null }
  | {
      kind: "unknown";
      word: string;
      suggestion: Subcommand | null;
      reason: string;
      /** Set when the first word is not a subcommand at all: the reply lists them. */
      choices?: readonly Subcommand[];
    };

/** Subcommand words that also start ordinary incident titles ("Report portal down"). */
const TITLE_LIKE = new Set(["review", "actions", "report", "comms", "caller", "practice"]);
const REVIEW_USAGE = "not understood: use `review` in the incident's channel, or `review INC-000042`";
const COMMS_USAGE = "not understood: use `comms` in the incident's channel, or `comms INC-000042`";
const CALLER_USAGE = "not understood: use `caller INC-000042`, or `caller` in the incident's channel";

export const ACTION_FILTERS = ["mine", "overdue", "all"] as const;
export type ActionFilter = (typeof ACTION_FILTERS)[number];

/**
 * The period of a KPI report: the last n days up to now, or whole calendar days `from`..`to`
 * (inclusive, YYYY-MM-DD, read in the policy's time zone).
 */
export type ReportRange = { kind: "last"; days: number } | { kind: "between"; from: string; to: string };
export const MAX_REPORT_DAYS = 366;

/** Words of the full /incident vocabulary (DESIGN §2) that are not served yet. */
const PLANNED: string[] = [];

/**
 * `/incident` → modal; `/incident <title>` → modal with the title; `/incident <subcommand> …`
 * → that subcommand. Text whose first word is not a subcommand is answered as a mistyped
 * subcommand rather than silently becoming an incident title when it names an incident
 * (`/incident reslove INC-4`: nobody logs a new incident by its reference), or when it is
 * short and its first word is one typo away from a subcommand (`/incident shwo`).
 * The text is cleaned like every text field first (no bidi controls or zero-width characters),
 * so what is matched, echoed and filled in is what people see.
 */
export function parseCommand(text: string): ParsedCommand {
  const trimmed = normaliseText(text).trim();
  if (trimmed === "") return { kind: "open_modal" };
  const [first = "", ...rest] = trimmed.split(/\s+/);
  const word = first.toLowerCase();
  const args = trimmed.slice(first.length).trim();
  const parsed = parseSubcommand(word, args);
  // "Report portal down for all callers" is a title, not a report with a bad period: a longer
  // text that one of these words cannot read becomes the title of a new incident.
  if (parsed?.kind === "unknown" && TITLE_LIKE.has(word) && rest.length > 2) {
    return { kind: "open_modal", title: unescapeSlackText(trimmed) };
  }
  if (parsed) return parsed;
  if (PLANNED.includes(word)) {
    return { kind: "unknown", word, suggestion: null, reason: "not available in this version yet" };
  }
  const notASubcommand = (suggestion: Subcommand) =>
    ({ kind: "unknown", word, suggestion, reason: "not a subcommand", choices: SUBCOMMANDS }) as const;
  if (REFERENCE_PATTERN.test(trimmed)) {
    // "INC-42 resolve": the subcommand is there, just not first; "INC-42" alone: show it.
    const named = rest.map((w) => w.toLowerCase()).find(isSubcommand);
    const fallback = REFERENCE_PATTERN.test(first) ? "show" : closestSubcommand(word);
    return notASubcommand(named ?? fallback);
  }
  const suggestion = rest.length <= 2 ? nearestSubcommand(word) : null;
  if (suggestion) return notASubcommand(suggestion);
  return { kind: "open_modal", title: unescapeSlackText(trimmed) };
}

function isSubcommand(word: string): word is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(word);
}

function parseSubcommand(word: string, args: string): ParsedCommand | null {
  const number = findReference(args);
  const rest = withoutReference(args);
  switch (word) {
    case "help":
      return { kind: "help", topic: args.trim().toLowerCase() || null };
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
      return { kind: "form", form: word, number, ...(rest ? { text: unescapeSlackText(rest) } : {}) };
    case "close":
      return { kind: "close", number };
    case "timeline":
      return parseTimeline(number, rest);
    case "export":
      return { kind: "export", number };
    case "escalate":
      return { kind: "escalate", number, reason: unescapeSlackText(rest) };
    case "review":
      return rest === ""
        ? { kind: "review", number }
        : { kind: "unknown", word: `review ${rest}`, suggestion: "review", reason: REVIEW_USAGE };
    case "caller":
      return rest === ""
        ? { kind: "caller", number }
        : { kind: "unknown", word: `caller ${rest}`, suggestion: "caller", reason: CALLER_USAGE };
    case "comms":
      return rest === ""
        ? { kind: "comms", number }
        : { kind: "unknown", word: `comms ${rest}`, suggestion: "comms", reason: COMMS_USAGE };
    case "practice":
      return parsePractice(number, rest);
    case "actions":
      return parseActions(args);
    case "report":
      return parseReport(args);
    case "handover": {
      const mention = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/.exec(rest);
      const note = mention ? rest.replace(mention[0], " ").replace(/\s+/g, " ").trim() : rest;
      return { kind: "handover", number, userId: mention?.[1] ?? null, note: unescapeSlackText(note) };
    }
    default:
      return null;
  }
}

function withoutReference(args: string): string {
  return args.replace(new RegExp(REFERENCE_PATTERN.source, "gi"), " ").replace(/\s+/g, " ").trim();
}

/** `timeline [all] [page]`, in either order: `all` adds the delivery plumbing. */
function parseTimeline(number: number | null, rest: string): ParsedCommand {
  const words = rest.toLowerCase().split(/\s+/).filter(Boolean);
  const all = words.includes("all");
  const page = words.map((w) => Number.parseInt(w, 10)).find((n) => Number.isFinite(n) && n > 0) ?? 1;
  return { kind: "timeline", number, page, all };
}

const PRACTICE_USAGE =
  "not understood: use `practice` to start a drill, `practice end` (in the drill's channel, or `practice end INC-000042`) or `practice history @someone`";

/** `practice` (start a drill), `practice end [INC-n]`, `practice history @user`. */
function parsePractice(number: number | null, rest: string): ParsedCommand {
  const [verb = "", ...more] = rest.split(/\s+/);
  const word = verb.toLowerCase();
  if (word === "" && number === null) return { kind: "practice", action: "start" };
  if (word === "end" && more.length === 0) return { kind: "practice", action: "end", number };
  if (word === "history" && number === null) {
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(more.join(" "));
    if (mention || more.length === 0)
      return { kind: "practice", action: "history", userId: mention?.[1] ?? null };
  }
  return { kind: "unknown", word: `practice ${rest}`.trim(), suggestion: "practice", reason: PRACTICE_USAGE };
}

function parseActions(args: string): ParsedCommand {
  const filter = args.trim().toLowerCase() || "mine";
  if ((ACTION_FILTERS as readonly string[]).includes(filter))
    return { kind: "actions", filter: filter as ActionFilter };
  return {
    kind: "unknown",
    word: `actions ${filter}`,
    suggestion: "actions",
    reason: "not an actions filter: use `actions mine`, `actions overdue` or `actions all`",
  };
}

const REPORT_USAGE = "use `report 7d`, `report 30d` or `report 2026-10-01 2026-10-31`";

function parseReport(args: string): ParsedCommand {
  const words = args.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const refuse = (reason: string): ParsedCommand => ({
    kind: "unknown",
    word: `report ${words.join(" ")}`.trim(),
    suggestion: "report",
    reason,
  });
  if (words.length === 0) return { kind: "report", range: { kind: "last", days: 7 } };
  if (words.length === 1) {
    const days = /^(\d{1,3})d$/.exec(words[0]!);
    const n = days ? Number(days[1]) : 0;
    if (n >= 1 && n <= MAX_REPORT_DAYS) return { kind: "report", range: { kind: "last", days: n } };
    return refuse(`not a report period: ${REPORT_USAGE} (at most ${MAX_REPORT_DAYS} days)`);
  }
  const [from, to] = words;
  if (words.length !== 2 || !isCalendarDate(from!) || !isCalendarDate(to!)) {
    return refuse(`not a report period: ${REPORT_USAGE}`);
  }
  if (!isReportDay(from!) || !isReportDay(to!)) {
    return refuse(
      `not a report period: reports cover days from ${FIRST_REPORT_DAY} to ${LAST_REPORT_DAY}, e.g. \`report 2026-10-01 2026-10-31\``,
    );
  }
  if (from! > to!) return refuse("not a report period: the start date is after the end date");
  const days = (Date.parse(to!) - Date.parse(from!)) / 86_400_000 + 1;
  if (days > MAX_REPORT_DAYS) return refuse(`a report covers at most ${MAX_REPORT_DAYS} days`);
  return { kind: "report", range: { kind: "between", from: from!, to: to! } };
}

function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
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

/** A subcommand one typo away (two for longer words), or null. */
function nearestSubcommand(word: string): Subcommand | null {
  for (const sub of SUBCOMMANDS) {
    const limit = sub.length <= 4 ? 1 : 2;
    if (word !== sub && Math.abs(word.length - sub.length) <= limit && editDistance(word, sub) <= limit)
      return sub;
  }
  return null;
}

/**
 * The subcommand with the fewest edits from `word`, however many; on a tie the one listed
 * first in SUBCOMMANDS. Only the first 40 characters count: the words compared are short.
 */
export function closestSubcommand(word: string): Subcommand {
  const typed = word.slice(0, 40);
  let best: Subcommand = SUBCOMMANDS[0];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const sub of SUBCOMMANDS) {
    const distance = editDistance(typed, sub);
    if (distance < bestDistance) [best, bestDistance] = [sub, distance];
  }
  return best;
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
