import { describe, expect, it } from "vitest";
import { raisedWords, volumeRaisedDm } from "../../../src/messages/caller-volume.js";

const before = {
  number: 123,
  title: "Payments <line> down",
  impact: "medium",
  urgency: "medium",
  priority: "P3",
  major: false,
} as const;
const crossing = { callers: 10, withinMs: 15 * 60_000 };

describe("the owner's DM when caller volume raised their incident", () => {
  it("says how many callers, what changed, where to look and what next", () => {
    const after = {
      ...before,
      impact: "high",
      priority: "P2",
      channelId: "C1",
      workingChannelId: null,
    } as const;
    const { text } = volumeRaisedDm(before, after, crossing, true);
    expect(text).toContain("*INC-000123* (Payments &lt;line&gt; down) had 10 callers in 15 minutes");
    expect(text).toContain("so I raised it: priority P3 → *P2*, impact Medium → High.");
    expect(text).toContain("The stakeholder channels are told of the change.");
    expect(text).toContain("Next: check the incident in <#C1> and post an update.");
  });

  it("does not claim stakeholders heard it when no channel's notify list names the change", () => {
    const after = { ...before, major: true, channelId: null, workingChannelId: "C9" } as const;
    const { text } = volumeRaisedDm(before, after, crossing, false);
    expect(text).toContain("so I raised it: now a *major incident*.");
    expect(text).not.toContain("stakeholder");
    expect(text).toContain("its thread in <#C9>");
  });

  it("lists the changes most important first", () => {
    expect(
      raisedWords(before, { ...before, impact: "high", urgency: "high", priority: "P1", major: true }),
    ).toEqual([
      "priority P3 → *P1*",
      "now a *major incident*",
      "impact Medium → High",
      "urgency Medium → High",
    ]);
  });
});
