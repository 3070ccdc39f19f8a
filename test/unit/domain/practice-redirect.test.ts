import { describe, expect, it } from "vitest";
import {
  isRedirected,
  keepPracticeTag,
  PRACTICE_TAG_BLOCK,
  practiceRedirect,
  practiceRoundup,
  practiceTag,
  redirectedMessage,
  tagOf,
} from "../../../src/domain/practice-redirect.js";

const drill = { practiceRunId: "run-1", channelId: "CDRILL", workingChannelId: null, threadTs: null };
const run = { leadId: "ULEAD", traineeIds: ["UTRAINEE"] };
const to = (channel: string, purpose = "milestone", threadTs: string | null = null) => ({
  channel,
  threadTs,
  purpose,
});

describe("practiceRedirect", () => {
  it("sends every post of a real incident where it was written", () => {
    const real = { ...drill, practiceRunId: null };
    expect(practiceRedirect(real, null, to("CSTAKE"))).toEqual({ kind: "send" });
    expect(practiceRedirect(real, null, to("UDUTY", "escalation_dm"))).toEqual({ kind: "send" });
  });

  it.each([
    ["the drill's own channel", "CDRILL", "channel_line"],
    ["a DM to the lead", "ULEAD", "escalation_dm"],
    ["a DM to a trainee", "UTRAINEE", "reporter_update"],
  ])("sends a drill's post to %s as written", (_what, channel, purpose) => {
    expect(practiceRedirect(drill, run, to(channel, purpose))).toEqual({ kind: "send" });
  });

  it.each([
    ["a stakeholder channel", "CSTAKE", "milestone", "would go to <#CSTAKE> (stakeholders):"],
    ["an agents' channel", "CFLOOR", "briefing", "would go to <#CFLOOR> (agents on the floor):"],
    ["a support channel", "CSUPPORT", "help_request", "would go to <#CSUPPORT> (the support team):"],
    [
      "a DM to a manager who is not taking part",
      "UDUTY",
      "escalation_dm",
      "would DM <@UDUTY> (the next person on the escalation ladder):",
    ],
    ["a DM to someone by an unknown purpose", "W0OTHER", "new_purpose", "would DM <@W0OTHER>:"],
  ])("redirects a drill's post to %s into the drill's channel, tagged", (_what, channel, purpose, tag) => {
    expect(practiceRedirect(drill, run, to(channel, purpose))).toEqual({
      kind: "redirect",
      channel: "CDRILL",
      threadTs: null,
      tag: `:performing_arts: PRACTICE: ${tag}`,
    });
  });

  it("keeps a drill worked in a thread to its own thread, not the rest of the working channel", () => {
    const threaded = { ...drill, channelId: null, workingChannelId: "CWORK", threadTs: "111.1" };
    expect(practiceRedirect(threaded, run, to("CWORK", "channel_line", "111.1"))).toEqual({ kind: "send" });
    const top = practiceRedirect(threaded, run, to("CWORK", "announcement"));
    expect(top).toMatchObject({ kind: "redirect", channel: "CWORK", threadTs: "111.1" });
  });

  it("DMs the drill's lead while the drill has no channel or thread yet", () => {
    const unplaced = { ...drill, channelId: null };
    expect(practiceRedirect(unplaced, run, to("CSTAKE", "announcement"))).toMatchObject({
      kind: "redirect",
      channel: "ULEAD",
      threadTs: null,
    });
  });

  it("treats nobody as a participant when the run is unknown", () => {
    expect(practiceRedirect(drill, null, to("ULEAD", "escalation_dm"))).toMatchObject({ kind: "redirect" });
  });
});

describe("redirectedMessage", () => {
  const tag = practiceTag({ channel: "CSTAKE", purpose: "milestone" });

  it("puts the tag first, quotes the text and keeps the blocks (buttons still work)", () => {
    const button = { type: "actions", elements: [{ type: "button", action_id: "ack" }] };
    const m = redirectedMessage(
      { text: "P1 logged\nOwner: nobody", blocks: [button] },
      { tag, threadTs: null },
    );
    expect(m.text).toBe(`${tag}\n> P1 logged\n> Owner: nobody`);
    expect(m.blocks).toEqual([
      { type: "context", block_id: PRACTICE_TAG_BLOCK, elements: [{ type: "mrkdwn", text: tag }] },
      button,
    ]);
    expect(m).not.toHaveProperty("thread_ts");
  });

  it("posts into the drill's thread, replacing any thread the message was written for", () => {
    const m = redirectedMessage({ text: "x", thread_ts: "999.9" }, { tag, threadTs: "111.1" });
    expect(m.thread_ts).toBe("111.1");
    expect(m).not.toHaveProperty("blocks");
  });

  it("tags a message once however often it is tagged", () => {
    const once = redirectedMessage({ text: "x", blocks: [] }, { tag, threadTs: null });
    const twice = redirectedMessage(once, { tag, threadTs: null });
    expect((twice.blocks as unknown[]).filter((b) => tagOf([b]) !== null)).toHaveLength(1);
  });
});

describe("keepPracticeTag", () => {
  it("keeps the tag on a message drawn again at send time", () => {
    const stored = redirectedMessage({ text: "briefing", blocks: [] }, { tag: "T", threadTs: null });
    const drawn = keepPracticeTag(stored, { text: "briefing, 2 confirmed", blocks: [{ type: "divider" }] });
    expect(tagOf(drawn.blocks)).toBe("T");
    expect(drawn.blocks).toHaveLength(2);
  });

  it("leaves a post that was never redirected as drawn", () => {
    const drawn = { text: "card", blocks: [{ type: "divider" }] };
    expect(keepPracticeTag({ text: "card", blocks: [] }, drawn)).toBe(drawn);
  });
});

describe("practiceRoundup", () => {
  const stake = practiceTag({ channel: "CSTAKE", purpose: "announcement" });
  const phones = practiceTag({ channel: "CPHONES", purpose: "announcement" });
  const announcement = { text: "New incident: INC-000001", blocks: [{ type: "section", block_id: "a" }] };

  it("shows a post written for several channels once, under every channel it would have gone to", () => {
    const m = practiceRoundup([
      redirectedMessage(announcement, { tag: stake, threadTs: null }),
      redirectedMessage(announcement, { tag: phones, threadTs: null }),
    ]);
    expect(m.blocks).toEqual([
      { type: "context", elements: [{ type: "mrkdwn", text: `${stake}\n${phones}` }] },
      { type: "section", block_id: "a" },
    ]);
    expect(m.text).toBe(`${stake}\n${phones}\n> New incident: INC-000001`);
  });

  it("keeps different posts apart, each block id once, text-only posts as sections", () => {
    const update = redirectedMessage({ text: "Update" }, { tag: stake, threadTs: null });
    const m = practiceRoundup([
      redirectedMessage(announcement, { tag: stake, threadTs: null }),
      update,
      announcement,
    ]);
    const blocks = m.blocks as Array<{ type: string; block_id?: string }>;
    expect(blocks.filter((b) => b.block_id === "a")).toHaveLength(1);
    expect(blocks.filter((b) => b.type === "divider")).toHaveLength(2);
    expect(JSON.stringify(blocks)).toContain("> Update");
  });

  it("knows a redirected post from one that was not", () => {
    expect(isRedirected(redirectedMessage({ text: "x" }, { tag: stake, threadTs: null }))).toBe(true);
    expect(isRedirected(redirectedMessage({ text: "x", blocks: [] }, { tag: stake, threadTs: null }))).toBe(
      true,
    );
    expect(isRedirected(announcement)).toBe(false);
  });
});
