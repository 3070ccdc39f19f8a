import { expect, it } from "vitest";
import { err, ok, type Result } from "../../../src/domain/result";

function half(n: number): Result<number, string> {
  return n % 2 === 0 ? ok(n / 2) : err(`${n} is odd`);
}

it("ok carries a value and err an error, told apart by `ok`", () => {
  expect(half(4)).toEqual({ ok: true, value: 2 });
  expect(half(3)).toEqual({ ok: false, error: "3 is odd" });
  const result = half(10);
  expect(result.ok ? result.value : result.error).toBe(5);
});
