import { describe, expect, it } from "vitest";
import { batcher } from "../../../src/lib/batcher.js";

/** A run function that records its groups and finishes when told to. */
function recorder<T>(result: (item: T) => string = (item) => `done ${item}`) {
  const groups: T[][] = [];
  const releases: Array<() => void> = [];
  const run = (items: T[]) => {
    groups.push(items);
    return new Promise<string[]>((resolve) => releases.push(() => resolve(items.map(result))));
  };
  return { groups, releases, run };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("batcher", () => {
  it("runs a lone call at once, by itself", async () => {
    const r = recorder<number>();
    const call = batcher(r.run, { maxSize: 10, lanes: 2 });
    const result = call(1);
    await tick();
    expect(r.groups).toEqual([[1]]);
    r.releases[0]!();
    expect(await result).toBe("done 1");
  });

  it("groups the calls that arrive while the lanes are busy, up to maxSize, and answers each its own result", async () => {
    const r = recorder<number>();
    const call = batcher(r.run, { maxSize: 3, lanes: 1 });
    const first = call(0);
    await tick();
    const waiting = [1, 2, 3, 4, 5].map((n) => call(n));
    await tick();
    expect(r.groups).toEqual([[0]]);
    r.releases[0]!();
    await tick();
    expect(r.groups[1]).toEqual([1, 2, 3]);
    r.releases[1]!();
    await tick();
    expect(r.groups[2]).toEqual([4, 5]);
    r.releases[2]!();
    expect(await first).toBe("done 0");
    expect(await Promise.all(waiting)).toEqual([1, 2, 3, 4, 5].map((n) => `done ${n}`));
  });

  it("never runs more groups at once than it has lanes", async () => {
    let inFlight = 0;
    let most = 0;
    const call = batcher(
      async (items: number[]) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return items;
      },
      { maxSize: 4, lanes: 2 },
    );
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => call(i)));
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(2);
  });

  it("runs a failed group's items one by one, so only the bad one fails", async () => {
    const seen: number[][] = [];
    const call = batcher(
      async (items: number[]) => {
        seen.push(items);
        if (items.includes(13)) throw new Error("unlucky");
        return items.map((n) => n * 2);
      },
      { maxSize: 10, lanes: 1 },
    );
    const results = await Promise.allSettled([12, 13, 14].map((n) => call(n)));
    expect(results).toEqual([
      { status: "fulfilled", value: 24 },
      { status: "rejected", reason: new Error("unlucky") },
      { status: "fulfilled", value: 28 },
    ]);
    expect(seen).toEqual([[12, 13, 14], [12], [13], [14]]);
  });
});
