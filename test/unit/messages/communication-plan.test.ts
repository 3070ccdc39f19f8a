import { describe, expect, it } from "vitest";
import { backoffMs } from "../../../src/delivery/external.js";
import type { Audience } from "../../../src/domain/communications.js";
import { validateView } from "../../../src/emulator/block-kit.js";
import { planLine, updateAudienceOptions } from "../../../src/messages/communication-plan.js";
import { updateModal } from "../../../src/messages/work-modals.js";
import { messageIdDomain } from "../../../src/services/external-senders.js";
import { updateForm } from "../../../src/slack/parse/work-forms.js";

const audience = (a: Partial<Audience> & Pick<Audience, "key" | "label" | "via">): Audience => ({
  channels: [],
  to: [],
  url: null,
  secretEnv: null,
  notify: null,
  priorities: null,
  updateEveryMs: null,
  ...a,
});

const PLAN: Audience[] = [
  audience({ key: "stakeholders", label: "Stakeholders", via: "slack", channels: ["C0STAKE", "C0EXEC"] }),
  audience({
    key: "executives",
    label: "Executives",
    via: "email",
    to: ["a@x.example", "b@x.example", "c@x.example"],
    priorities: ["P1", "P2"],
  }),
  audience({
    key: "status_page",
    label: "Status page",
    via: "webhook",
    url: "https://status.example/h",
    secretEnv: "S",
  }),
  audience({
    key: "regulator",
    label: "Regulator",
    via: "email",
    to: ["r@reg.example"],
    notify: ["logged", "resolved"],
  }),
];

describe("the card's plan line", () => {
  it("names audiences and counts addresses, never showing them", () => {
    const line = planLine(PLAN, "P1");
    expect(line).toBe(
      "Told: <#C0STAKE>, <#C0EXEC> · email: Executives (3) · webhook: Status page · email: Regulator (1)",
    );
    expect(line).not.toContain("@x.example");
  });

  it("leaves out audiences that do not hear this priority, and says nothing for an empty plan", () => {
    expect(planLine(PLAN, "P3")).not.toContain("Executives");
    expect(planLine([], "P1")).toBeNull();
  });

  it("says a practice drill tells nobody, and whom it would tell", () => {
    expect(planLine(PLAN, "P1", true)).toBe(
      "Practice: nobody is told. Would tell: <#C0STAKE>, <#C0EXEC> · email: Executives (3) · webhook: Status page · email: Regulator (1) (Slack posts shown in this channel)",
    );
    expect(planLine([], "P1", true)).toBeNull();
  });
});

describe("the Post update form's audiences", () => {
  it("offers those that hear updates at this priority, all ticked, as valid Block Kit", () => {
    const options = updateAudienceOptions(PLAN, "P2");
    expect(options.map((o) => o.value)).toEqual(["stakeholders", "executives", "status_page"]);
    const view = updateModal(
      { id: "i", number: 7, title: "Phones down" },
      { incidentId: "i" },
      new Date(),
      options,
    );
    expect(validateView(view)).toEqual([]);
    const block = view.blocks.find((b) => (b as { block_id?: string }).block_id === "audiences") as {
      element: { initial_options: unknown[] };
    };
    expect(block.element.initial_options).toHaveLength(3);
  });

  it("keeps each option inside Slack's 75 characters, however many channels or long the label", () => {
    const wide = audience({
      key: "everyone",
      label: "Everyone who has ever asked to hear about an incident in the north-west region",
      via: "slack",
      channels: Array.from({ length: 12 }, (_, i) => `C0CHANNEL${i}`),
    });
    const [option] = updateAudienceOptions([wide], "P1");
    expect(option!.text.text.length).toBeLessThanOrEqual(75);
    expect(option!.description.text).toBe("Slack: 12 channels");
    const view = updateModal({ id: "i", number: 7, title: "x" }, { incidentId: "i" }, new Date(), [option!]);
    expect(validateView(view)).toEqual([]);
  });

  it("has no choice to make without a plan", () => {
    const view = updateModal({ id: "i", number: 7, title: "x" }, { incidentId: "i" }, new Date());
    expect(JSON.stringify(view)).not.toContain('"audiences"');
  });

  it("reads the ticked audiences, none ticked, and a form without the choice apart", () => {
    const now = new Date("2026-12-06T10:00:00Z");
    const base = {
      happening: "Rerouting",
      customer_impact: "Some silence",
      next_update: Math.floor(now.getTime() / 1000) + 1800,
    };
    const parse = (extra: object) => updateForm(now).parse({ ...base, ...extra });
    expect(parse({ audiences: "status_page,executives" }).audiences).toEqual(["status_page", "executives"]);
    expect(parse({ audiences: "" }).audiences).toEqual([]);
    expect("audiences" in parse({})).toBe(false);
  });
});

describe("sending beyond Slack", () => {
  it("backs off 2 s, doubling, to at most 5 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(backoffMs)).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
    ]);
    expect(backoffMs(300)).toBe(300_000);
  });

  it("takes the Message-ID's domain from EMAIL_FROM", () => {
    expect(messageIdDomain("Ops Desk <ops@CC.Example>")).toBe("cc.example");
    expect(messageIdDomain("alerts@contact.example")).toBe("contact.example");
    expect(messageIdDomain(null)).toBe("switchboard.invalid");
    expect(messageIdDomain("no-at-sign")).toBe("switchboard.invalid");
  });
});
