import { describe, expect, it } from "vitest";
import { type MergeCandidate, mergeRefusal } from "../../../src/domain/duplicates.js";
import { describeEntry } from "../../../src/domain/log-describe.js";
import { duplicateMovedPost } from "../../../src/messages/duplicate.js";
import { WORK_FIELDS as W } from "../../../src/messages/ids.js";
import { DUPLICATE_OF_MAX, resolveModal } from "../../../src/messages/work-modals.js";
import { ResolveForm, referenceNumberOf } from "../../../src/slack/parse/work-forms.js";

const inc = (number: number, over: Partial<MergeCandidate> = {}): MergeCandidate => ({
  id: `id-${number}`,
  number,
  status: "in_progress",
  mergedIntoId: null,
  ...over,
});
const dup = inc(124);

describe("mergeRefusal", () => {
  it("never merges a practice drill with a real incident, either way round", () => {
    const drill = inc(200, { practiceRunId: "run-1" });
    expect(mergeRefusal(dup, 200, drill, [])).toMatchObject({
      code: "duplicate_practice",
      message: expect.stringContaining("INC-000200 is a practice drill"),
    });
    expect(mergeRefusal(drill, 123, inc(123), [])).toMatchObject({
      code: "duplicate_practice",
      message: expect.stringContaining("This is a practice drill"),
    });
  });

  it("lets an open master take a duplicate", () => {
    expect(mergeRefusal(dup, 123, inc(123), [])).toBeNull();
    expect(mergeRefusal(dup, 123, inc(123, { status: "resolved" }), [])).toBeNull();
  });

  it("refuses itself, an unknown reference and a closed master", () => {
    expect(mergeRefusal(dup, 124, dup, [])?.code).toBe("duplicate_self");
    expect(mergeRefusal(dup, 999, null, [])).toMatchObject({
      code: "duplicate_unknown",
      message: expect.stringContaining("There is no INC-000999"),
    });
    expect(mergeRefusal(dup, 123, inc(123, { status: "closed" }), [])).toMatchObject({
      code: "duplicate_closed",
      message: expect.stringContaining("INC-000123 is closed"),
    });
  });

  it("refuses a master that is (transitively) a duplicate of this one", () => {
    const direct = inc(123, { mergedIntoId: dup.id, status: "resolved" });
    expect(mergeRefusal(dup, 123, direct, [dup])).toMatchObject({
      code: "duplicate_cycle",
      message: expect.stringContaining("INC-000123 is itself a duplicate of INC-000124"),
    });
    const via = inc(123, { mergedIntoId: "id-122", status: "resolved" });
    expect(mergeRefusal(dup, 123, via, [inc(122, { mergedIntoId: dup.id }), dup])?.code).toBe(
      "duplicate_cycle",
    );
  });

  it("points past a master that is itself merged, to the end of its chain", () => {
    const merged = inc(123, { mergedIntoId: "id-122", status: "resolved" });
    const chain = [inc(122, { mergedIntoId: "id-121", status: "resolved" }), inc(121)];
    expect(mergeRefusal(dup, 123, merged, chain)).toMatchObject({
      code: "duplicate_merged",
      message: expect.stringContaining("enter INC-000121 instead"),
    });
  });
});

describe("the resolve form's master reference", () => {
  const form = (closeCode: string, duplicateOf?: string) => ({
    [W.summary]: "Same outage",
    [W.closeCode]: closeCode,
    ...(duplicateOf === undefined ? {} : { [W.duplicateOf]: duplicateOf }),
  });
  const errorOn = (data: Record<string, unknown>) => {
    const parsed = ResolveForm.safeParse(data);
    return parsed.success ? null : parsed.error.issues.find((i) => i.path[0] === W.duplicateOf)?.message;
  };

  it("reads INC-000123, inc-123, 123 or a line naming one", () => {
    for (const text of ["INC-000123", "inc-123", " 123 ", "#123", "see INC-123 (payments)"])
      expect(referenceNumberOf(text)).toBe(123);
    for (const text of ["", "payments", "INC-0", "-5"]) expect(referenceNumberOf(text)).toBeNull();
  });

  it("is required, and must be a reference, for the close code Duplicate", () => {
    expect(errorOn(form("duplicate"))).toMatch(/Say which incident/);
    expect(errorOn(form("duplicate", "  "))).toMatch(/Say which incident/);
    expect(errorOn(form("duplicate", "the payments one"))).toMatch(/like INC-000123/);
    expect(ResolveForm.parse(form("duplicate", "INC-000123"))).toMatchObject({
      closeCode: "duplicate",
      duplicateOf: 123,
    });
  });

  it("is ignored for any other close code", () => {
    const parsed = ResolveForm.parse(form("fixed", "INC-000123"));
    expect(parsed).not.toHaveProperty("duplicateOf");
    expect(ResolveForm.parse(form("fixed")).closeCode).toBe("fixed");
  });

  it("is an optional field of the resolve modal, with a hint saying when it is needed", () => {
    const modal = resolveModal(
      { id: "i1", number: 124, title: "Card payments failing" },
      { incidentId: "i1" },
    );
    const block = modal.blocks.find((b) => (b as { block_id?: string }).block_id === W.duplicateOf) as {
      optional?: boolean;
      element: { max_length: number };
      hint: { text: string };
    };
    expect(block.optional).toBe(true);
    expect(block.element.max_length).toBe(DUPLICATE_OF_MAX);
    expect(block.hint.text).toContain("Duplicate");
  });
});

describe("what people read about a merge", () => {
  it("says where the work continues, in a channel or a thread", () => {
    const inChannel = duplicateMovedPost(
      { number: 124 },
      { number: 123, channelId: "C1", workingChannelId: null },
      3,
    );
    expect(inChannel.text).toContain(
      "INC-000124 was a duplicate of INC-000123: the work continues in <#C1>.",
    );
    expect(inChannel.text).toContain("3 caller reports moved there");
    const inThread = duplicateMovedPost(
      { number: 124 },
      { number: 123, channelId: null, workingChannelId: "C9" },
      1,
    );
    expect(inThread.text).toContain("the work continues in its thread in <#C9>.");
  });

  it("logs the move on both incidents", () => {
    const entry = (details: Record<string, unknown>) =>
      describeEntry({ kind: "caller_reports_moved", details } as never);
    expect(entry({ count: 3, to: "INC-000123" })).toBe(
      "3 caller reports moved to INC-000123, of which this is a duplicate",
    );
    expect(entry({ count: 1, from: "INC-000124" })).toBe(
      "1 caller report moved here from INC-000124, a duplicate of this incident",
    );
  });
});
