import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IncidentLogRow } from "../../../src/db/schema/incident-log.js";
import { LOG_KINDS } from "../../../src/domain/log.js";
import { describeActor, describeEntry } from "../../../src/domain/log-describe.js";
import {
  csvField,
  eventLabel,
  guardFormula,
  logToCsv,
  logToMarkdown,
} from "../../../src/services/export-log.js";
import { ISO_TIME, RAW_SLACK_ID, REALISTIC_NAMES, realisticLog } from "../../helpers/realistic-log.js";

const INCIDENT_ID = "6f1c1d1e-0000-4000-8000-000000000001";
const HEADER = ["id", "year", "time", "who", "event", "description"];
const NAMES = new Map([
  ["U0AGENT", "Dana Scully"],
  ["U0LEAD", "Lee Lead"],
  ["C0INC", "#inc-000123-card"],
  ["C0STAKE", "#incident-stakeholders"],
]);
const LONDON = { timezone: "Europe/London", names: NAMES };
const NEW_YORK = { timezone: "America/New_York", names: NAMES };

function row(id: number, overrides: Partial<IncidentLogRow> = {}): IncidentLogRow {
  return {
    id,
    incidentId: INCIDENT_ID,
    at: new Date("2026-11-23T10:00:00Z"),
    actor: "U0AGENT",
    kind: "note_added",
    details: { text: `note ${id}` },
    ...overrides,
  };
}

/** A strict RFC 4180 reader: every record ends in CRLF; quotes only around whole fields. */
function parseCsv(input: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < input.length) {
    let field = "";
    if (input[i] === '"') {
      i += 1;
      for (;;) {
        const end = input.indexOf('"', i);
        if (end < 0) throw new Error("unterminated quoted field");
        field += input.slice(i, end);
        i = end + 1;
        if (input[i] !== '"') break;
        field += '"';
        i += 1;
      }
    } else {
      const match = /^[^",\r\n]*/.exec(input.slice(i))!;
      field = match[0];
      i += field.length;
    }
    fields.push(field);
    if (input[i] === ",") i += 1;
    else if (input.startsWith("\r\n", i)) {
      records.push(fields);
      fields = [];
      i += 2;
    } else throw new Error(`unexpected ${JSON.stringify(input[i])} at ${i}`);
  }
  if (fields.length > 0) throw new Error("last record lacks CRLF");
  return records;
}

