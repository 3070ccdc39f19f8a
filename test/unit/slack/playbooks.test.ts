import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.js";
import type { PlaybookStep, Policy } from "../../../src/domain/policy-types.js";
import { MAX_MESSAGE_BLOCKS, validateMessageBlocks } from "../../../src/emulator/block-kit.js";
import { handoverAnnouncement, handoverDm } from "../../../src/messages/handover.js";
import { helpMessage, helpReply } from "../../../src/messages/help.js";
import { PLAYBOOK_ACTION } from "../../../src/messages/ids.js";
import {
  linkLabel,
  type PlaybookSnapshot,
  parseTickValue,
  playbookChecklist,
} from "../../../src/messages/playbook.js";
import { typeHelpMessage } from "../../../src/messages/type-help.js";

const INCIDENT_ID = "3f2b6c1e-8a4d-4f1b-9c2e-5d6a7b8c9d0e";
const AT = new Date("2026-03-10T14:02:00Z");

function policy(): Policy {
  const loaded = loadPolicy(undefined);
  if (!loaded.ok) throw new Error(loaded.error.join("; "));
  return loaded.value;
}

const snapshot: PlaybookSnapshot = {
  type: "service_failure",
  typeLabel: "Service failure",
  steps: [
    { step: "Confirm the failure", guidance: "Reproduce it <yourself> & note the time.", links: [] },
    { step: "Check the status page", guidance: null, links: ["https://status.example.com/payments"] },
    { step: "Engage the service owner", guidance: null, links: [] },
  ],
};

/** The longest playbook the policy allows: 20 steps at their longest, with links. */
const biggest: PlaybookStep[] = Array.from({ length: 20 }, (_, i) => ({
  step: `${i} ${"s".repeat(146)}`,
  guidance: "g".repeat(1000),
  links: Array.from({ length: 10 }, (_, j) => `https://kb.example.com/${"a".repeat(200)}/${j}`),
}));

// biome-ignore lint/suspicious/noExplicitAny: reading Block Kit JSON back.
type Block = Record<string, any>;
const blocksOf = (m: { blocks: unknown[] }) => m.blocks as Block[];
const stepBlock = (m: { blocks: unknown[] }, i: number) =>
  blocksOf(m).find((b) => b.block_id === `playbook_step_${i}`)!;

