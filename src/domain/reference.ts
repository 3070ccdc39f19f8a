/**
 * Incident references: `INC-000123`, from a database sequence. Six digits of zero padding keep
 * them sortable as text for the first million incidents; after that they simply grow.
 */

const PREFIX = "INC-";
const PAD = 6;

/** Finds a reference inside free text such as command arguments: `show inc-42 please`. */
export const REFERENCE_PATTERN = /\bINC-([0-9]+)\b/i;

const EXACT_PATTERN = /^INC-([0-9]+)$/i;

export function formatReference(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq <= 0) {
    throw new RangeError(`incident sequence must be a positive integer, got ${seq}`);
  }
  return `${PREFIX}${String(seq).padStart(PAD, "0")}`;
}

function toSequence(digits: string | undefined): number | null {
  if (digits === undefined) return null;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

/**
 * The sequence number of `INC-123`, `inc-000123` or ` INC-000123 ` (case-insensitive, leading
 * zeros optional, surrounding whitespace ignored); null for anything else, including `INC123`,
 * `123` and `INC-0`.
 */
export function parseReference(text: string): number | null {
  return toSequence(EXACT_PATTERN.exec(text.trim())?.[1]);
}

/** The first reference mentioned in `text`, e.g. in `/incident show INC-42`. */
export function findReference(text: string): number | null {
  return toSequence(REFERENCE_PATTERN.exec(text)?.[1]);
}
