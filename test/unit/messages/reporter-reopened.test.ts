import { describe, expect, it } from "vitest";
import { validateMessageBlocks } from "../../../src/emulator/block-kit.js";
import { reporterReopenedDm } from "../../../src/messages/update.js";
import { incidentRow as incident } from "../../helpers/fixtures.js";

describe("the reporter's DM when an incident comes back", () => {
  it("names who reopened it and why, and what callers should now be told", () => {
    const dm = reporterReopenedDm(incident(), {
      by: "U0LEAD",
      reason: "Failing <again> & worse",
      script: "Say we are <fixing> it",
    });
    expect(validateMessageBlocks(dm.blocks)).toEqual([]);
    expect(dm.text).toContain("*INC-000042*, which you logged, is open again: _Card payments failing_.");
    expect(dm.text).toContain("*Reopened by* <@U0LEAD>: Failing &lt;again&gt; &amp; worse");
    expect(dm.text).toContain("*Callers should now be told:* Say we are &lt;fixing&gt; it");
    expect(JSON.stringify(dm.blocks)).toContain("More in <#C0INC42>.");
  });

  it("says callers should no longer hear it is fixed when there is no briefing, and ends a reasonless line", () => {
    const dm = reporterReopenedDm(incident(), { by: "U0LEAD", reason: null, script: null });
    expect(dm.text).toContain("*Reopened by* <@U0LEAD>.");
    expect(dm.text).toContain("*Callers should no longer be told it is fixed.*");
  });

  it("stays inside Slack's limits with the longest texts", () => {
    const dm = reporterReopenedDm(incident({ title: "t".repeat(500) }), {
      by: "U0LEAD",
      reason: "r".repeat(2000),
      script: "s".repeat(2000),
    });
    expect(validateMessageBlocks(dm.blocks)).toEqual([]);
    expect(dm.text.length).toBeLessThanOrEqual(3000);
  });
});
