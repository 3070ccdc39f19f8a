import { describe, expect, it } from "vitest";
import {
  type DeadlineStatus,
  type NextAction,
  nextAction,
  nextActionFor,
} from "../../../src/domain/deadline-status.js";
import { PRIORITIES } from "../../../src/domain/incident.js";
import { validateMessageBlocks, validateView } from "../../../src/emulator/block-kit.js";
import { homeView } from "../../../src/messages/home.js";
import { CARD_ACTION, LIST_ACTION } from "../../../src/messages/ids.js";
import { deadlineText, incidentList, type ListRow } from "../../../src/messages/incident-list.js";
import { incidentRow, NOW } from "../../helpers/fixtures.js";

const ZONE = "Europe/London";
const ID = "6f1c1d1e-0000-4000-8000-000000000001";

const overdue: DeadlineStatus = {
  tone: "overdue",
  clock: "respond",
  dueAt: new Date(NOW.getTime() - 2 * 60_000),
  words: "acknowledge overdue by 2 min",
  alsoOverdue: [],
};

function row(deadline: DeadlineStatus | null, next: NextAction | null, over: Partial<ListRow> = {}): ListRow {
  return { ...incidentRow({ id: ID, ownerId: "U0OWNER" }), deadline, next, ...over };
}

type Section = { type: string; text: { text: string }; accessory?: Record<string, unknown> };
const sections = (blocks: unknown[]) => (blocks as Section[]).filter((b) => b.type === "section");

describe("deadline words", () => {
  it.each<[DeadlineStatus, string]>([
    [overdue, "*🔴 acknowledge overdue by 2 min*"],
    [
      { ...overdue, clock: "update_every", words: "update overdue by 1 h 5 min", alsoOverdue: ["resolve"] },
      "*🔴 update overdue by 1 h 5 min* (resolve overdue too)",
    ],
    [{ ...overdue, tone: "soon", words: "acknowledge due in 4 min" }, "🟠 acknowledge due in 4 min"],
    [
      { ...overdue, tone: "paused", clock: "resolve", words: "resolve clock paused" },
      "⏸️ resolve clock paused",
    ],
  ])("%j", (d, text) => {
    expect(deadlineText(d, ZONE)).toBe(text);
  });

  it("gives a later deadline as a Slack date with a fallback in the policy's zone", () => {
    const later: DeadlineStatus = {
      tone: "later",
      clock: "resolve",
      dueAt: new Date("2026-11-23T14:15:00Z"),
      words: "resolve by",
      alsoOverdue: [],
    };
    expect(deadlineText(later, ZONE)).toBe(
      "resolve by <!date^1795443300^{date_short_pretty} {time}|23 Nov 2026 14:15 GMT>",
    );
    expect(deadlineText(later, "America/New_York")).toContain("|23 Nov 2026 09:15 EST>");
  });
});

describe("incident list rows", () => {
  it("marks an overdue row in red with its next action as a button the card's handler answers", () => {
    const list = incidentList([row(overdue, nextAction("open", overdue))], {
      heading: "Open incidents",
      timezone: ZONE,
      more: false,
    });
    const [heading, first] = sections(list.blocks);
    expect(heading?.text.text).toBe("*Open incidents* (1) · 🔴 1 overdue");
    expect(first?.text.text).toContain("*INC-000042* · P2 · MAJOR · Open · Card payments failing");
    expect(first?.text.text).toContain("\n*🔴 acknowledge overdue by 2 min*\n");
    expect(first?.text.text).toContain("owner <@U0OWNER>");
    expect(first?.accessory).toEqual({
      type: "button",
      action_id: CARD_ACTION.acknowledge,
      text: { type: "plain_text", text: "Acknowledge", emoji: true },
      value: ID,
      style: "primary",
    });
    expect(list.text).toBe("Open incidents (1): 🔴 1 overdue");
    expect(validateMessageBlocks(list.blocks)).toEqual([]);
  });

  it.each<[NextAction, string, string, string]>([
    [{ kind: "update" }, CARD_ACTION.update, "Post update", ID],
    [{ kind: "lifecycle", action: "resolve" }, CARD_ACTION.resolve, "Resolve", ID],
    [{ kind: "lifecycle", action: "resume" }, CARD_ACTION.resume, "Resume", ID],
    [{ kind: "lifecycle", action: "start" }, CARD_ACTION.start, "Start work", ID],
    [
      { kind: "stop_clock", clock: "regulator_notice", label: "Regulator notified" },
      CARD_ACTION.stopClock,
      "Regulator notified",
      JSON.stringify({ incidentId: ID, clock: "regulator_notice" }),
    ],
  ])("%j → %s", (next, actionId, label, value) => {
    const [, first] = sections(
      incidentList([row(null, next)], { heading: "h", timezone: ZONE, more: false }).blocks,
    );
    expect(first?.accessory).toMatchObject({ action_id: actionId, text: { text: label }, value });
    expect(first?.accessory).not.toHaveProperty("style");
  });

  it("links to the channel, else the thread, for a viewer who may not take the next move", () => {
    const first = (over: Partial<ListRow>) =>
      sections(
        incidentList([row(null, { kind: "open" }, over)], { heading: "h", timezone: ZONE, more: false })
          .blocks,
      )[1];
    const channel = first({ channelId: "C0INC" });
    expect(channel?.accessory).toMatchObject({
      type: "button",
      action_id: LIST_ACTION.open,
      text: { type: "plain_text", text: "Open channel" },
      url: "https://slack.com/app_redirect?channel=C0INC",
    });
    expect(
      first({ channelId: null, workingChannelId: "C0WORK", threadTs: "1700000000.000100" })?.accessory,
    ).toMatchObject({
      text: { text: "Open thread" },
      url: "https://slack.com/archives/C0WORK/p1700000000000100",
    });
    expect(first({ channelId: null, workingChannelId: null, threadTs: null })).not.toHaveProperty(
      "accessory",
    );
    expect(
      validateMessageBlocks(
        incidentList([row(null, { kind: "open" }, { channelId: "C0INC" })], {
          heading: "h",
          timezone: ZONE,
          more: false,
        }).blocks,
      ),
    ).toEqual([]);
  });

  it("turns a move the viewer may not make into the way to the incident, and keeps the rest", () => {
    const never = () => false;
    expect(nextActionFor({ kind: "lifecycle", action: "resolve" }, never)).toEqual({ kind: "open" });
    expect(nextActionFor({ kind: "lifecycle", action: "resolve" }, () => true)).toEqual({
      kind: "lifecycle",
      action: "resolve",
    });
    expect(nextActionFor({ kind: "update" }, never)).toEqual({ kind: "update" });
    expect(nextActionFor(null, never)).toBeNull();
  });

  it("offers someone else's incident only the way in, except an acknowledgement nobody has made", () => {
    const always = () => true;
    for (const next of [
      { kind: "lifecycle", action: "start" },
      { kind: "lifecycle", action: "resume" },
      { kind: "update" },
      { kind: "stop_clock", clock: "supplier", label: "Supplier replied" },
    ] as const) {
      expect(nextActionFor(next, always, false)).toEqual({ kind: "open" });
      expect(nextActionFor(next, always, true)).toEqual(next);
    }
    expect(nextActionFor({ kind: "lifecycle", action: "acknowledge" }, always, false)).toEqual({
      kind: "lifecycle",
      action: "acknowledge",
    });
  });

  it("leaves the button off when there is nothing to do, and says who owns nothing yet", () => {
    const [, first] = sections(
      incidentList([row(null, null, { ownerId: null })], { heading: "h", timezone: ZONE, more: false })
        .blocks,
    );
    expect(first).not.toHaveProperty("accessory");
    expect(first?.text.text).toContain("no owner yet");
  });

  it("escapes markup in a title so it cannot ping anyone", () => {
    const [, first] = sections(
      incidentList([row(overdue, null, { title: "<!channel> & co" })], {
        heading: "h",
        timezone: ZONE,
        more: false,
      }).blocks,
    );
    expect(first?.text.text).toContain("&lt;!channel&gt; &amp; co");
  });
});