describe("playbookChecklist", () => {
  const base = { incidentId: INCIDENT_ID, reference: "INC-000042", snapshot, timezone: "Europe/London" };

  it("shows each step with its guidance, links and a Mark done button, and is valid Block Kit", () => {
    const message = playbookChecklist({ ...base, ticks: [] });
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(message.text).toBe("INC-000042 playbook (Service failure): 0 of 3 steps done");
    expect(stepBlock(message, 0).text.text).toContain("Reproduce it &lt;yourself&gt; &amp; note the time.");
    expect(stepBlock(message, 1).text.text).toContain(
      "<https://status.example.com/payments|status.example.com/payments>",
    );
    for (let i = 0; i < 3; i++) {
      const button = stepBlock(message, i).accessory;
      expect(button).toMatchObject({ action_id: PLAYBOOK_ACTION.tick, text: { text: "Mark done" } });
      expect(parseTickValue(button.value)).toEqual({ inc: INCIDENT_ID, i, done: true });
    }
  });

  it("shows a ticked step as done by whom and when, with Undo", () => {
    const message = playbookChecklist({ ...base, ticks: [{ step: 1, tickedBy: "U0AGENT", tickedAt: AT }] });
    const ticked = stepBlock(message, 1);
    expect(ticked.text.text).toContain("✓ done by <@U0AGENT> at <!date^");
    expect(ticked.text.text).toContain("10 Mar 2026 14:02 GMT");
    expect(ticked.accessory.text.text).toBe("Undo");
    expect(parseTickValue(ticked.accessory.value)?.done).toBe(false);
    expect(stepBlock(message, 0).text.text).not.toContain("done by");
    expect(message.text).toContain("1 of 3 steps done");
  });

  it("drops the buttons once the incident is closed", () => {
    const message = playbookChecklist({ ...base, ticks: [], closed: true });
    expect(JSON.stringify(message.blocks)).not.toContain(PLAYBOOK_ACTION.tick);
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
  });

  it("keeps the longest allowed playbook, all ticked, inside Slack's limits", () => {
    const ticks = biggest.map((_, step) => ({ step, tickedBy: "U0AGENT", tickedAt: AT }));
    for (const t of [[], ticks]) {
      const message = playbookChecklist({ ...base, snapshot: { ...snapshot, steps: biggest }, ticks: t });
      expect(validateMessageBlocks(message.blocks)).toEqual([]);
      expect(message.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
      expect(parseTickValue(stepBlock(message, 19).accessory.value)?.i).toBe(19);
      if (t.length) expect(stepBlock(message, 19).text.text).toContain("done by <@U0AGENT>");
    }
  });

  it("carries ids only, never a step's words, in its buttons", () => {
    const odd = { step: 'Say "sorry" \\ then 📞 back', guidance: null, links: [] };
    const message = playbookChecklist({ ...base, snapshot: { ...snapshot, steps: [odd] }, ticks: [] });
    const value = stepBlock(message, 0).accessory.value;
    expect(parseTickValue(value)).toEqual({ inc: INCIDENT_ID, i: 0, done: true });
    expect(value).not.toContain("sorry");
  });
});

describe("parseTickValue", () => {
  it.each([
    "",
    "not json",
    "{}",
    '{"inc":"x","i":0,"s":"a","done":true}',
    `{"inc":"${INCIDENT_ID}","i":-1,"s":"a","done":true}`,
  ])("refuses %j", (raw) => expect(parseTickValue(raw)).toBeNull());
});

describe("linkLabel", () => {
  it("shows host and path, shortened", () => {
    expect(linkLabel("https://status.example.com/")).toBe("status.example.com");
    expect(linkLabel("https://kb.example.com/a/b?c=1")).toBe("kb.example.com/a/b");
    expect(Array.from(linkLabel(`https://kb.example.com/${"x".repeat(100)}`))).toHaveLength(60);
  });
});

describe("/incident help", () => {
  const p = policy();

  it("keeps the general help and points to help <type> and handover", () => {
    const text = JSON.stringify(helpReply(p, null));
    expect(text).toBe(JSON.stringify(helpMessage()));
    expect(text).toContain("/incident help Service failure");
    expect(text).toContain("/incident handover @someone");
  });

  it("names statuses by their labels, never their internal keys", () => {
    const text = JSON.stringify(helpMessage());
    expect(text).toContain("/incident status In progress");
    expect(text).toContain("Acknowledged, In progress, On hold, Resolved, Closed");
    expect(text).not.toMatch(/in_progress|on_hold|service_failure/);
  });

  it.each(["service_failure", "service failure", "SERVICE-FAILURE", "telephony outage"])(
    "finds a type by key or label: %s",
    (topic) => {
      const reply = helpReply(p, topic.toLowerCase());
      expect(reply.text).toMatch(/^Incident type /);
      expect(validateMessageBlocks(reply.blocks)).toEqual([]);
    },
  );

  it("shows guidance, every step with links, channels, the ladder with holders, and the guide", () => {
    const text = JSON.stringify(helpReply(p, "telephony_outage"));
    expect(text).toContain("Calls are not reaching agents");
    expect(text).toContain("Check the carrier status page");
    expect(text).toContain("<https://status.carrier.example.com|status.carrier.example.com>");
    expect(text).toContain("<#C0TELEPHONY>");
    expect(text).toContain("1. telephony engineer");
    expect(text).toContain("2. duty manager");
    expect(text).toContain("Incident, service request or complaint?");
    expect(text).toContain("P1 or P2");
  });

  it("says when a type has no playbook", () => {
    expect(JSON.stringify(helpReply(p, "complaint"))).toContain("*Playbook*: none for this type.");
  });

  it("lists the types with their keys for an unknown topic, and for `types`", () => {
    const unknown = JSON.stringify(helpReply(p, "printers"));
    expect(unknown).toContain("There is no incident type `printers`");
    for (const key of Object.keys(p.incidentTypes)) expect(unknown).toContain(`(\`${key}\`)`);
    expect(JSON.stringify(helpReply(p, "types"))).toContain("*Incident types*");
  });

  it("answers a huge or hostile topic with a short, escaped, valid message", () => {
    const topic = `INC-1003 ${'#"'.repeat(20_000)} <!channel> *bold*`;
    const reply = helpReply(p, topic);
    expect(reply.text.length).toBeLessThan(200);
    expect(reply.text).not.toContain("<!channel>");
    expect(validateMessageBlocks(reply.blocks)).toEqual([]);
    const ping = helpReply(p, "<!channel> printers");
    expect(JSON.stringify(ping)).not.toContain("<!channel>");
  });

  it("says whether a major incident's review blocks closing, as the policy says", () => {
    const required = { ...p, review: { ...p.review, requiredForClose: true } };
    const optional = { ...p, review: { ...p.review, requiredForClose: false } };
    expect(JSON.stringify(helpReply(required, "types"))).toContain(
      "cannot be closed until its post-incident review",
    );
    expect(JSON.stringify(helpReply(optional, "types"))).toContain("gets a post-incident review");
  });

  it("fits the longest allowed playbook into Slack's limits", () => {
    const type = { ...p.incidentTypes.service_failure!, playbook: biggest, guidance: "x".repeat(1000) };
    const reply = typeHelpMessage(p, type);
    expect(validateMessageBlocks(reply.blocks)).toEqual([]);
    expect(reply.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
  });
});

describe("handover messages", () => {
  const note = "Carrier on site <ETA 16:00> & callers told\nCaller list pinned";

  it("announces who handed over to whom, with the note quoted and escaped", () => {
    const message = handoverAnnouncement({
      reference: "INC-000042",
      from: "U0A",
      to: "U0B",
      by: "U0A",
      note,
    });
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(text).toContain("<@U0A> handed *INC-000042* over to <@U0B>");
    expect(text).toContain("> Carrier on site &lt;ETA 16:00&gt; &amp; callers told\\n> Caller list pinned");
  });

  it("names the manager who handed over for the owner", () => {
    const message = handoverAnnouncement({ reference: "INC-1", from: "U0A", to: "U0B", by: "U0LEAD", note });
    expect(JSON.stringify(message.blocks)).toContain("<@U0LEAD> (for <@U0A>) handed");
  });

  it("DMs the new owner the note and a link to the channel", () => {
    const dm = handoverDm({
      reference: "INC-000042",
      title: "Payments down",
      priority: "P2",
      from: "U0A",
      note,
      channelId: "C0INC",
    });
    expect(validateMessageBlocks(dm.blocks)).toEqual([]);
    const text = JSON.stringify(dm.blocks);
    expect(text).toContain("Pick it up in <#C0INC>");
    expect(text).toContain("Caller list pinned");
    expect(text).toContain("Payments down");
  });
});
