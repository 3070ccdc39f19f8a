import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanText, isInvisible } from "../../../src/domain/clean-text.js";

/** Generous: the unit suite also runs on a loaded 2-core machine. */
const TIMEOUT = 60_000;

const BIDI = [
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
];
const ZERO_WIDTH = ["\u200B", "\u200C", "\u2060", "\uFEFF", "\u180E"];
const ZWJ = "\u200D";
/** Invisible characters that are dropped wherever they stand. */
const JUNK = [
  ...BIDI,
  ...ZERO_WIDTH,
  "\u00AD", // soft hyphen
  "\u034F", // combining grapheme joiner
  "\u2061", // function application
  "\u2064", // invisible plus
  "\u206A", // inhibit symmetric swapping
  "\u206F", // nominal digit shapes
  "\u3164", // Hangul filler
  "\u115F", // Hangul choseong filler
  "\uFFA0", // halfwidth Hangul filler
  "\u{E0001}", // language tag
  "\u{1D173}", // musical symbol begin beam
  "\u0600", // Arabic number sign
  "\uFFF9", // interlinear annotation anchor
];

const FAMILY = "👨‍👩‍👧";
const ENGLAND = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
const EMOJI = [
  FAMILY,
  "👩‍👩‍👧‍👦",
  "🧑‍🤝‍🧑",
  "👩🏽‍💻",
  "👍🏽",
  "🏳️‍🌈",
  "🏴‍☠️",
  "❤️",
  "❤️‍🔥",
  "🇬🇧",
  "🇺🇦",
  "🇯🇵",
  ENGLAND,
  "1️⃣",
  "#️⃣",
  "*️⃣",
  "©️",
  "™",
  "☎️",
  "📞",
];
const WORDS = [
  "Card payments failing",
  "Café crème",
  "naïve façade",
  "Zürich",
  "e\u0301\u0302", // combining accents on a base letter
  "Ærøskøbing",
  "東京の電話回線が不通",
  "北京呼叫中心",
  "한국어 상담원",
  "مرحبا بالعالم",
  "خدمة العملاء",
  "שלום עולם",
  "Привет, мир",
  "नमस्ते",
  "Ελληνικά",
  "1 + 1 = 2",
  "C:\\temp\\file.txt",
  "<not markup> & 'quotes'",
  "葛\u{E0100}", // an ideographic variation sequence
];

/** Code points of scripts people write incident titles in (no format characters among them). */
const LETTER_RANGES: Array<[number, number]> = [
  [0x20, 0x7e],
  [0xc0, 0x17f],
  [0x300, 0x34e],
  [0x391, 0x3c9],
  [0x410, 0x44f],
  [0x5d0, 0x5ea],
  [0x621, 0x64a],
  [0x64b, 0x652],
  [0x905, 0x939],
  [0x3041, 0x3096],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
];
const letter = fc
  .constantFrom(...LETTER_RANGES)
  .chain(([min, max]) => fc.integer({ min, max }))
  .map((cp) => String.fromCodePoint(cp));

/** Ordinary text: words in many scripts, emoji sequences, odd letters, whitespace. */
const ordinaryPiece = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...EMOJI),
  letter,
  fc.constantFrom(" ", "\n", "\t"),
);
const ordinaryText = fc.array(ordinaryPiece, { maxLength: 20 }).map((parts) => parts.join(""));

