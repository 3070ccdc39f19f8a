import { describe, expect, it } from "vitest";
import { describeError } from "../../../src/lib/logger.js";

describe("describeError", () => {
  it("keeps only the driver's code and message from a failed query, never its parameters", () => {
    const err = new Error('Failed query: insert into "caller_references" values ($1)\nparams: ACC-12345');
    (err as { cause?: unknown }).cause = Object.assign(new Error("connection terminated"), { code: "57P01" });
    const line = describeError(err);
    expect(line).toBe("query failed: 57P01 connection terminated");
    expect(line).not.toContain("ACC-12345");
  });

  it("passes other errors through by message", () => {
    expect(describeError(new Error("boom"))).toBe("boom");
    expect(describeError("plain")).toBe("plain");
  });
});
