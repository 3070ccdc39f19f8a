import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIRST_REPORT_DAY, isReportDay, LAST_REPORT_DAY } from "../../../src/domain/report-period.js";
import {
  closestSubcommand,
  editDistance,
  parseCommand,
  SUBCOMMANDS,
} from "../../../src/slack/commands/parse-command.js";

/** Generous: the unit suite also runs on a loaded 2-core machine. */
const TIMEOUT = 60_000;
const BIDI_OR_ZERO_WIDTH = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u200C\u2060\uFEFF]/;

describe("a first word that is not a subcommand, in a text naming an incident", () => {
  it.each([
    ["frobnicate INC-000042", "frobnicate"],
    ["reslove INC-4", "reslove"],
    ["RESLOVE inc-4", "reslove"],
    ["shwo INC-000001", "shwo"],
    ["escalte INC-7 callers queueing for 20 minutes", "escalte"],
    ["stauts INC-7 in progress", "stauts"],
    ["asign INC-7 <@U0LEAD|lead>", "asign"],
    ["notes INC-7 Called the carrier back again", "notes"],
    ["INC-42 resolve", "inc-42"],
    ["please INC-42 show", "please"],
    ["INC-42", "inc-42"],
    ["Payments down again, see INC-000041", "payments"],
    ["frobnicate INC-99999999999999999999999", "frobnicate"],
  ])("%j is answered as an unknown subcommand, with the list", (text, word) => {
    const parsed = parseCommand(text);
    expect(parsed).toMatchObject({ kind: "unknown", word, reason: "not a subcommand", choices: SUBCOMMANDS });
  });

  it.each([
    ["reslove INC-4", "resolve"],
    ["shwo INC-1", "show"],
    ["escalte INC-7 callers queueing for 20 minutes", "escalate"],
    ["timline INC-3 2", "timeline"],
    ["exprot INC-3", "export"],
    ["handvoer INC-3 <@U0LEAD> shift change", "handover"],
    ["INC-42 resolve", "resolve"],
    ["INC-42", "show"],
  ])("%j suggests %s", (text, suggestion) => {
    expect(parseCommand(text)).toMatchObject({ kind: "unknown", suggestion });
  });

  it.each([
    ["Payments down", "Payments down"],
    ["Card payments failing for all callers", "Card payments failing for all callers"],
    ["INC reports missing", "INC reports missing"],
    ["Queue INC-style naming broken in IVR", "Queue INC-style naming broken in IVR"],
    ["\u202Egnp.exe\u202C attachment in the inbox", "gnp.exe attachment in the inbox"],
  ])("%j (no incident named) still opens the Log form with the title filled in", (text, title) => {
    expect(parseCommand(text)).toEqual({ kind: "open_modal", title });
  });

  it.each([
    ["show INC-42", { kind: "show", number: 42 }],
    ["resolve INC-4", { kind: "form", form: "resolve", number: 4 }],
    ["Resolve inc-4", { kind: "form", form: "resolve", number: 4 }],
  ])("a real subcommand naming an incident is that subcommand: %j", (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it(
    "is never read as a title, and always gets a subcommand to suggest and the list (property)",
    () => {
      const word = fc
        .string({ minLength: 1, maxLength: 14, unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz-_") })
        .filter((w) => !(SUBCOMMANDS as readonly string[]).includes(w) && !/inc-\d/i.test(w));
      const reference = fc.nat({ max: 9_999_999 }).map((n) => `INC-${String(n).padStart(6, "0")}`);
      const words = fc.array(fc.constantFrom("the", "queue", "callers", "down", "again", "7"), {
        maxLength: 6,
      });
      fc.assert(
        fc.property(word, reference, words, fc.nat({ max: 6 }), (first, ref, rest, at) => {
          const others: string[] = [...rest];
          others.splice(at % (others.length + 1), 0, ref);
          const parsed = parseCommand([first, ...others].join(" "));
          expect(parsed.kind).toBe("unknown");
          if (parsed.kind !== "unknown") return;
          expect(SUBCOMMANDS).toContain(parsed.suggestion);
          expect(parsed.choices).toEqual(SUBCOMMANDS);
          // The suggestion is as close as any subcommand can be.
          const best = Math.min(...SUBCOMMANDS.map((s) => editDistance(first, s)));
          expect(editDistance(first, parsed.suggestion!)).toBe(best);
        }),
        { numRuns: 500 },
      );
    },
    TIMEOUT,
  );

  it(
    "a subcommand with one typo, naming an incident, suggests a subcommand one edit away (property)",
    () => {
      const typo = fc
        .tuple(
          fc.constantFrom(...SUBCOMMANDS),
          fc.nat(),
          fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"),
          fc.nat({ max: 3 }),
        )
        .map(([sub, at, letter, op]) => {
          const i = at % sub.length;
          if (op === 0) return sub.slice(0, i) + sub.slice(i + 1); // dropped letter
          if (op === 1) return sub.slice(0, i) + letter + sub.slice(i); // extra letter
          if (op === 2) return sub.slice(0, i) + letter + sub.slice(i + 1); // wrong letter
          const j = Math.min(i + 1, sub.length - 1);
          return sub.slice(0, i) + sub[j] + sub[i] + sub.slice(j + 1); // swapped neighbours
        })
        .filter((w) => w.length > 0 && !(SUBCOMMANDS as readonly string[]).includes(w));
      fc.assert(
        fc.property(typo, fc.integer({ min: 1, max: 999_999 }), (word, n) => {
          const parsed = parseCommand(`${word} INC-${n}`);
          expect(parsed).toMatchObject({ kind: "unknown", word });
          if (parsed.kind === "unknown")
            expect(editDistance(word, parsed.suggestion!)).toBeLessThanOrEqual(1);
        }),
        { numRuns: 500 },
      );
    },
    TIMEOUT,
  );

  it(
    "a text naming no incident, longer than three words and not starting with a subcommand, is a title (property)",
    () => {
      const plain = fc.string({
        minLength: 2,
        maxLength: 10,
        unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"),
      });
      fc.assert(
        fc.property(fc.array(plain, { minLength: 4, maxLength: 8 }), (words) => {
          fc.pre(!(SUBCOMMANDS as readonly string[]).includes(words[0]!));
          const text = words.join(" ");
          expect(parseCommand(text)).toEqual({ kind: "open_modal", title: text });
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT,
  );

  it("closestSubcommand picks the fewest edits, and is a subcommand whatever is typed", () => {
    expect(closestSubcommand("reslove")).toBe("resolve");
    expect(closestSubcommand("lst")).toBe("list");
    expect(closestSubcommand("")).toBe("help");
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (w) => {
        expect(SUBCOMMANDS).toContain(closestSubcommand(w));
      }),
      { numRuns: 300 },
    );
  });
});

describe("command text is cleaned before it is read", () => {
  it.each([
    ["\u202Egnp.exe\u202C", { kind: "open_modal", title: "gnp.exe" }],
    ["\u200Bshow INC-4", { kind: "show", number: 4 }],
    ["sh\u200Bow INC-4", { kind: "show", number: 4 }],
    [
      "\u2066note\u2069 INC-3 Called \u202Ethe carrier",
      { kind: "note", number: 3, text: "Called the carrier" },
    ],
    ["escalate INC-3 \u200B\u200B", { kind: "escalate", number: 3, reason: "" }],
    ["\u200B\u200B\u200B", { kind: "open_modal" }],
    ["Queue 4 👨‍👩‍👧 callers 🇬🇧", { kind: "open_modal", title: "Queue 4 👨‍👩‍👧 callers 🇬🇧" }],
  ])("%j → %j", (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it(
    "nothing it returns carries a bidi control or zero-width character (property)",
    () => {
      const junk = fc.constantFrom(
        "\u202E",
        "\u202C",
        "\u200B",
        "\u2066",
        "\u2069",
        "\u200E",
        "\uFEFF",
        "\u061C",
      );
      const text = fc
        .array(
          fc.oneof(
            junk,
            fc.constantFrom("note ", "INC-4 ", "escalate ", "Title "),
            fc.string({ maxLength: 6 }),
          ),
          {
            maxLength: 12,
          },
        )
        .map((p) => p.join(""));
      fc.assert(
        fc.property(text, (t) => {
          expect(JSON.stringify(parseCommand(t))).not.toMatch(BIDI_OR_ZERO_WIDTH);
        }),
        { numRuns: 1_000 },
      );
    },
    TIMEOUT,
  );
});

describe("report dates", () => {
  it.each([
    "report 0000-01-01 0000-12-31",
    "report 9999-12-01 9999-12-31",
    "report 1999-12-31 2000-01-05",
    "report 2100-12-30 2101-01-01",
    "report 0001-01-01 0001-01-31",
  ])("%j is refused with the range of dates a report covers", (text) => {
    const parsed = parseCommand(text);
    expect(parsed).toMatchObject({ kind: "unknown", suggestion: "report" });
    if (parsed.kind === "unknown") {
      expect(parsed.reason).toContain(`from ${FIRST_REPORT_DAY} to ${LAST_REPORT_DAY}`);
    }
  });

  it.each([
    ["report 2000-01-01 2000-01-31", "2000-01-01", "2000-01-31"],
    ["report 2100-12-01 2100-12-31", "2100-12-01", "2100-12-31"],
  ])("%j, at the edges of the range, is a report", (text, from, to) => {
    expect(parseCommand(text)).toEqual({ kind: "report", range: { kind: "between", from, to } });
  });

  it(
    "any two calendar days of years 0000–9999 are a report only inside the range (property)",
    () => {
      const day = fc
        .date({
          min: new Date("0000-01-01T00:00:00Z"),
          max: new Date("9999-12-31T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10));
      fc.assert(
        fc.property(day, day, (from, to) => {
          const parsed = parseCommand(`report ${from} ${to}`);
          if (parsed.kind === "report") {
            expect(parsed.range).toEqual({ kind: "between", from, to });
            expect(isReportDay(from) && isReportDay(to)).toBe(true);
          } else {
            expect(parsed).toMatchObject({ kind: "unknown", suggestion: "report" });
            if (!isReportDay(from) || !isReportDay(to)) {
              expect(parsed.kind === "unknown" && parsed.reason).toContain(FIRST_REPORT_DAY);
            }
          }
        }),
        { numRuns: 1_000 },
      );
    },
    TIMEOUT,
  );
});
