import { describe, expect, it } from "vitest";
import { PRACTICE_INJECT_KINDS } from "../../../src/domain/policy-types.js";
import { type DrillSummary, practiceTrend } from "../../../src/domain/practice-history.js";
import { checkMessage, checkView, validateMessageBlocks } from "../../../src/emulator/block-kit.js";
import { coachingNotesModal } from "../../../src/messages/practice-coaching-modal.js";
import { practiceHistoryReply, teamDrillsHomeBlocks } from "../../../src/messages/practice-history.js";
import { practiceInjectPost } from "../../../src/messages/practice-inject.js";
import { parseCommand } from "../../../src/slack/commands/parse-command.js";

const drill = (overall: number, day: number): DrillSummary => ({
  startedAt: new Date(Date.UTC(2026, 11, day, 10)),
  reference: `INC-0000${day}`,
  scenarioLabel: "Phones down, callers flooding in",
  overall,
  points: [
    { point: "logged", score: "met" },
    { point: "priority", score: "partly" },
    { point: "acknowledged", score: "missed" },
    { point: "briefing", score: "not_applicable" },
  ],
});

describe("practiceTrend", () => {
  it.each([
    [[0.8, 0.7, 0.55], "Up from 55% to 80% over the last 3 drills."],
    [[0.5, 0.9], "Down from 90% to 50% over the last 2 drills."],
    [[0.75, 0.2, 0.75, 0.1], "Steady at 75% over the last 3 drills."],
  ])("%j (newest first) reads %s", (overalls, sentence) => {
    expect(practiceTrend(overalls.map((overall) => ({ overall })))).toBe(sentence);
  });

  it("says nothing about one drill or none", () => {
    expect(practiceTrend([{ overall: 1 }])).toBeNull();
    expect(practiceTrend([])).toBeNull();
  });
});

describe("practice history and the lead's Home section", () => {
  it("lists each drill with its date, scenario, score per point and overall, newest first", () => {
    const reply = practiceHistoryReply({
      userId: "U0AGENT",
      drills: [drill(0.8, 5), drill(0.55, 2)],
      timezone: "Europe/London",
    });
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain("Up from 55% to 80% over the last 2 drills.");
    expect(text).toContain("5 Dec 2026");
    expect(text).toContain("logged ✓ · priority ½ · ack ✗");
    expect(text).not.toContain("briefing");
    expect(text.indexOf("INC-00005")).toBeLessThan(text.indexOf("INC-00002"));
    expect(validateMessageBlocks(reply.blocks)).toEqual([]);
    expect(checkMessage(reply)).toBeNull();
  });

  it("says plainly when there is nothing yet", () => {
    expect(practiceHistoryReply({ userId: "U0AGENT", drills: [], timezone: "UTC" }).text).toBe(
      "<@U0AGENT> has no finished practice drills yet.",
    );
  });

  it("shows at most five of the team's drills, and nothing when there are none", () => {
    const drills = [1, 2, 3, 4, 5, 6, 7].map((d) => ({ ...drill(0.5, d), trainees: ["U0AGENT"] }));
    const blocks = teamDrillsHomeBlocks({ drills, timezone: "UTC" });
    expect(blocks.filter((b) => b.type === "section")).toHaveLength(5);
    expect(JSON.stringify(blocks)).toContain("Your team's recent drills");
    expect(validateMessageBlocks(blocks)).toEqual([]);
    expect(teamDrillsHomeBlocks({ drills: [], timezone: "UTC" })).toEqual([]);
  });
});

describe("an inject's post", () => {
  it.each(PRACTICE_INJECT_KINDS)("%s is marked PRACTICE, numbered, and valid Block Kit", (kind) => {
    const post = practiceInjectPost({
      inject: {
        afterMs: 0,
        kind,
        text: "Any news on the *payments* line?",
        ...(kind === "callers" ? { callers: 3 } : {}),
      },
      position: 1,
      count: 4,
      stakeholderChannel: "C0STAKE",
    });
    expect(post.text).toBe("PRACTICE inject 2: Any news on the *payments* line?");
    const body = JSON.stringify(post.blocks);
    expect(body).toContain("*PRACTICE* · inject 2 of 4");
    expect(validateMessageBlocks(post.blocks)).toEqual([]);
    expect(checkMessage(post)).toBeNull();
    if (kind === "stakeholder_asks") expect(body).toContain("Stakeholder (would be in <#C0STAKE>)");
    if (kind === "callers") expect(body).toContain("3 added as caller reports");
  });

  it("escapes the scenario's text so it cannot mention anyone", () => {
    const post = practiceInjectPost({
      inject: { afterMs: 0, kind: "note", text: "<!channel> look" },
      position: 0,
      count: 1,
      stakeholderChannel: null,
    });
    expect(JSON.stringify(post.blocks)).not.toContain("<!channel>");
  });
});

describe("the coaching notes form", () => {
  it("is a valid modal carrying the incident id and the notes so far", () => {
    const view = coachingNotesModal({ incidentId: "3f1c", reference: "INC-000012", notes: "Earlier notes" });
    expect(checkView(view)).toBeNull();
    expect(view.private_metadata).toBe("3f1c");
    expect(JSON.stringify(view)).toContain("Earlier notes");
  });
});

describe("/incident practice …", () => {
  it.each([
    ["practice", { kind: "practice", action: "start" }],
    ["practice end", { kind: "practice", action: "end", number: null }],
    ["practice end INC-000042", { kind: "practice", action: "end", number: 42 }],
    ["practice history", { kind: "practice", action: "history", userId: null }],
    ["practice history <@U0AGENT|agent>", { kind: "practice", action: "history", userId: "U0AGENT" }],
  ])("%s", (text, parsed) => {
    expect(parseCommand(text)).toEqual(parsed);
  });

  it("answers anything else with the usage", () => {
    const parsed = parseCommand("practice stop");
    expect(parsed.kind).toBe("unknown");
    expect(parsed.kind === "unknown" && parsed.reason).toContain("practice history @someone");
  });

  it("still logs a longer title that starts with the word", () => {
    expect(parseCommand("Practice line down for all callers today")).toEqual({
      kind: "open_modal",
      title: "Practice line down for all callers today",
    });
  });
});
