import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkMessage,
  checkView,
  MAX_VIEW_BYTES,
  validateMessageBlocks,
  validateView,
} from "../../../src/emulator/block-kit";

const mrkdwn = (text: string) => ({ type: "mrkdwn", text });
const plain = (text: string) => ({ type: "plain_text", text });
const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "section",
  text: mrkdwn(text),
  ...extra,
});
const button = (actionId: string, text = "Go") => ({
  type: "button",
  text: plain(text),
  action_id: actionId,
});

const goodMessage = [
  { type: "header", text: plain("INC-000123 Card payments failing") },
  section("*Priority:* P1", { block_id: "summary", accessory: button("ack") }),
  { type: "divider" },
  { type: "context", elements: [mrkdwn("Opened by <@U123ABC>")] },
  {
    type: "actions",
    block_id: "actions",
    elements: [button("resolve", "Resolve"), button("escalate", "Escalate")],
  },
];

const inputBlock = {
  type: "input",
  block_id: "title",
  label: plain("Title"),
  element: { type: "plain_text_input", action_id: "title_input" },
};

const goodModal = {
  type: "modal",
  callback_id: "declare_incident",
  title: plain("Declare incident"),
  submit: plain("Declare"),
  close: plain("Cancel"),
  private_metadata: JSON.stringify({ channel: "C123" }),
  blocks: [inputBlock],
};

describe("validateMessageBlocks", () => {
  it("accepts a realistic incident message", () => {
    expect(validateMessageBlocks(goodMessage)).toEqual([]);
  });

  it("accepts an empty array (no blocks)", () => {
    expect(validateMessageBlocks([])).toEqual([]);
  });

  it("rejects section text over 3000 characters with a JSON pointer to it", () => {
    const errors = validateMessageBlocks([section("x".repeat(3001))]);
    expect(errors).toEqual(["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]);
    expect(validateMessageBlocks([section("x".repeat(3000))])).toEqual([]);
  });

  it("allows 50 blocks but not 51 in a message", () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: "divider" }));
    expect(validateMessageBlocks(blocks(50))).toEqual([]);
    expect(validateMessageBlocks(blocks(51))).toEqual([
      "no more than 50 items allowed [json-pointer:/blocks]",
    ]);
  });

  it("rejects duplicate block_ids", () => {
    const errors = validateMessageBlocks([
      section("a", { block_id: "b1" }),
      section("b", { block_id: "b1" }),
    ]);
    expect(errors).toEqual(['duplicate block_id "b1" [json-pointer:/blocks/1/block_id]']);
  });

  it("rejects duplicate action_ids within one actions block", () => {
    const errors = validateMessageBlocks([
      { type: "actions", elements: [button("same"), button("same", "Other")] },
    ]);
    expect(errors).toEqual(['duplicate action_id "same" [json-pointer:/blocks/0/elements/1/action_id]']);
  });

  it("names unknown block and element types instead of listing every alternative", () => {
    expect(validateMessageBlocks([{ type: "sektion", text: mrkdwn("x") }])).toEqual([
      'unsupported block type "sektion" [json-pointer:/blocks/0/type]',
    ]);
    const errors = validateMessageBlocks([section("x", { accessory: { ...button("a"), type: "buton" } })]);
    expect(errors).toEqual(['type "buton" is not valid here [json-pointer:/blocks/0/accessory/type]']);
  });

  it("reports wrong text types, missing fields and unknown properties", () => {
    const errors = validateMessageBlocks([
      { type: "header", text: mrkdwn("headers are plain text only") },
      { type: "section" },
      section("x", { colour: "red" }),
      { type: "actions", elements: [{ ...button("a"), style: "blue" }] },
    ]);
    expect(errors).toEqual([
      'must be "plain_text" [json-pointer:/blocks/0/text/type]',
      "missing required field: text [json-pointer:/blocks/1]",
      "missing required field: fields [json-pointer:/blocks/1]",
      "invalid additional property: colour [json-pointer:/blocks/2]",
      'must be one of ["primary","danger"] [json-pointer:/blocks/3/elements/0/style]',
    ]);
  });

  it("rejects non-arrays and non-object blocks", () => {
    expect(validateMessageBlocks({ type: "divider" })).toEqual(["must be an array [json-pointer:/blocks]"]);
    expect(validateMessageBlocks(["divider"])).toEqual(["must be an object [json-pointer:/blocks/0]"]);
  });

  it("limits the markdown blocks of one payload to 12,000 characters in total", () => {
    const md = (n: number) => ({ type: "markdown", text: "m".repeat(n) });
    expect(validateMessageBlocks([md(6000), md(6000)])).toEqual([]);
    expect(validateMessageBlocks([md(6000), md(6001)])).toHaveLength(1);
  });

  it("property: mrkdwn section text is valid exactly when 1–3000 characters long", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3100 }), (length) => {
        const valid = validateMessageBlocks([section("y".repeat(length))]).length === 0;
        return valid === length <= 3000;
      }),
      { numRuns: 60 },
    );
  }, 30_000);
});

