import { describe, expect, it } from "vitest";
import { checkMessage } from "../../../src/emulator/block-kit.js";
import { cardActions } from "../../../src/messages/card-actions.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { incidentAnnouncement, incidentCard, reporterNotice } from "../../../src/messages/incident-card.js";
import { incidentLoggedModal } from "../../../src/messages/log-incident-modal.js";
import { promotedCardStub, promotedThreadLink } from "../../../src/messages/promotion.js";
import { escalationDm } from "../../../src/messages/sla.js";
import { workPlaceMention } from "../../../src/messages/text.js";
import { incidentRow as incident } from "../../helpers/fixtures.js";

const ctx = { typeLabel: "Service failure", timezone: "Europe/London" };
const routine = () =>
  incident({ priority: "P4", channelId: null, workingChannelId: "C0WORK", threadTs: "1.2" });

const actionIds = (blocks: unknown) => JSON.stringify(blocks).match(/"action_id":"[a-z_]+"/g) ?? [];

describe("a routine incident's card and notices", () => {
  it("offers Open a channel only on a card worked in its thread", () => {
    expect(actionIds(incidentCard(routine(), { ...ctx, audience: "responder" }).blocks)).toContain(
      `"action_id":"${CARD_ACTION.openChannel}"`,
    );
    expect(
      actionIds(incidentCard(incident({ channelId: "C1" }), { ...ctx, audience: "responder" }).blocks),
    ).not.toContain(`"action_id":"${CARD_ACTION.openChannel}"`);
    const closed = cardActions({ id: "x", status: "closed" }, undefined, true);
    expect(JSON.stringify(closed)).not.toContain(CARD_ACTION.openChannel);
  });

  it("says where it is worked: the thread under the card for responders, the working channel for stakeholders", () => {
    const responder = JSON.stringify(incidentCard(routine(), { ...ctx, audience: "responder" }));
    expect(responder).toContain("Worked in the thread under this card");
    expect(responder).not.toContain("being created");
    const stakeholder = JSON.stringify(incidentAnnouncement(routine(), ctx));
    expect(stakeholder).toContain("its thread in <#C0WORK>");
    expect(stakeholder).not.toContain(CARD_ACTION.openChannel);
    expect(JSON.stringify(reporterNotice(routine()))).toContain("It is worked in its thread in <#C0WORK>");
  });

  it("names the channel when there is one, and says it is being made when there is neither", () => {
    expect(workPlaceMention({ channelId: "C1", workingChannelId: "C0WORK" })).toBe("<#C1>");
    expect(workPlaceMention({ channelId: null, workingChannelId: "C0WORK" })).toBe("its thread in <#C0WORK>");
    expect(workPlaceMention({ channelId: null })).toBe("_being created…_");
  });
});

describe("promotion messages", () => {
  const promoted = { ...routine(), channelId: "C0NEW" };

  it("links the thread to the new channel, saying who or what opened it", () => {
    const byHand = promotedThreadLink(promoted, "U0AGENT");
    expect(byHand.text).toContain("now has its own channel: <#C0NEW>. Carry on there.");
    expect(JSON.stringify(byHand)).toContain("<@U0AGENT> opened a channel");
    expect(JSON.stringify(promotedThreadLink(promoted, null))).toContain("Its priority now calls");
    expect(checkMessage(byHand)).toBeNull();
  });

  it("turns the thread's card into a pointer without buttons", () => {
    const stub = promotedCardStub(promoted);
    expect(JSON.stringify(stub)).toContain("<#C0NEW>");
    expect(JSON.stringify(stub)).not.toContain("action_id");
    // The header names the incident; the pointer does not repeat its title.
    expect(JSON.stringify(stub).split(promoted.title).length - 1).toBe(2);
    expect(checkMessage(stub)).toBeNull();
  });
});

describe("the form's answer once logged", () => {
  const logged = { reference: "INC-000042", priority: "P4" as const, title: "Voicemail greeting wrong" };

  it("says a routine incident is worked in a thread in the working channel, not that a channel opens", () => {
    const text = JSON.stringify(incidentLoggedModal({ ...logged, workingChannel: "C0WORK" }));
    expect(text).toContain("<#C0WORK>");
    expect(text).toContain("worked in the thread under the card");
    expect(text).not.toContain("opening its channel");
  });

  it("says a channel is opening otherwise", () => {
    expect(JSON.stringify(incidentLoggedModal({ ...logged, priority: "P2" }))).toContain(
      "opening its channel",
    );
  });
});

describe("an escalation DM about a routine incident", () => {
  it("links to its thread instead of a channel", () => {
    const dm = escalationDm(routine(), {
      clockId: "c1",
      clock: "Respond",
      clockName: "respond",
      targetMs: 60_000,
      overdueMs: 1_000,
      level: 1,
      role: "team_lead",
      atTop: false,
      timezone: "Europe/London",
    });
    const text = JSON.stringify(dm);
    expect(text).toContain("https://slack.com/archives/C0WORK/p12");
    expect(text).toContain("its thread in <#C0WORK>");
    expect(checkMessage(dm)).toBeNull();
  });
});
