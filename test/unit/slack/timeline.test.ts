import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IncidentLogRow } from "../../../src/db/schema/incident-log.js";
import { LOG_KINDS } from "../../../src/domain/log.js";
import { checkMessage, validateMessageBlocks } from "../../../src/emulator/block-kit.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import {
  MAX_TIMELINE_PAGE_SIZE,
  parseTimelineButtonValue,
  timelineMessage,
  timelinePageCount,
} from "../../../src/messages/timeline.js";
import { ISO_TIME, RAW_SLACK_ID, REALISTIC_NAMES, realisticLog } from "../../helpers/realistic-log.js";

const INCIDENT_ID = "6f1c1d1e-0000-4000-8000-000000000001";
const T0 = Date.parse("2026-11-23T10:00:00Z");

function row(id: number, overrides: Partial<IncidentLogRow> = {}): IncidentLogRow {
  return {
    id,
    incidentId: INCIDENT_ID,
    at: new Date(T0 + id * 60_000),
    actor: "U0AGENT",
    kind: "note_added",
    details: { text: `note ${id}` },
    ...overrides,
  };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => row(i + 1));

const NAMES = new Map([
  ["U0AGENT", "Dana Scully"],
  ["U0LEAD", "Lee <Lead> & Co"],
  ["C0STAKE", "#incident-stakeholders"],
  ["C0INC", "#inc-000123-card"],
]);
const base = { reference: "INC-000123", timezone: "Europe/London", incidentId: INCIDENT_ID, names: NAMES };

/** The text a reader sees: link targets (message permalinks) are not shown. */
const visible = (text: string) => text.replace(/<(https:[^|>]*)\|([^>]*)>/g, "$2");

type Block = { type: string; text?: { text: string }; elements?: Array<Record<string, unknown>> };
const blocksOf = (m: { blocks: unknown[] }) => m.blocks as Block[];
const sections = (m: { blocks: unknown[] }) => blocksOf(m).filter((b) => b.type === "section");

describe("timelinePageCount", () => {
  it.each([
    [0, 20, 0],
    [1, 20, 1],
    [20, 20, 1],
    [21, 20, 2],
    [200, 20, 10],
    [10, 0, 10],
    [100, 1000, 3],
  ])("%i entries, %i a page → %i pages", (total, size, pages) => {
    expect(timelinePageCount(total, size)).toBe(pages);
  });
});