describe("the Home tab", () => {
  it("shows overdue rows with their button, and the team's count of what presses", () => {
    const soon: DeadlineStatus = { ...overdue, tone: "soon", words: "acknowledge due in 4 min" };
    const view = homeView({
      mine: [row(overdue, nextAction("open", overdue))],
      open: [row(overdue, nextAction("open", overdue)), row(soon, nextAction("open", soon), { number: 43 })],
      timezone: ZONE,
    });
    const text = JSON.stringify(view.blocks);
    const [yours, team] = text.split("Open incidents by priority");
    expect(yours).toContain("🔴 acknowledge overdue by 2 min");
    expect(yours).toContain(`"action_id":"${CARD_ACTION.acknowledge}"`);
    expect(team).toContain("🔴 1 overdue · 🟠 1 due soon");
    expect(team).toContain("🟠 acknowledge due in 4 min");
    expect(validateView(view)).toEqual([]);
  });

  it("stays inside Slack's 100 blocks at its fullest, every row with a button", () => {
    const many = Array.from({ length: 80 }, (_, n) =>
      row(overdue, nextAction("open", overdue), {
        number: n + 1,
        priority: PRIORITIES[n % PRIORITIES.length]!,
        title: "x".repeat(150),
      }),
    );
    const view = homeView({ mine: many, open: many, timezone: ZONE });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(validateView(view)).toEqual([]);
    expect(JSON.stringify(view.blocks)).toContain("…and 20 more: `/incident list`.");
  });

  it("puts what needs the viewer first, marks what was escalated to them, and still fits", () => {
    const many = Array.from({ length: 80 }, (_, n) =>
      row(overdue, nextAction("open", overdue), {
        number: n + 1,
        priority: PRIORITIES[n % PRIORITIES.length]!,
        title: "x".repeat(150),
      }),
    );
    const needsYou = many.slice(0, 12).map((r, n) => ({
      ...r,
      escalatedToYou: n % 2 === 0,
      escalatedFor: n === 0 ? [{ name: "update_every", label: "Stakeholder update" }] : [],
    }));
    const callbacks = many.slice(0, 7).map((r) => ({ ...r, status: "resolved" as const }));
    const view = homeView({ mine: many, open: many, callbacks, needsYou, timezone: ZONE });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(validateView(view)).toEqual([]);
    const blocks = view.blocks as unknown as Section[];
    expect(blocks[0]).toMatchObject({ type: "header", text: { text: "Needs you" } });
    expect(blocks[1]?.text.text).toMatch(
      /^\*Escalated to you\*: stakeholders still have no update\n\*INC-000001\*/,
    );
    expect(blocks[2]?.text.text).toMatch(/^\*INC-000002\*/);
    expect(JSON.stringify(view.blocks)).toContain("…and more: `/incident list`.");

    const quiet = JSON.stringify(
      homeView({ mine: [], open: many.slice(0, 1), needsYou: needsYou.slice(0, 1), timezone: ZONE }),
    );
    expect(quiet).toContain("None that you own or reported.");
    expect(quiet).not.toContain(":tada:");
    const none = homeView({ mine: [], open: [], timezone: ZONE });
    expect(JSON.stringify(none)).not.toContain("Needs you");
    expect(JSON.stringify(none)).toContain("None. :tada:");
  });
});
