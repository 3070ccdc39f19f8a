import { describe, expect, it } from "vitest";
import type { TeamBriefingStatus } from "../../../src/domain/floor.js";
import { validateMessageBlocks } from "../../../src/emulator/block-kit.js";
import { briefingMessage } from "../../../src/messages/floor.js";
import { FLOOR_ACTION } from "../../../src/messages/ids.js";
import { incidentRow as incident, NOW } from "../../helpers/fixtures.js";

const TZ = "Europe/London";
const briefing = {
  id: "6f1c1d1e-0000-4000-8000-0000000000b1",
  affected: "Card payments",
  script: "We are fixing it.",
  workaround: null,
  nextUpdateAt: null,
  author: "U0AGENT",
  postedAt: NOW,
};
const confirmed = (team: string, label: string): TeamBriefingStatus => ({
  team,
  label,
  state: "confirmed",
  leadId: "U0LEAD",
  confirmedAt: NOW,
});
const waiting = (team: string, label: string): TeamBriefingStatus => ({
  team,
  label,
  state: "waiting",
  leads: ["U0LEADB"],
});

/** The post's buttons and its closing line, as agents and their leads read them. */
function read(status: TeamBriefingStatus[]) {
  const message = briefingMessage(incident(), briefing, status, TZ);
  expect(validateMessageBlocks(message.blocks)).toEqual([]);
  const buttons = message.blocks
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));
  const last = message.blocks.at(-1) as { type: string; elements: Array<{ text: string }> };
  expect(last.type).toBe("context");
  return { buttons, footer: last.elements[0]!.text };
}

describe("the Team briefed button on a briefing post", () => {
  it("is offered to every team lead before anyone has confirmed", () => {
    const post = read([waiting("a", "Floor A"), waiting("b", "Floor B")]);
    expect(post.buttons).toEqual([FLOOR_ACTION.teamBriefed]);
    expect(post.footer).toContain("team leads: press *Team briefed* once your team knows");
  });

  it("names only the teams still waiting once some have confirmed", () => {
    const post = read([confirmed("a", "Floor A"), waiting("b", "Floor B")]);
    expect(post.buttons).toEqual([FLOOR_ACTION.teamBriefed]);
    expect(post.footer).toContain("still waiting for Floor B: team leads, press *Team briefed*");
    expect(post.footer).not.toContain("Floor A");
  });

  it("is gone once the only team has confirmed, and the post says everyone is briefed", () => {
    const post = read([confirmed("floor", "Floor")]);
    expect(post.buttons).toEqual([]);
    expect(post.footer).toContain("every team has been briefed");
    expect(post.footer).not.toContain("press");
  });

  it("is gone once every one of several teams has confirmed", () => {
    const post = read([confirmed("a", "Floor A"), confirmed("b", "Floor B")]);
    expect(post.buttons).toEqual([]);
    expect(post.footer).toContain("every team has been briefed");
  });
});