/** Undoes `guardFormula`: exactly one `'` goes from cells that start with quotes then a trigger. */
const unguard = (cell: string) => (/^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom(",", '"', '""', "\r\n", "\n", "\r", "=", "+", "-", "@", "\t", "'", "|", "\\", "<br>"),
      fc.string({ maxLength: 10 }),
      fc.string({ unit: "binary", maxLength: 5 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));

const anyEntry = fc.record({
  id: fc.integer(),
  incidentId: fc.constant(INCIDENT_ID),
  at: fc.date({ noInvalidDate: true }),
  actor: tricky,
  kind: fc.oneof(fc.constantFrom(...LOG_KINDS), tricky),
  details: fc.oneof(
    fc.dictionary(tricky, fc.jsonValue(), { maxKeys: 4 }),
    fc.record({ text: tricky, from: tricky, to: tricky, field: tricky, channel: tricky }),
  ),
});

describe("logToCsv", () => {
  it("writes the header, CRLF line ends and quoted fields", () => {
    const csv = logToCsv(
      [
        row(7, { details: { text: 'one, "two"\nthree' } }),
        row(8, { actor: "system", kind: "exported", details: { format: "csv", channel: "C0INC" } }),
      ],
      NEW_YORK,
    );
    expect(csv).toBe(
      "id,year,time,who,event,description\r\n" +
        '7,2026,Mon 23 Nov 05:00 EST,Dana Scully,Note added,"Note: one, ""two"" three"\r\n' +
        "8,2026,Mon 23 Nov 05:00 EST,Switchboard,Log exported,Log exported as CSV to #inc-000123-card\r\n",
    );
  });

  it.each([
    ["=SUM(A1:A9)", "'=SUM(A1:A9)"],
    ["+44 7700", "'+44 7700"],
    ["-1", "'-1"],
    ["@cmd", "'@cmd"],
    ["\tx", "'\tx"],
    ["'=x", "''=x"],
    ["'plain", "'plain"],
    ["plain = fine", "plain = fine"],
  ])("guards %j as %j", (value, guarded) => {
    expect(guardFormula(value)).toBe(guarded);
    expect(unguard(guarded)).toBe(value);
  });

  it("quotes a guarded carriage return", () => {
    expect(csvField("\rx")).toBe('"\'\rx"');
  });

  it("round-trips every field through an RFC 4180 parser", () => {
    fc.assert(
      fc.property(fc.array(anyEntry, { maxLength: 12 }), (entries) => {
        const records = parseCsv(logToCsv(entries, LONDON));
        expect(records[0]).toEqual(HEADER);
        expect(records).toHaveLength(entries.length + 1);
        entries.forEach((e, i) => {
          const cells = records[i + 1]!;
          for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
          const fields = cells.map(unguard);
          expect(fields).toHaveLength(6);
          expect(fields[0]).toBe(String(e.id));
          expect(fields[1]).toMatch(/^\d+$/);
          expect(fields[2]).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{2}:\d{2} \S+$/);
          expect(fields.slice(3)).toEqual([
            describeActor(e.actor, LONDON),
            eventLabel(e.kind),
            describeEntry(e, LONDON),
          ]);
        });
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe("eventLabel", () => {
  it.each([
    ["sla_warning", "SLA warning"],
    ["sla_breached", "SLA breached"],
    ["note_added", "Note added"],
    ["created", "Incident logged"],
    ["escalation_sent", "Escalation sent"],
  ])("%s reads %j", (kind, label) => {
    expect(eventLabel(kind)).toBe(label);
  });
});

describe("logToMarkdown", () => {
  const exportedAt = new Date("2026-11-23T12:00:00Z");
  const tableOf = (doc: string) => doc.split("\n").filter((line) => line.startsWith("|"));
  /** A row of four cells where every `|` inside a cell is escaped. */
  const FOUR_CELLS = /^\|(?: (?:\\.|[^\\|\n])* \|){4}$/;

  it("writes a heading, an export line and a table in the policy zone", () => {
    const doc = logToMarkdown({
      reference: "INC-000123",
      title: "Card payments failing",
      ...NEW_YORK,
      exportedAt,
      callerReference: "recorded",
      entries: [
        row(1, { at: new Date("2026-07-01T09:00:00Z"), details: { text: "a|b\nc <script>" } }),
        row(2, { actor: "system", kind: "status_changed", details: { from: "open", to: "acknowledged" } }),
      ],
    });
    const lines = doc.split("\n");
    expect(lines[0]).toBe("# INC-000123 — Card payments failing");
    expect(lines[2]).toBe(
      "Exported Mon 23 Nov 2026 07:00 EST; 2 entries from Wed 1 Jul 2026 to Mon 23 Nov 2026. Times are America/New_York time.",
    );
    expect(tableOf(doc)).toEqual([
      "| Time | Who | Event | What happened |",
      "| --- | --- | --- | --- |",
      "| Wed 1 Jul 05:00 EDT | Dana Scully | Note added | Note: a\\|b c &lt;script&gt; |",
      "| Mon 23 Nov 05:00 EST | Switchboard | Status changed | Status Open → Acknowledged |",
    ]);
  });

  it("says whether a caller reference was recorded or erased, never its value", () => {
    const doc = (callerReference: "recorded" | "erased" | "none") =>
      logToMarkdown({
        reference: "INC-000001",
        title: "t",
        timezone: "UTC",
        names: NAMES,
        exportedAt,
        entries: [],
        callerReference,
      });
    expect(doc("erased")).toContain("Caller reference: [erased] (retention period over)");
    expect(doc("recorded")).toContain(
      "Caller reference: recorded (personal data: shown on the incident card, not exported)",
    );
    expect(doc("none")).toContain("Caller reference: none");
  });

  it("keeps every entry on one table line", () => {
    const doc = logToMarkdown({
      reference: "INC-000001",
      title: "t",
      timezone: "UTC",
      names: NAMES,
      exportedAt,
      callerReference: "none",
      entries: [row(1, { actor: "line1\nline2", kind: "x|y" })],
    });
    expect(tableOf(doc)[2]).toContain("| line1 line2 | X\\|y |");
  });

  it("has one table line per entry plus two, with no raw pipe inside a cell", () => {
    fc.assert(
      fc.property(fc.array(anyEntry, { maxLength: 12 }), tricky, tricky, (entries, title, reference) => {
        const doc = logToMarkdown({
          reference,
          title,
          ...LONDON,
          exportedAt,
          entries,
          callerReference: "erased",
        });
        expect(doc.split("\n")[0]).toMatch(/^# [^\r\n]*$/);
        const afterIntro = doc.split("\n").slice(6);
        const table = afterIntro.filter((line) => line.startsWith("|"));
        expect(table).toHaveLength(entries.length + 2);
        expect(afterIntro.slice(0, table.length)).toEqual(table);
        for (const line of table) {
          expect(line).toMatch(FOUR_CELLS);
          expect(line.replace(/<br>/g, "")).not.toMatch(/[<>\r\u2028\u2029]/);
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe("the exports as people read them", () => {
  const ctx = { timezone: "America/New_York", names: REALISTIC_NAMES };
  const entries = realisticLog(INCIDENT_ID);
  const markdown = logToMarkdown({
    reference: "INC-000123",
    title: "Card payments failing",
    exportedAt: new Date("2026-12-06T09:00:00Z"),
    callerReference: "none",
    entries,
    ...ctx,
  });
  const csv = logToCsv(entries, ctx);

  it("keep every entry, delivery plumbing included, with names and local times", () => {
    expect(markdown).toContain(
      "| Sun 6 Dec 02:53 EST | Switchboard | Reporter invited | Reporter Dana Scully invited to #inc-000123-card |",
    );
    expect(markdown).toContain(
      "| Sun 6 Dec 03:05 EST | Lee Lead | Field changed | Priority from the matrix changed P2 → P3 (reason: fewer callers) |",
    );
    expect(markdown).toContain(
      "| Sun 6 Dec 03:08 EST | a former member | Note added | Note: Carrier confirms the fix |",
    );
    expect(parseCsv(csv)).toHaveLength(entries.length + 1);
    expect(parseCsv(csv)[11]).toEqual([
      "11",
      "2026",
      "Sun 6 Dec 03:01 EST",
      "Lee Lead",
      "Update written",
      "Stakeholder update written for #incident-stakeholders; next update by Sun 6 Dec 03:56 EST",
    ]);
  });

  it("never show a raw user id, channel id or ISO time", () => {
    for (const doc of [markdown, csv]) {
      expect(doc).not.toMatch(RAW_SLACK_ID);
      expect(doc).not.toMatch(ISO_TIME);
      expect(doc).not.toMatch(/matrixPriority|_posted|_changed/);
    }
  });
});