/** Everything, including the characters that only make sense in context. */
const anyPiece = fc.oneof(
  ordinaryPiece,
  fc.constantFrom(...JUNK),
  fc.constantFrom(ZWJ, "\uFE0F", "\uFE0E", "\u20E3", "🏴", "\u{E0067}", "\u{E007F}", "\u{1F3FD}"),
  fc.string({ unit: "binary", maxLength: 4 }),
);
const anyText = fc.oneof(
  fc.array(anyPiece, { maxLength: 25 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
);

const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
const EMOJI_TAIL = /^[\uFE0F\u20E3\p{Emoji_Modifier}\u{E0020}-\u{E007F}]$/u;
const VARIATION_SELECTOR = /^[\uFE00-\uFE0F\u180B-\u180D\u180F\u{E0100}-\u{E01EF}]$/u;
const TAG = /^[\u{E0020}-\u{E007E}]$/u;
const FORMAT = /^\p{Cf}$/u;
const stripInvisible = (s: string) => s.replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, "");

/** Every rule the output must keep, checked character by character. */
function expectClean(out: string) {
  const chars = Array.from(out);
  chars.forEach((c, i) => {
    expect(BIDI, `bidi control at ${i}`).not.toContain(c);
    expect(ZERO_WIDTH, `zero-width character at ${i}`).not.toContain(c);
    if (c === ZWJ) {
      // Between two emoji: a pictograph (plus its tone, VS16 or tags) before, a pictograph after.
      let j = i - 1;
      while (j >= 0 && EMOJI_TAIL.test(chars[j]!)) j--;
      expect(j >= 0 && PICTOGRAPH.test(chars[j]!), `ZWJ at ${i} follows an emoji`).toBe(true);
      expect(PICTOGRAPH.test(chars[i + 1] ?? ""), `ZWJ at ${i} precedes an emoji`).toBe(true);
    } else if (TAG.test(c) || c === "\u{E007F}") {
      let j = i;
      while (j >= 0 && TAG.test(chars[j]!)) j--;
      if (c === "\u{E007F}") j = i - 1;
      while (j >= 0 && TAG.test(chars[j]!)) j--;
      expect(chars[j], `tag at ${i} belongs to a flag`).toBe("🏴");
      let k = i;
      while (k < chars.length && TAG.test(chars[k]!)) k++;
      expect(chars[k], `tag at ${i} is cancelled`).toBe("\u{E007F}");
    } else if (VARIATION_SELECTOR.test(c)) {
      const before = chars[i - 1];
      expect(before !== undefined && !/^\s$/u.test(before) && !isInvisible(before)).toBe(true);
    } else {
      expect(FORMAT.test(c), `format character U+${c.codePointAt(0)?.toString(16)} at ${i}`).toBe(false);
    }
  });
}

describe("cleanText", () => {
  it.each([
    ["\u202Egnp.exe\u202C", "gnp.exe"],
    ["Invoice \u202Egnp.exe\u202C attached", "Invoice gnp.exe attached"],
    ["\u2067שלום\u2069 and \u2066hello\u2069", "שלום and hello"],
    ["\u200E\u200Fleft right\u200E", "left right"],
    ["مرحبا\u061C ١٢٣", "مرحبا ١٢٣"],
    ["\u200B\u200B\u200B", ""],
    ["\u200B \u200C \u2060 \uFEFF", "   "],
    ["pay\u00ADment", "payment"],
    ["\u3164\u3164", ""],
    ["a\u200Db", "ab"],
    ["👨\u200D", "👨"],
    ["\u200D👩", "👩"],
    ["a\u200D👩", "a👩"],
    ["👨\u200D\u200D👩", "👨\u200D👩"],
    ["👨\u200B\u200D\u202E👩", "👨\u200D👩"],
    ["\uFE0F", ""],
    [" \uFE0F", " "],
    ["❤\u200B\uFE0F", "❤\uFE0F"],
    ["\u{E0067}\u{E0062}\u{E007F}", ""],
    ["🏴\u{E0067}\u{E0062}", "🏴"],
    ["🏴\u{E0067}\u202E\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}", ENGLAND],
  ])("%j → %j", (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  it.each(EMOJI.map((e) => [e]))("keeps %s intact", (emoji) => {
    expect(cleanText(emoji)).toBe(emoji);
    expect(cleanText(`Queue 4 ${emoji} down`)).toBe(`Queue 4 ${emoji} down`);
  });

  it.each(WORDS.map((w) => [w]))("leaves %j unchanged", (word) => {
    expect(cleanText(word)).toBe(word);
  });

  it(
    "never leaves a bidi control, a zero-width character or a stray joiner, tag or selector (property)",
    () => {
      fc.assert(
        fc.property(anyText, (text) => expectClean(cleanText(text))),
        { numRuns: 2_000 },
      );
    },
    TIMEOUT,
  );

  it(
    "only removes invisible characters: what is visible stays, in order (property)",
    () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const out = cleanText(text);
          expect(stripInvisible(out)).toBe(stripInvisible(text));
          expect(out.length).toBeLessThanOrEqual(text.length);
        }),
        { numRuns: 2_000 },
      );
    },
    TIMEOUT,
  );

  it(
    "is idempotent (property)",
    () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const once = cleanText(text);
          expect(cleanText(once)).toBe(once);
        }),
        { numRuns: 2_000 },
      );
    },
    TIMEOUT,
  );

  it(
    "leaves ordinary text in any script, with emoji, exactly as given (property)",
    () => {
      fc.assert(
        fc.property(ordinaryText, (text) => {
          expect(cleanText(text)).toBe(text);
        }),
        { numRuns: 1_000 },
      );
    },
    TIMEOUT,
  );

  it(
    "gives ordinary text back however many bidi and zero-width characters are slipped into it (property)",
    () => {
      const slipped = fc.tuple(
        ordinaryText.map((t) => Array.from(t)),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...JUNK)), { minLength: 1, maxLength: 12 }),
      );
      fc.assert(
        fc.property(slipped, ([chars, inserts]) => {
          const mixed = [...chars];
          for (const [at, junk] of inserts) mixed.splice(at % (mixed.length + 1), 0, junk);
          expect(cleanText(mixed.join(""))).toBe(chars.join(""));
        }),
        { numRuns: 1_000 },
      );
    },
    TIMEOUT,
  );

  it("removes nothing a reader can see: no pictograph, letter or space is ever invisible", () => {
    for (const e of EMOJI)
      for (const c of Array.from(e)) if (PICTOGRAPH.test(c)) expect(isInvisible(c)).toBe(false);
    for (const [min, max] of LETTER_RANGES)
      for (let cp = min; cp <= max; cp++) expect(isInvisible(String.fromCodePoint(cp))).toBe(false);
  });
});
