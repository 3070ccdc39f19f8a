/**
 * Finding personal data where a drill's trainee should not have written it: a caller reference,
 * a phone number or an email address in a note, a reason, an update or the description. Those
 * are shared (the channel, stakeholders, the log and its exports); caller details belong in the
 * caller fields, which only the people allowed can see. Pure; the findings say what kind of data
 * was found and where, never the value.
 */

/** Text written outside the log that others read (a stakeholder update's lines), with when. */
export interface SharedText {
  at: Date;
  actor: string;
  /** What it was, in a few words: "a stakeholder update". */
  what: string;
  text: string;
}

export interface Slip {
  at: Date;
  actor: string;
  /** "a note", "the description". */
  what: string;
  /** "the caller's reference", "a phone number". */
  found: string;
}

/** Free-text fields of log details that people write; ids, times and Slack ts are left alone. */
const FREE_TEXT_KEYS = new Set([
  "text",
  "note",
  "request",
  "summary",
  "reason",
  "holdNote",
  "rootCause",
  "callersNow",
  "title",
  "happening",
  "customerImpact",
]);

/** The log entries that carry text people wrote, and what to call each. */
const WHAT_BY_KIND: Record<string, string> = {
  note_added: "a note",
  handed_over: "a handover note",
  help_requested: "a request for help",
  communication_logged: "a logged communication",
  status_changed: "a status change",
  field_changed: "a change reason",
  priority_overridden: "an override reason",
  escalation_sent: "an escalation reason",
  created: "the incident title",
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const validTime = (at: unknown): at is Date => at instanceof Date && Number.isFinite(at.getTime());

function freeTexts(details: unknown, depth = 0): string[] {
  if (!isRecord(details) || depth > 3) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === "string" && FREE_TEXT_KEYS.has(key)) out.push(value);
    else if (isRecord(value)) out.push(...freeTexts(value, depth + 1));
  }
  return out;
}

const PHONE = /(?:\+\d{1,3}[\s-]?|\b0)\d(?:[\s-]?\d){8,11}\b/;
const EMAIL = /[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}/i;
// Incident and action references are meant to be shared; they are not a caller's data.
const OUR_REFERENCES = /\b(?:INC|ACT)-\d+\b/gi;

/**
 * What personal data a text holds, if any: the scenario's caller reference (however spaced), one
 * shaped like it (another caller's account number), a phone number or an email address.
 */
export function personalDataIn(text: string, callerReference: string | null): string | null {
  if (typeof text !== "string") return null;
  const clean = text.replace(OUR_REFERENCES, " ");
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const ref = callerReference ? squash(callerReference) : "";
  if (ref.length >= 4 && squash(clean).includes(ref)) return "the caller's reference";
  const shape = callerReference ? shapeOf(callerReference) : null;
  if (shape?.test(clean)) return "a caller reference";
  if (PHONE.test(clean)) return "a phone number";
  if (EMAIL.test(clean)) return "an email address";
  return null;
}

/** "ACC-448120" → letters, a hyphen, six digits: references of the same make. Null when too vague. */
function shapeOf(reference: string): RegExp | null {
  const digits = (reference.match(/\d/g) ?? []).length;
  if (digits < 4 || reference.length > 40) return null;
  const body = [...reference.trim()]
    .map((c) =>
      /[A-Za-z]/.test(c) ? "[A-Za-z]" : /\d/.test(c) ? "\\d" : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`(?<![A-Za-z0-9])${body}(?![A-Za-z0-9])`);
}

/** Every slip in the log and the other shared texts, in time order. */
export function personalDataSlips(
  log: ReadonlyArray<{ at: Date; actor: string; kind: string; details: unknown }>,
  texts: readonly SharedText[],
  callerReference: string | null,
): Slip[] {
  const slips: Slip[] = [];
  for (const e of log) {
    const what = isRecord(e) && Object.hasOwn(WHAT_BY_KIND, e.kind) ? WHAT_BY_KIND[e.kind] : undefined;
    if (!what || !validTime(e.at)) continue;
    const found = freeTexts(e.details)
      .map((t) => personalDataIn(t, callerReference))
      .find((k) => k !== null);
    if (found) slips.push({ at: e.at, actor: typeof e.actor === "string" ? e.actor : "", what, found });
  }
  for (const t of texts) {
    const found = validTime(t.at) ? personalDataIn(t.text, callerReference) : null;
    if (found) slips.push({ at: t.at, actor: t.actor, what: t.what, found });
  }
  return slips.sort((a, b) => a.at.getTime() - b.at.getTime());
}
