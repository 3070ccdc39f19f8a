import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sentence } from "../../../src/domain/sentence.js";

const MARKS = [".", "!", "?", "…", "..."];

describe("sentence", () => {
  it.each([
    ["treat as major", "treat as major."],
    ["failing again since 02:11.", "failing again since 02:11."],
    ["Really?", "Really?"],
    ["Stop!", "Stop!"],
    ["waiting on the carrier…", "waiting on the carrier…"],
    ["waiting on the carrier...", "waiting on the carrier..."],
    ['they said "back soon."', 'they said "back soon."'],
    ["(see the carrier's note.)", "(see the carrier's note.)"],
    ["trailing space. ", "trailing space."],
    ["", ""],
  ])("%j reads %j", (typed, shown) => {
    expect(sentence(typed)).toBe(shown);
  });

  const typedText = fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 60 }).map((s) => s.replace(/[.!?…"'”’)\]\s]+$/u, "")),
      fc.constantFrom("", ...MARKS),
    )
    .filter(([body]) => body.trim() !== "");

  it("ends every typed text with exactly one sentence end", () => {
    fc.assert(
      fc.property(typedText, ([body, mark]) => {
        const shown = sentence(body + mark);
        expect(shown).toBe(`${body.trimEnd()}${mark === "" ? "." : mark}`);
        expect(shown.endsWith("..") && mark !== "...").toBe(false);
      }),
    );
  });

  it("changes nothing the second time", () => {
    fc.assert(
      fc.property(typedText, ([body, mark]) => {
        const once = sentence(body + mark);
        expect(sentence(once)).toBe(once);
      }),
    );
  });
});
