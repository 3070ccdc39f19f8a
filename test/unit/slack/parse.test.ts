import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { editDistance, parseCommand } from "../../../src/slack/commands/parse-command.js";
import { logIncidentForm } from "../../../src/slack/parse/log-incident.js";
import { readViewState, toBlockErrors } from "../../../src/slack/parse/view-state.js";
import { logFormState, validLogForm } from "../../helpers/slack-payloads.js";

const NOW = new Date("2026-11-23T10:00:00Z");
const TYPES = ["service_failure", "complaint"];
const parse = (overrides = {}) =>
  logIncidentForm(TYPES, () => NOW).safeParse(
    readViewState(logFormState(validLogForm({ reportedAt: NOW.getTime() / 1000 - 60, ...overrides }))),
  );

describe("parseCommand", () => {
  it.each([
    ["", { kind: "open_modal" }],
    ["   ", { kind: "open_modal" }],
    ["Card payments failing", { kind: "open_modal", title: "Card payments failing" }],
    ["help", { kind: "help", topic: null }],
    ["HELP", { kind: "help", topic: null }],
    ["help Service_Failure", { kind: "help", topic: "service_failure" }],
    ["review", { kind: "review", number: null }],
    ["review INC-12", { kind: "review", number: 12 }],
    ["actions", { kind: "actions", filter: "mine" }],
    ["actions overdue", { kind: "actions", filter: "overdue" }],
    ["actions ALL", { kind: "actions", filter: "all" }],
    ["report", { kind: "report", range: { kind: "last", days: 7 } }],
    ["report 30d", { kind: "report", range: { kind: "last", days: 30 } }],
    [
      "report 2026-10-01 2026-10-31",
      { kind: "report", range: { kind: "between", from: "2026-10-01", to: "2026-10-31" } },
    ],
    [
      "handover <@U0LEAD|lead> Carrier ticket 4411 open, next call 14:00",
      { kind: "handover", number: null, userId: "U0LEAD", note: "Carrier ticket 4411 open, next call 14:00" },
    ],
    ["handover INC-4 <@U0LEAD>", { kind: "handover", number: 4, userId: "U0LEAD", note: "" }],
    ["handover soon", { kind: "handover", number: null, userId: null, note: "soon" }],
    [
      "Report portal down for all callers",
      { kind: "open_modal", title: "Report portal down for all callers" },
    ],
    [
      "Actions menu missing in the agent desktop",
      { kind: "open_modal", title: "Actions menu missing in the agent desktop" },
    ],
    ["list", { kind: "list", filter: "open" }],
    ["list open", { kind: "list", filter: "open" }],
    ["list mine", { kind: "list", filter: "mine" }],
    ["show INC-000042", { kind: "show", number: 42 }],
    ["show inc-7", { kind: "show", number: 7 }],
    ["show", { kind: "show", number: null }],
    ["status in_progress", { kind: "status", number: null, status: "in_progress", word: "in_progress" }],
    ["status In progress", { kind: "status", number: null, status: "in_progress", word: "In progress" }],
    ["status INC-000042 on hold", { kind: "status", number: 42, status: "on_hold", word: "on hold" }],
    ["assign <@U0LEAD|lead> INC-7", { kind: "assign", number: 7, userId: "U0LEAD" }],
    ["assign bob", { kind: "assign", number: null, userId: null }],
    [
      "note INC-3 Called &lt;carrier&gt; &amp; <@U0LEAD|lead>",
      { kind: "note", number: 3, text: "Called <carrier> & @lead" },
    ],
    ["update", { kind: "form", form: "update", number: null }],
    ["resolve INC-9", { kind: "form", form: "resolve", number: 9 }],
    ["reopen", { kind: "form", form: "reopen", number: null }],
    [
      "reopen INC-9 Callers say it is failing again.",
      { kind: "form", form: "reopen", number: 9, text: "Callers say it is failing again." },
    ],
    [
      "resolve Card processor restarted",
      { kind: "form", form: "resolve", number: null, text: "Card processor restarted" },
    ],
    ["close INC-9", { kind: "close", number: 9 }],
    ["timeline 3", { kind: "timeline", number: null, page: 3, all: false }],
    ["timeline INC-5", { kind: "timeline", number: 5, page: 1, all: false }],
    ["timeline all", { kind: "timeline", number: null, page: 1, all: true }],
    ["timeline INC-5 all 2", { kind: "timeline", number: 5, page: 2, all: true }],
    ["timeline 3 ALL", { kind: "timeline", number: null, page: 3, all: true }],
    ["timeline all INC-000042", { kind: "timeline", number: 42, page: 1, all: true }],
    ["export", { kind: "export", number: null }],
    [
      "Card <https://status.example.com|status page> down",
      { kind: "open_modal", title: "Card status page down" },
    ],
  ])("%j → %j", (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it("answers a typo of a subcommand instead of logging it as a title", () => {
    expect(parseCommand("shwo INC-1")).toMatchObject({ kind: "unknown", suggestion: "show" });
    expect(parseCommand("lsit")).toMatchObject({ kind: "unknown", suggestion: "list" });
    expect(parseCommand("hlep")).toMatchObject({ kind: "unknown", suggestion: "help" });
  });

  it("keeps a real title that merely starts like a subcommand", () => {
    expect(parseCommand("Shop website down for all customers")).toMatchObject({ kind: "open_modal" });
  });

  it("refuses an unknown list filter with the choices", () => {
    expect(parseCommand("list everything")).toMatchObject({
      kind: "unknown",
      reason: expect.stringContaining("list mine"),
    });
  });

  it.each([
    ["report 400d", "at most 366 days"],
    ["report 0d", "not a report period"],
    ["report 2026-02-30 2026-03-01", "not a report period"],
    ["report 2026-10-31 2026-10-01", "start date is after the end date"],
    ["report 2025-01-01 2026-10-01", "at most 366 days"],
    ["actions later", "actions overdue"],
    ["review now", "review INC-000042"],
  ])("refuses %j with a reason", (text, reason) => {
    expect(parseCommand(text)).toMatchObject({ kind: "unknown", reason: expect.stringContaining(reason) });
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => void parseCommand(text)),
      { numRuns: 100 },
    );
  }, 30_000);

  it("editDistance counts a transposition as one edit", () => {
    expect(editDistance("shwo", "show")).toBe(1);
    expect(editDistance("list", "list")).toBe(0);
    expect(editDistance("", "help")).toBe(4);
  });
});

