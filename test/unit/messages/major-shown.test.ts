import { describe, expect, it } from "vitest";
import { NO_CALLERS } from "../../../src/domain/callers.js";
import { reporterNotice } from "../../../src/messages/incident-card.js";
import { incidentLine, incidentSection } from "../../../src/messages/incident-list.js";
import { stakeholderUpdateMessage } from "../../../src/messages/update.js";
import { incidentRow, NOW } from "../../helpers/fixtures.js";

const TZ = "Europe/London";
const update = { happening: "h", customerImpact: "c", nextUpdateAt: NOW, author: "U0AGENT" };

/** A P3 flagged major by hand, a P1 (major by its priority) and a P3 that is not major. */
const flagged = incidentRow({ priority: "P3", major: true });
const p1 = incidentRow({ priority: "P1", major: false });
const routine = incidentRow({ priority: "P3", major: false });

describe("MAJOR is shown wherever the card shows it", () => {
  it("in the stakeholder update's header", () => {
    expect(stakeholderUpdateMessage(flagged, update, TZ).blocks[0]).toMatchObject({
      text: { text: "INC-000042 update · P3 · MAJOR · Open" },
    });
    expect(stakeholderUpdateMessage(p1, update, TZ).text).toContain("INC-000042 update · P1 · MAJOR · Open");
    expect(stakeholderUpdateMessage(routine, update, TZ).text).toContain("INC-000042 update · P3 · Open");
  });

  it("in a line of /incident list and Home", () => {
    expect(incidentLine(flagged, TZ)).toContain("*INC-000042* · P3 · MAJOR · Open · ");
    expect(incidentLine(p1, TZ)).toContain("*INC-000042* · P1 · MAJOR · Open · ");
    expect(incidentLine(routine, TZ)).toContain("*INC-000042* · P3 · Open · ");
  });

  it("in the confirmation to the person who logged it", () => {
    expect(reporterNotice(flagged).text).toContain("INC-000042 (P3 · MAJOR) is logged:");
    expect(reporterNotice(routine).text).toContain("INC-000042 (P3) is logged:");
  });

  it("ends a title typed with its own full stop once in the confirmation", () => {
    const typed = incidentRow({ priority: "P3", title: "Card payments failing.", channelId: "C1" });
    expect(reporterNotice(typed).text).toBe(
      "INC-000042 (P3) is logged: Card payments failing. Work it in <#C1>.",
    );
    const plain = incidentRow({ priority: "P3", title: "Card payments failing", channelId: "C1" });
    expect(reporterNotice(plain).text).toBe(
      "INC-000042 (P3) is logged: Card payments failing. Work it in <#C1>.",
    );
  });

  it("the list's line counts the callers, as Home does", () => {
    const text = JSON.stringify(incidentSection({ ...routine, callers: { ...NO_CALLERS, callers: 2 } }, TZ));
    expect(text).toContain("2 callers");
  });
});