describe("checkMessage", () => {
  it("reports invalid blocks as invalid_blocks", () => {
    expect(checkMessage({ blocks: [{ type: "nope" }] })?.error).toBe("invalid_blocks");
  });

  it("counts blocks' text plus the top-level text against 40,000 characters", () => {
    const blocks = Array.from({ length: 14 }, () => section("z".repeat(2800)));
    expect(checkMessage({ text: "t".repeat(800), blocks })).toBeNull();
    expect(checkMessage({ text: "t".repeat(800 + 1), blocks })?.error).toBe("msg_blocks_too_long");
  });

  it("does not judge text-only messages", () => {
    expect(checkMessage({ text: "hello" })).toBeNull();
  });
});

describe("validateView", () => {
  it("accepts a modal and a home tab", () => {
    expect(validateView(goodModal)).toEqual([]);
    expect(validateView({ type: "home", blocks: goodMessage })).toEqual([]);
  });

  it("enforces title, private_metadata and callback_id limits", () => {
    const errors = validateView({
      ...goodModal,
      title: plain("A title that is far too long"),
      private_metadata: "p".repeat(3001),
      callback_id: "c".repeat(256),
    });
    expect(errors).toEqual([
      "must be less than 25 characters [json-pointer:/view/title/text]",
      "must be less than 3001 characters [json-pointer:/view/private_metadata]",
      "must be less than 256 characters [json-pointer:/view/callback_id]",
    ]);
  });

  it("requires submit when a modal has input blocks", () => {
    const { submit: _submit, ...withoutSubmit } = goodModal;
    expect(validateView(withoutSubmit)).toContain("missing required field: submit [json-pointer:/view]");
  });

  it("allows 100 blocks in a view, not 101, and checks blocks by type", () => {
    const dividers = (n: number) => Array.from({ length: n }, () => ({ type: "divider" }));
    expect(validateView({ type: "home", blocks: dividers(100) })).toEqual([]);
    expect(validateView({ type: "home", blocks: dividers(101) })).toContain(
      "no more than 100 items allowed [json-pointer:/view/blocks]",
    );
    expect(validateView({ type: "home", blocks: [section("x".repeat(3001))] })).toEqual([
      "must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]",
    ]);
  });

  it("rejects unknown view types and duplicate block_ids", () => {
    expect(validateView({ type: "dialog", blocks: [] })).toEqual([
      'unsupported view type "dialog" [json-pointer:/view/type]',
    ]);
    const dup = { type: "home", blocks: [section("a", { block_id: "x" }), section("b", { block_id: "x" })] };
    expect(validateView(dup)).toEqual(['duplicate block_id "x" [json-pointer:/view/blocks/1/block_id]']);
  });
});

describe("checkView", () => {
  it("reports schema problems as invalid_arguments and oversize views as view_too_large", () => {
    expect(checkView(goodModal)).toBeNull();
    expect(checkView({ ...goodModal, title: plain("t".repeat(30)) })?.error).toBe("invalid_arguments");
    const big = Array.from({ length: 100 }, (_, i) => section("b".repeat(2900), { block_id: `b${i}` }));
    expect(JSON.stringify({ type: "home", blocks: big }).length).toBeGreaterThan(MAX_VIEW_BYTES);
    expect(checkView({ type: "home", blocks: big })?.error).toBe("view_too_large");
  });
});