describe("the log-incident form parser", () => {
  it("accepts a complete form and trims text", () => {
    const result = parse({ title: "  Card payments failing  " });
    expect(result.success).toBe(true);
    expect(result.data?.title).toBe("Card payments failing");
    expect(result.data?.reportedAt).toEqual(new Date(NOW.getTime() - 60_000));
  });

  it("gives text as PostgreSQL will hold it: no NUL, half a surrogate pair as U+FFFD, whole pairs kept", () => {
    const result = parse({ title: "Fire\u0000 \uD83D alarm \uDE00 \uD83D\uDE00", description: "x\u0000y" });
    expect(result.data?.title).toBe("Fire \uFFFD alarm \uFFFD \uD83D\uDE00");
    expect(result.data?.description).toBe("xy");
  });

  it("reads the clock at each parse, not when the parser was built", () => {
    let now = NOW;
    const form = logIncidentForm(TYPES, () => now);
    const state = readViewState(logFormState(validLogForm({ reportedAt: NOW.getTime() / 1000 + 600 })));
    expect(form.safeParse(state).success).toBe(false);
    now = new Date(NOW.getTime() + 600_000);
    expect(form.safeParse(state).success).toBe(true);
  });

  it("drops an override reason when there is no override", () => {
    expect(parse({ overrideReason: "because" }).data?.overrideReason).toBeUndefined();
  });

  it("treats blank optional fields as absent", () => {
    const result = parse({ affectedService: "   ", callerReference: "" });
    expect(result.data?.affectedService).toBeUndefined();
    expect(result.data?.callerReference).toBeUndefined();
  });

  it.each([
    [{ title: "x".repeat(151) }, "title"],
    [{ callerReference: "x".repeat(201) }, "caller_reference"],
    [{ reportedAt: NOW.getTime() / 1000 + 600 }, "reported_at"],
    [{ reportedAt: NOW.getTime() / 1000 - 91 * 86_400 }, "reported_at"],
    [{ reportChannel: "carrier_pigeon" }, "report_channel"],
    [{ urgency: undefined }, "urgency"],
    [{ priorityOverride: "P1", overrideReason: " " }, "override_reason"],
  ])("puts the error for %j on block %s", (overrides, block) => {
    const result = parse(overrides);
    expect(result.success).toBe(false);
    expect(
      Object.keys(
        toBlockErrors(result.error!, [
          "title",
          "description",
          "type",
          "report_channel",
          "impact",
          "urgency",
          "affected_service",
          "caller_reference",
          "reported_at",
          "priority_override",
          "override_reason",
        ]),
      ),
    ).toContain(block);
  });

  it("never throws on arbitrary view state", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (values) => {
        const result = logIncidentForm(TYPES, () => NOW).safeParse(readViewState(values));
        expect(typeof result.success).toBe("boolean");
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});
