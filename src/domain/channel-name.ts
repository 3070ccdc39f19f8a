import { formatReference, parseReference } from "./reference";

/** Slack's limit on channel names. */
export const MAX_CHANNEL_NAME_LENGTH = 80;

// Latin letters that NFKD leaves alone because they are letters in their own right, not a base
// letter plus an accent. Lower case only: the title is lower-cased first.
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ħ: "h",
  ı: "i",
  ŧ: "t",
  ŋ: "ng",
  ĸ: "k",
};

function transliterate(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/\P{ASCII}/gu, (ch) => TRANSLITERATIONS[ch] ?? " ");
}

function truncateOnBoundary(slug: string, maxLength: number): string {
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength);
  if (slug[maxLength] === "-") return cut;
  const boundary = cut.lastIndexOf("-");
  // Only back up to a hyphen if that keeps at least half the room; one long word is cut hard.
  return boundary >= maxLength / 2 ? cut.slice(0, boundary) : cut;
}

/**
 * A lower-case ASCII slug of `title`: words joined by single hyphens, accents transliterated
 * (é→e, ß→ss, ø→o), apostrophes dropped ("can't"→"cant"), other scripts and emoji dropped,
 * at most `maxLength` characters, cut at a word boundary where possible. May be empty.
 */
export function slugify(title: string, maxLength: number): string {
  if (maxLength <= 0) return "";
  // Apostrophes go before transliteration turns the curly ones into word breaks: "can’t" → "cant".
  const words = transliterate(title.replace(/['`‘’ʼ]/g, ""))
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return truncateOnBoundary(words, maxLength).replace(/-+$/, "");
}

/**
 * `inc-000123-card-payments-failing`, the incident channel's name. On `name_taken` the caller
 * retries with attempt 1, 2, … which appends `-2`, `-3`, … The result always obeys Slack's rules
 * (1–80 chars of `[a-z0-9_-]`); an untitled or unpronounceable title gives just `inc-000123`.
 */
export function incidentChannelName(reference: string, title: string, attempt = 0): string {
  return channelName(reference, title, attempt, "inc");
}

/**
 * `practice-000123-card-payments-failing`: a practice drill's channel, so nobody mistakes it for
 * a real incident's in the channel list. Same rules and retries as incidentChannelName.
 */
export function practiceChannelName(reference: string, title: string, attempt = 0): string {
  return channelName(reference, title, attempt, "practice");
}

function channelName(reference: string, title: string, attempt: number, kind: "inc" | "practice"): string {
  const seq = parseReference(reference);
  if (seq === null) throw new RangeError(`not an incident reference: "${reference}"`);
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  }
  const ref = formatReference(seq).toLowerCase();
  const prefix = kind === "practice" ? ref.replace(/^inc-/, "practice-") : ref;
  const suffix = attempt > 0 ? `-${attempt + 1}` : "";
  const slug = slugify(title, MAX_CHANNEL_NAME_LENGTH - prefix.length - suffix.length - 1);
  return slug ? `${prefix}-${slug}${suffix}` : `${prefix}${suffix}`;
}
