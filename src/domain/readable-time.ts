/**
 * Times as people read them, in the policy's time zone: `Sun 6 Dec 02:56 EST`. English names
 * whatever the host's locale. Zone abbreviations come from whichever English locale knows the
 * zone's own (en-US says "GMT+1" for London in summer, en-GB says "BST"), so every zone reads
 * the way its people write it; a zone no locale names shows its offset ("GMT+9").
 */

const NAME_LOCALES = ["en-US", "en-GB", "en-AU", "en-IN", "en-IE", "en-NZ", "en-CA", "en-ZA"];
const OFFSET_NAME = /^(?:GMT|UTC)[+-−]/;
const FALLBACK_ZONE = "UTC";

// Building an Intl formatter is costly: keep one per zone (and per zone-name locale).
const partsFormatters = new Map<string, Intl.DateTimeFormat>();
const nameFormatters = new Map<string, Intl.DateTimeFormat>();
const zoneLocales = new Map<string, string>();

function validZone(zone: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    return FALLBACK_ZONE;
  }
}

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let format = partsFormatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    partsFormatters.set(zone, format);
  }
  return format;
}

function nameFormatter(zone: string, locale: string): Intl.DateTimeFormat {
  const key = `${locale} ${zone}`;
  let format = nameFormatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: "short" });
    nameFormatters.set(key, format);
  }
  return format;
}

function zoneName(at: Date, zone: string, locale: string): string {
  const part = nameFormatter(zone, locale)
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? zone;
}

/** The first English locale that names the zone in both winter and summer, else en-US. */
function zoneLocale(zone: string): string {
  const known = zoneLocales.get(zone);
  if (known) return known;
  const probes = [new Date(Date.UTC(2026, 0, 15)), new Date(Date.UTC(2026, 6, 15))];
  const locale =
    NAME_LOCALES.find((l) => probes.every((at) => !OFFSET_NAME.test(zoneName(at, zone, l)))) ?? "en-US";
  zoneLocales.set(zone, locale);
  return locale;
}

/** The pieces of a time in a zone, in English, for other layouts of it (an email's "14:05 GMT, Mon 7 Dec"). */
export interface TimeParts {
  weekday: string;
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
  /** As the zone's people write it: "EST", "BST", else its offset ("GMT+9"). */
  zone: string;
}

/** `at` (a valid date) in the zone; an unknown zone reads as UTC. */
export function timeParts(at: Date, timezone: string): TimeParts {
  const zone = validZone(timezone);
  const p = Object.fromEntries(
    partsFormatter(zone)
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  const part = (name: string) => p[name] ?? "";
  return {
    weekday: part("weekday"),
    day: part("day"),
    month: part("month"),
    year: part("year"),
    hour: part("hour"),
    minute: part("minute"),
    zone: zoneName(at, zone, zoneLocale(zone)),
  };
}

/** `Sun 6 Dec 02:56 EST` (or `Sun 6 Dec 2026 02:56 EST` with the year); "an unknown time" for an invalid date. */
export function readableTime(at: Date, timezone: string, opts: { year?: boolean } = {}): string {
  if (!(at instanceof Date) || !Number.isFinite(at.getTime())) return "an unknown time";
  const p = timeParts(at, timezone);
  const day = `${p.weekday} ${p.day} ${p.month}${opts.year ? ` ${p.year}` : ""}`;
  return `${day} ${p.hour}:${p.minute} ${p.zone}`;
}

/** The day of `at` in the zone, `Sun 6 Dec 2026`; "an unknown day" for an invalid date. */
export function readableDay(at: Date, timezone: string): string {
  if (!(at instanceof Date) || !Number.isFinite(at.getTime())) return "an unknown day";
  const p = Object.fromEntries(
    partsFormatter(validZone(timezone))
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** The calendar year of `at` in the zone, e.g. "2026"; "" for an invalid date. */
export function yearIn(at: Date, timezone: string): string {
  if (!(at instanceof Date) || !Number.isFinite(at.getTime())) return "";
  const part = partsFormatter(validZone(timezone))
    .formatToParts(at)
    .find((x) => x.type === "year");
  return part?.value ?? "";
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date `2026-11-27` as `Fri 27 Nov 2026`; null if it is not a real date. */
export function readableDate(isoDate: string): string | null {
  const m = DATE_ONLY.exec(isoDate);
  if (!m) return null;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
  if (!Number.isFinite(at.getTime()) || at.toISOString().slice(0, 10) !== isoDate) return null;
  const p = Object.fromEntries(
    partsFormatter(FALLBACK_ZONE)
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** A length of time as "45 min", "2 h 5 min", "3 days 4 h"; "under a minute" below one. */
export function readableDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 60_000) return "under a minute";
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [
    days > 0 ? `${days} day${days === 1 ? "" : "s"}` : null,
    hours > 0 ? `${hours} h` : null,
    mins > 0 && days === 0 ? `${mins} min` : null,
  ].filter((s): s is string => s !== null);
  return parts.length > 0 ? parts.join(" ") : `${days} days`;
}
