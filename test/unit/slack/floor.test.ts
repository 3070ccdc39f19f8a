import { describe, expect, it } from "vitest";
import type { TeamBriefingStatus } from "../../../src/domain/floor.js";
import { validateMessageBlocks, validateView } from "../../../src/emulator/block-kit.js";
import { floorActions } from "../../../src/messages/card-actions.js";
import { briefingMessage, describeHelpDestination, helpRequestMessage } from "../../../src/messages/floor.js";
import { askForHelpModal, briefAgentsModal, recordImpactModal } from "../../../src/messages/floor-modals.js";
import { CALLER_ACTION, CARD_ACTION, FLOOR_FIELDS as F, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { headline, incidentCard } from "../../../src/messages/incident-card.js";
import { stakeholderUpdateMessage } from "../../../src/messages/update.js";
import { AskForHelpForm, briefAgentsForm, RecordImpactForm } from "../../../src/slack/parse/floor-forms.js";
import { toBlockErrors } from "../../../src/slack/parse/view-state.js";
import { incidentRow as incident, NOW } from "../../helpers/fixtures.js";

const TZ = "Europe/London";
const briefing = {
  id: "6f1c1d1e-0000-4000-8000-0000000000b1",
  affected: "Card payments <by phone>",
  script: "We are fixing it.",
  workaround: "Pay by bank transfer",
  nextUpdateAt: new Date(NOW.getTime() + 1_800_000),
  author: "U0AGENT",
  postedAt: NOW,
};
const status: TeamBriefingStatus[] = [
  { team: "a", label: "Floor A", state: "confirmed", leadId: "U0LEAD", confirmedAt: NOW },
  { team: "b", label: "Floor B", state: "waiting", leads: ["U0LEADB"] },
];
const impact = { callsQueued: 42, abandonmentRate: 12.5, affectedQueue: "Billing", impactRecordedAt: NOW };
const meta = { incidentId: incident().id, channel: "C0INC42" };

describe("card buttons for the floor", () => {
  it("offers brief, impact and help on open incidents, highlighting the briefing on a major one", () => {
    const [block] = floorActions(incident({ major: true })) as Array<{ elements: Record<string, unknown>[] }>;
    expect(block!.elements.map((e) => e.action_id)).toEqual([
      FLOOR_ACTION.briefAgents,
      FLOOR_ACTION.recordImpact,
      FLOOR_ACTION.askForHelp,
      CALLER_ACTION.addCaller,
    ]);
    expect(block!.elements[0]!.style).toBe("primary");
    const style = (i: ReturnType<typeof incident>) =>
      (floorActions(i) as Array<{ elements: Record<string, unknown>[] }>)[0]!.elements[0]!.style;
    // Major as the review and the help page have it: P1 or P2, or flagged by hand.
    expect(style(incident({ priority: "P2", major: false }))).toBe("primary");
    expect(style(incident({ priority: "P3", major: false }))).toBeUndefined();
  });

  it("marks every heading MAJOR for a P1 or P2 and for an incident flagged major, and no other", () => {
    const cases = [
      { priority: "P1", major: true, marked: true },
      { priority: "P2", major: false, marked: true },
      { priority: "P3", major: false, marked: false },
      { priority: "P4", major: true, marked: true },
      { priority: "P5", major: false, marked: false },
    ] as const;
    for (const c of cases) {
      const i = incident({ priority: c.priority, major: c.major });
      const headings = [
        headline(i),
        JSON.stringify(briefingMessage(i, briefing, status, TZ).blocks),
        JSON.stringify(helpRequestMessage(i, { asker: "U0AGENT", request: "Need a hand" }).blocks),
      ];
      for (const heading of headings)
        expect(heading.includes("MAJOR"), `${c.priority} ${heading}`).toBe(c.marked);
    }
  });

  it("offers none once resolved or closed", () => {
    expect(floorActions(incident({ status: "resolved" }))).toEqual([]);
    expect(floorActions(incident({ status: "closed" }))).toEqual([]);
  });

  it("keeps every actions block of the card within Slack's limits", () => {
    const card = incidentCard(incident(), {
      audience: "responder",
      typeLabel: "Service failure",
      timezone: TZ,
    });
    expect(validateMessageBlocks(card.blocks)).toEqual([]);
    const actions = card.blocks.filter((b) => b.type === "actions") as Array<{ elements: unknown[] }>;
    expect(actions.length).toBe(2);
    for (const a of actions) expect(a.elements.length).toBeLessThanOrEqual(25);
  });
});

describe("briefing on the card and in the agents' channel", () => {
  it("shows each team's confirmation on the responder card, not on a stakeholder copy", () => {
    const ctx = { typeLabel: "Service failure", timezone: TZ, briefing: { ...briefing, status } };
    const card = JSON.stringify(incidentCard(incident(), { ...ctx, audience: "responder" }));
    expect(card).toContain("Teams briefed: 1 of 2");
    expect(card).toContain("Floor A*: briefed, confirmed by <@U0LEAD>");
    expect(card).toContain("Floor B*: waiting for confirmation (<@U0LEADB>)");
    expect(JSON.stringify(incidentCard(incident(), { ...ctx, audience: "stakeholder" }))).not.toContain(
      "Teams briefed",
    );
  });

  it("builds a valid agents' post with the script, the workaround and the Team briefed button", () => {
    const message = briefingMessage(incident(), briefing, status, TZ);
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    const body = JSON.stringify(message.blocks);
    expect(body).toContain("Card payments &lt;by phone&gt;");
    expect(body).toContain("Pay by bank transfer");
    expect(body).toContain(`"value":"${briefing.id}"`);
    expect(body).toContain(FLOOR_ACTION.teamBriefed);
  });

  it("says the next update is not set when there is none, and leaves out an empty workaround", () => {
    const body = JSON.stringify(
      briefingMessage(incident(), { ...briefing, nextUpdateAt: null, workaround: null }, [], TZ),
    );
    expect(body).toContain("not set yet");
    expect(body).not.toContain("Workaround");
  });

  it("stays within Slack's limits with long text and many teams", () => {
    const many: TeamBriefingStatus[] = Array.from({ length: 80 }, (_, n) => ({
      team: `t${n}`,
      label: "L".repeat(80),
      state: "waiting",
      leads: ["U0AAAAAAAA", "U0BBBBBBBB"],
    }));
    const long = {
      ...briefing,
      affected: "a".repeat(500),
      script: "s".repeat(2000),
      workaround: "w".repeat(1000),
    };
    expect(validateMessageBlocks(briefingMessage(incident(), long, many, TZ).blocks)).toEqual([]);
  });
});

describe("impact", () => {
  it("shows on the card and in stakeholder updates once recorded", () => {
    const card = JSON.stringify(
      incidentCard(incident(impact), { audience: "stakeholder", typeLabel: "Service failure", timezone: TZ }),
    );
    expect(card).toContain("*Calls queued*\\n42");
    expect(card).toContain("12.5%");
    const update = { happening: "h", customerImpact: "c", nextUpdateAt: NOW, author: "U0AGENT" };
    const message = stakeholderUpdateMessage(incident(impact), update, TZ);
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(JSON.stringify(message)).toContain("Billing");
  });

  it("is absent before anything is recorded", () => {
    const update = { happening: "h", customerImpact: "c", nextUpdateAt: NOW, author: "U0AGENT" };
    expect(JSON.stringify(stakeholderUpdateMessage(incident(), update, TZ))).not.toContain(
      "Contact-centre impact",
    );
  });
});

describe("help request", () => {
  it("carries the summary, the request and the asker, but no caller reference", () => {
    const message = helpRequestMessage(incident({ ownerId: "U0OWNER" }), {
      asker: "U0AGENT",
      request: "Need <!here> help",
    });
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    const body = JSON.stringify(message);
    expect(body).toContain("INC-000042");
    expect(body).toContain("<#C0INC42>");
    expect(body).toContain("<@U0OWNER>");
    expect(body).toContain("Need &lt;!here&gt; help");
    expect(body).not.toMatch(/caller/i);
  });

  it("offers to join the incident channel only when it is private", () => {
    const i = incident();
    const publicAsk = helpRequestMessage(i, { asker: "U0AGENT", request: "Hands?" });
    expect(JSON.stringify(publicAsk)).not.toContain(CARD_ACTION.joinChannel);
    const privateAsk = helpRequestMessage(i, { asker: "U0AGENT", request: "Hands?", privateChannel: true });
    expect(validateMessageBlocks(privateAsk.blocks)).toEqual([]);
    const buttons = privateAsk.blocks.flatMap((b) =>
      "elements" in b && Array.isArray(b.elements) ? (b.elements as Array<{ action_id?: string }>) : [],
    );
    expect(buttons).toContainEqual(
      expect.objectContaining({ action_id: CARD_ACTION.joinChannel, value: i.id }),
    );
  });

  it("tells the asker where it went", () => {
    expect(describeHelpDestination({ via: "team", channels: ["C0A"], teamLabel: "Floor A" })).toBe(
      "<#C0A> (Floor A's support channel)",
    );
    expect(describeHelpDestination({ via: "team_leads", channels: ["U1", "U2"] })).toBe("<@U1>, <@U2>");
  });
});

describe("floor modals", () => {
  it("are valid views", () => {
    expect(validateView(briefAgentsModal(incident(), meta, ["C0FLOOR"]))).toEqual([]);
    expect(validateView(recordImpactModal(incident(impact), meta))).toEqual([]);
    expect(validateView(recordImpactModal(incident(), meta))).toEqual([]);
    expect(validateView(askForHelpModal(incident(), meta))).toEqual([]);
  });

  it("prefills the impact form with what was last recorded", () => {
    const body = JSON.stringify(recordImpactModal(incident(impact), meta));
    expect(body).toContain('"initial_value":"42"');
    expect(body).toContain('"initial_value":"12.5"');
    expect(body).toContain('"initial_value":"Billing"');
  });
});

describe("floor form parsers", () => {
  const blocks = Object.values(F);

  it("reads a briefing, with or without a next update", () => {
    const next = Math.floor(NOW.getTime() / 1000) + 600;
    const parsed = briefAgentsForm(NOW).parse({
      [F.affected]: " Payments ",
      [F.script]: "Sorry",
      [F.workaround]: "",
      [F.nextUpdate]: next,
    });
    expect(parsed).toEqual({
      affected: "Payments",
      script: "Sorry",
      workaround: null,
      nextUpdateAt: new Date(next * 1000),
    });
    expect(briefAgentsForm(NOW).parse({ [F.affected]: "a", [F.script]: "b" }).nextUpdateAt).toBeNull();
  });

  it("refuses a next update in the past or more than a week out", () => {
    const at = (ms: number) => ({
      [F.affected]: "a",
      [F.script]: "b",
      [F.nextUpdate]: Math.floor(ms / 1000),
    });
    const past = briefAgentsForm(NOW).safeParse(at(NOW.getTime() - 3_600_000));
    expect(past.success ? {} : toBlockErrors(past.error, blocks)).toEqual({
      [F.nextUpdate]: "The next update must be in the future.",
    });
    expect(briefAgentsForm(NOW).safeParse(at(NOW.getTime() + 8 * 86_400_000)).success).toBe(false);
  });

  it.each([
    [{ [F.callsQueued]: "0" }, { callsQueued: 0, abandonmentRate: null, affectedQueue: null }],
    [{ [F.abandonmentRate]: "100" }, { callsQueued: null, abandonmentRate: 100, affectedQueue: null }],
    [
      { [F.abandonmentRate]: "7.5", [F.callsQueued]: "" },
      { callsQueued: null, abandonmentRate: 7.5, affectedQueue: null },
    ],
    [
      { [F.affectedQueue]: " Billing " },
      { callsQueued: null, abandonmentRate: null, affectedQueue: "Billing" },
    ],
  ])("reads impact %j", (input, expected) => {
    expect(RecordImpactForm.parse(input)).toEqual(expected);
  });

  it.each([
    [{}, F.callsQueued, /at least one/],
    [{ [F.callsQueued]: "-1" }, F.callsQueued, /whole number/],
    [{ [F.callsQueued]: "1.5" }, F.callsQueued, /whole number/],
    [{ [F.abandonmentRate]: "100.1" }, F.abandonmentRate, /more than 100/],
    [{ [F.abandonmentRate]: "12.25" }, F.abandonmentRate, /one decimal/],
    [{ [F.abandonmentRate]: "abc" }, F.abandonmentRate, /percentage/],
    [{ [F.affectedQueue]: "q".repeat(101) }, F.affectedQueue, /at most 100/],
  ])("refuses impact %j on its field", (input, field, message) => {
    const result = RecordImpactForm.safeParse(input);
    expect(result.success).toBe(false);
    if (!result.success) expect(toBlockErrors(result.error, blocks)[field]).toMatch(message);
  });

  it("needs a help request of at most 500 characters", () => {
    expect(AskForHelpForm.parse({ [F.helpRequest]: " Need a hand " })).toEqual({ request: "Need a hand" });
    expect(AskForHelpForm.safeParse({ [F.helpRequest]: "  " }).success).toBe(false);
    expect(AskForHelpForm.safeParse({ [F.helpRequest]: "x".repeat(501) }).success).toBe(false);
  });
});
