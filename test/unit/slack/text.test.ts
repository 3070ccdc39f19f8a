import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeClip, escapeMrkdwn } from "../../../src/messages/text.js";

describe("escapeClip", () => {
  it("never yields more than `max` characters once escaped, and leaves text that fits whole", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400, unit: "grapheme" }),
        fc.integer({ min: 2, max: 300 }),
        (text, max) => {
          const out = escapeClip(text, max);
          expect(out.length).toBeLessThanOrEqual(max);
          if (escapeMrkdwn(text).length <= max) expect(out).toBe(escapeMrkdwn(text));
          else expect(out.endsWith("…")).toBe(true);
          // No entity is cut in half: what precedes the ellipsis is an escaped prefix of the text.
          expect(escapeMrkdwn(text).startsWith(out.replace(/…$/, ""))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);

  it("counts the escaped form against the limit", () => {
    expect(escapeClip("<&>", 15)).toBe("&lt;&amp;&gt;");
    expect(escapeClip("<&>", 10)).toBe("&lt;&amp;…");
  });
});