describe("timelineMessage", () => {
  it("shows page 1 as the oldest entries with a Next page button", () => {
    const m = timelineMessage({ ...base, entries: rows(45).reverse(), page: 1 });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    const header = blocksOf(m)[0]!;
    expect(header.type).toBe("header");
    expect(header.text?.text).toBe("INC-000123 timeline (page 1 of 3)");
    expect(m.text).toBe("INC-000123 timeline (page 1 of 3)");
    const texts = sections(m).map((b) => b.text!.text);
    expect(texts).toHaveLength(20);
    expect(texts[0]).toContain("Note: note 1");
    expect(texts[19]).toContain("Note: note 20");
    expect(texts[0]).toBe("*Mon 23 Nov 10:01 GMT* · Dana Scully · Note: note 1");
    const actions = blocksOf(m).at(-1)!;
    expect(actions.type).toBe("actions");
    const button = actions.elements![0]!;
    expect(button.action_id).toBe(CARD_ACTION.timelineNext);
    expect(button.action_id).toBe("incident_timeline_next");
    expect((button.text as { text: string }).text).toBe("Next page");
    expect(JSON.parse(button.value as string)).toEqual({ incidentId: INCIDENT_ID, page: 2 });
    expect(parseTimelineButtonValue(button.value as string)).toEqual({ incidentId: INCIDENT_ID, page: 2 });
  });

  it("has no button on the last page", () => {
    const m = timelineMessage({ ...base, entries: rows(45), page: 3 });
    expect(sections(m)).toHaveLength(5);
    expect(sections(m)[0]!.text!.text).toContain("Note: note 41");
    expect(blocksOf(m).some((b) => b.type === "actions")).toBe(false);
  });

  it("says there are no more entries past the last page", () => {
    const m = timelineMessage({ ...base, entries: rows(45), page: 4 });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.text).toContain("No more entries");
    expect(blocksOf(m).some((b) => b.type === "actions")).toBe(false);
  });

  it("says when the log is empty", () => {
    const m = timelineMessage({ ...base, entries: [], page: 1 });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.text).toBe("INC-000123 has no log entries yet.");
  });

  it("shows the system actor, escapes descriptions and links https permalinks only", () => {
    const entries = [
      row(1, { actor: "system", kind: "note_added", details: { text: "<!channel> & <b>" } }),
      row(2, {
        kind: "update_posted",
        details: { channel: "C0STAKE", ts: "1.2", permalink: "https://x.slack.com/archives/C0STAKE/p12" },
      }),
      row(3, {
        kind: "update_posted",
        details: { channel: "C0X", ts: "1.3", permalink: "javascript:alert(1)" },
      }),
      row(4, { kind: "update_posted", details: { channel: "C0X", ts: "1.4", permalink: "https://a|b>c" } }),
      row(5, { actor: "<@U0FAKE|x>" }),
    ];
    const texts = sections(timelineMessage({ ...base, entries, page: 1, all: true })).map(
      (b) => b.text!.text,
    );
    expect(texts[0]).toContain(" · Switchboard · ");
    expect(texts[0]).toContain("Note: &lt;!channel&gt; &amp; &lt;b&gt;");
    expect(texts[1]).toContain("Posted update to #incident-stakeholders");
    expect(texts[1]).toContain("<https://x.slack.com/archives/C0STAKE/p12|view message>");
    expect(texts[2]).not.toContain("view message");
    expect(texts[3]).not.toContain("view message");
    expect(texts[4]).toContain("&lt;@U0FAKE|x&gt;");
  });

  it("honours and clamps the page size", () => {
    expect(sections(timelineMessage({ ...base, entries: rows(30), page: 1, pageSize: 5 }))).toHaveLength(5);
    const big = timelineMessage({ ...base, entries: rows(200), page: 1, pageSize: 500 });
    expect(sections(big)).toHaveLength(MAX_TIMELINE_PAGE_SIZE);
    expect(validateMessageBlocks(big.blocks)).toEqual([]);
  });

  it("keeps a full page of worst-case entries under Slack's message text limit", () => {
    const permalink = `https://x.slack.com/${"a".repeat(470)}`;
    const entries = Array.from({ length: 200 }, (_, i) =>
      row(i, { actor: "&".repeat(500), details: { text: "<&>".repeat(2000), permalink } }),
    );
    for (const pageSize of [1, 20, MAX_TIMELINE_PAGE_SIZE]) {
      const m = timelineMessage({ ...base, entries, page: 2, pageSize });
      expect(validateMessageBlocks(m.blocks)).toEqual([]);
      expect(checkMessage(m)).toBeNull();
      expect(sections(m)[0]!.text!.text).toContain("|view message>");
    }
  });

  it("stays inside Block Kit's limits whatever the log holds", () => {
    const text = fc.oneof(fc.string({ maxLength: 5000 }), fc.string({ unit: "grapheme", maxLength: 400 }));
    const details = fc.oneof(
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }),
      fc.record({ text }),
      fc.record({ channel: text, ts: text, permalink: fc.oneof(fc.webUrl(), text) }),
      fc.constant({ text: "&<>".repeat(3000) }),
    );
    const entry = fc.record({
      id: fc.integer(),
      incidentId: fc.string(),
      at: fc.date({ noInvalidDate: true }),
      actor: fc.oneof(fc.constant("system"), fc.constant("U0AGENT"), fc.string()),
      kind: fc.oneof(fc.constantFrom(...LOG_KINDS), fc.string()),
      details,
    });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 200 }),
        fc.integer({ min: -2, max: 12 }),
        fc.option(fc.integer({ min: -5, max: 100 }), { nil: undefined }),
        fc.string(),
        fc.string({ maxLength: 300 }),
        fc.boolean(),
        (entries, page, pageSize, reference, incidentId, all) => {
          const m = timelineMessage({ ...base, reference, incidentId, entries, page, pageSize, all });
          expect(validateMessageBlocks(m.blocks)).toEqual([]);
          expect(m.blocks.length).toBeLessThanOrEqual(50);
          expect(checkMessage(m)).toBeNull();
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});

