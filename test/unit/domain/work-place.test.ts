import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PRIORITIES } from "../../../src/domain/incident.js";
import type { Policy } from "../../../src/domain/policy-types.js";
import { getsOwnChannel, postAt, workPlaceOf, workPlacePost } from "../../../src/domain/work-place.js";

type ChannelRules = Pick<Policy, "incidentChannel" | "workingChannel" | "incidentTypes">;

function rules(over: Partial<ChannelRules> = {}): ChannelRules {
  return {
    incidentTypes: {},
    workingChannel: "C0WORK",
    incidentChannel: { for: ["P1", "P2", "P3"], major: true },
    ...over,
  };
}

describe("getsOwnChannel", () => {
  it("gives P1–P3 a channel and works P4 and P5 in the working channel", () => {
    expect(getsOwnChannel(rules(), { type: "x", priority: "P3", major: false })).toBe(true);
    expect(getsOwnChannel(rules(), { type: "x", priority: "P4", major: false })).toBe(false);
    expect(getsOwnChannel(rules(), { type: "x", priority: "P5", major: false })).toBe(false);
  });

  it("gives a major incident a channel when majors always get one", () => {
    expect(getsOwnChannel(rules(), { type: "x", priority: "P4", major: true })).toBe(true);
    const noMajor = rules({ incidentChannel: { for: ["P1"], major: false } });
    expect(getsOwnChannel(noMajor, { type: "x", priority: "P4", major: true })).toBe(false);
  });

  it("keeps today's behaviour without incident_channel or without a working channel", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRIORITIES), fc.boolean(), (priority, major) => {
        const unset: ChannelRules = { incidentTypes: {} };
        expect(getsOwnChannel(unset, { type: "x", priority, major })).toBe(true);
        const noWorking = rules({ workingChannel: undefined });
        expect(getsOwnChannel(noWorking, { type: "x", priority, major })).toBe(true);
      }),
    );
  });
});

describe("workPlaceOf", () => {
  it("prefers the incident's own channel, else the thread, else nowhere yet", () => {
    expect(workPlaceOf({ channelId: "C1", workingChannelId: "C0WORK", threadTs: "1.2" })).toEqual({
      channel: "C1",
      threadTs: null,
    });
    expect(workPlaceOf({ channelId: null, workingChannelId: "C0WORK", threadTs: "1.2" })).toEqual({
      channel: "C0WORK",
      threadTs: "1.2",
    });
    expect(workPlaceOf({ channelId: null, workingChannelId: "C0WORK", threadTs: null })).toBeNull();
  });
});

describe("workPlacePost", () => {
  const message = { text: "Note added", blocks: [] };

  it("posts at the top of the incident's own channel", () => {
    expect(workPlacePost({ channelId: "C1", workingChannelId: "C0WORK", threadTs: "1.2" }, message)).toEqual({
      channel: "C1",
      message,
    });
  });

  it("posts into the thread, keeping the message's own arguments", () => {
    expect(workPlacePost({ channelId: null, workingChannelId: "C0WORK", threadTs: "1.2" }, message)).toEqual({
      channel: "C0WORK",
      message: { ...message, thread_ts: "1.2" },
    });
    expect(message).not.toHaveProperty("thread_ts");
  });

  it("has nowhere to post before the channel or thread exists", () => {
    expect(
      workPlacePost({ channelId: null, workingChannelId: "C0WORK", threadTs: null }, message),
    ).toBeNull();
  });

  it("postAt adds thread_ts only for a thread", () => {
    expect(postAt({ channel: "C1", threadTs: null }, message).message).not.toHaveProperty("thread_ts");
    expect(postAt({ channel: "C0WORK", threadTs: "9.9" }, message).message).toMatchObject({
      thread_ts: "9.9",
    });
  });
});