describe("timelineMessage as people read it", () => {
  const message = (all: boolean) =>
    timelineMessage({
      ...base,
      timezone: "America/New_York",
      names: REALISTIC_NAMES,
      entries: realisticLog(INCIDENT_ID),
      page: 1,
      all,
    });
  const textsOf = (m: ReturnType<typeof message>) => sections(m).map((b) => visible(b.text!.text));

  it("shows the narrative by default, with names and times in the policy's zone", () => {
    expect(textsOf(message(false))).toEqual([
      "*Sun 6 Dec 02:51 EST* · Dana Scully · Incident logged as INC-000123: Card payments failing (P2)",
      "*Sun 6 Dec 02:52 EST* · Switchboard · Incident channel created: #inc-000123-card",
      "*Sun 6 Dec 02:58 EST* · Lee Lead · Status Open → Acknowledged",
      "*Sun 6 Dec 02:59 EST* · Lee Lead · Owner set to Lee Lead (on acknowledging)",
      "*Sun 6 Dec 03:01 EST* · Lee Lead · Stakeholder update written for #incident-stakeholders; next update by Sun 6 Dec 03:56 EST",
      "*Sun 6 Dec 03:05 EST* · Lee Lead · Priority from the matrix changed P2 → P3 (reason: fewer callers)",
      "*Sun 6 Dec 03:07 EST* · Switchboard · Agents told the incident is resolved in #inc-000123-card",
      "*Sun 6 Dec 03:08 EST* · a former member · Note: Carrier confirms the fix",
    ]);
  });

  it("says how many delivery entries it hid and how to see them", () => {
    const m = message(false);
    expect(blocksOf(m)[0]!.text!.text).toBe("INC-000123 timeline (page 1 of 1)");
    const context = JSON.stringify(blocksOf(m)[1]);
    expect(context).toContain("Entries 1–8 of 8, oldest first; times in America/New_York.");
    expect(context).toContain("10 delivery entries hidden: `/incident timeline INC-000123 all` shows them.");
  });

  it("shows the plumbing too with `all`", () => {
    const m = message(true);
    expect(blocksOf(m)[0]!.text!.text).toBe("INC-000123 full timeline (page 1 of 1)");
    const texts = textsOf(m);
    expect(texts).toHaveLength(18);
    expect(texts).toContain(
      "*Sun 6 Dec 02:53 EST* · Switchboard · Reporter Dana Scully invited to #inc-000123-card",
    );
    expect(texts).toContain(
      "*Sun 6 Dec 02:56 EST* · Switchboard · Posted announcement to #incident-stakeholders · view message",
    );
    expect(texts).toContain(
      "*Sun 6 Dec 03:00 EST* · Switchboard · Told stakeholders in #incident-stakeholders (acknowledged) · view message",
    );
    expect(texts).toContain(
      "*Sun 6 Dec 02:57 EST* · Switchboard · Notified the reporter in a direct message",
    );
    expect(texts).toContain(
      "*Sun 6 Dec 03:04 EST* · Switchboard · Told Lee Lead that delivery to a channel failed (announcement)",
    );
    expect(JSON.stringify(blocksOf(m)[1])).not.toContain("hidden");
  });

  it("never shows a raw user id, channel id or ISO time, in either view", () => {
    for (const all of [false, true]) {
      for (const text of [...textsOf(message(all)), message(all).text]) {
        expect(text).not.toMatch(RAW_SLACK_ID);
        expect(text).not.toMatch(ISO_TIME);
        expect(text).not.toMatch(/<[@#!]/);
      }
    }
  });

  it("keeps `all` on the Next page button, so page 2 is of the same view", () => {
    const m = timelineMessage({
      ...base,
      entries: [...realisticLog(INCIDENT_ID), ...rows(30)],
      page: 1,
      all: true,
    });
    const button = blocksOf(m).at(-1)!.elements![0]!;
    expect(parseTimelineButtonValue(button.value as string)).toEqual({
      incidentId: INCIDENT_ID,
      page: 2,
      all: true,
    });
    const plain = timelineMessage({ ...base, entries: rows(30), page: 1 });
    expect(JSON.parse(blocksOf(plain).at(-1)!.elements![0]!.value as string)).toEqual({
      incidentId: INCIDENT_ID,
      page: 2,
    });
  });

  it("escapes names for Slack", () => {
    const entries = [row(1, { actor: "U0LEAD" })];
    const texts = sections(timelineMessage({ ...base, entries, page: 1 })).map((b) => b.text!.text);
    expect(texts[0]).toContain(" · Lee &lt;Lead&gt; &amp; Co · ");
  });

  it("points to `all` when the log holds only deliveries so far", () => {
    const entries = [row(1, { actor: "system", kind: "summary_posted", details: { channel: "C0INC" } })];
    const m = timelineMessage({ ...base, entries, page: 1 });
    expect(validateMessageBlocks(m.blocks)).toEqual([]);
    expect(m.text).toBe(
      "INC-000123 has only delivery entries so far: `/incident timeline INC-000123 all` shows them.",
    );
  });
});
