import { describe, expect, it } from "vitest";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { LIMITS } from "../../../src/domain/incident.js";
import { validateMessageBlocks, validateView } from "../../../src/emulator/block-kit.js";
import { cardActions } from "../../../src/messages/card-actions.js";
import { communicationLoggedMessage, logCommunicationModal } from "../../../src/messages/comms-modal.js";
import { helpMessage } from "../../../src/messages/help.js";
import { CARD_ACTION, COMMS_FIELDS as F, VIEW } from "../../../src/messages/ids.js";
import { parseCommand } from "../../../src/slack/commands/parse-command.js";
import { toBlockErrors } from "../../../src/slack/parse/view-state.js";
import { logCommunicationForm } from "../../../src/slack/views/comms.js";
import { incidentRow as incident, NOW } from "../../helpers/fixtures.js";

const meta = { incidentId: incident().id, channel: "C0INC42" };
const AUDIENCES = [
  { key: "stakeholders", label: "#cc-stakeholders", via: "slack" as const },
  { key: "regulator", label: "Regulator", via: "email" as const },
  { key: "status_page", label: "Status page", via: "webhook" as const },
];
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

type Block = { type: string; block_id?: string; element?: Record<string, unknown>; hint?: { text: string } };
const blockOf = (view: { blocks: unknown[] }, id: string) =>
  (view.blocks as Block[]).find((b) => b.block_id === id)!;

describe("the Log a communication form", () => {
  it("is a valid view, with or without a plan", () => {
    expect(validateView(logCommunicationModal(incident(), meta, AUDIENCES, NOW))).toEqual([]);
    expect(validateView(logCommunicationModal(incident(), meta, [], NOW))).toEqual([]);
    const many = Array.from({ length: 150 }, (_, n) => ({
      key: `a${n}`,
      label: "L".repeat(90),
      via: "email" as const,
    }));
    expect(validateView(logCommunicationModal(incident(), meta, many, NOW))).toEqual([]);
  });

  it("offers the plan's audiences with their means, then Customer(s), then Other", () => {
    const view = logCommunicationModal(incident(), meta, AUDIENCES, NOW);
    expect(view.callback_id).toBe(VIEW.logCommunication);
    expect(JSON.parse(view.private_metadata)).toEqual(meta);
    const options = blockOf(view, F.with).element!.options as Array<{
      text: { text: string };
      value: string;
    }>;
    expect(options.map((o) => [o.text.text, o.value])).toEqual([
      ["#cc-stakeholders (Slack)", "audience:stakeholders"],
      ["Regulator (email)", "audience:regulator"],
      ["Status page (webhook)", "audience:status_page"],
      ["Customer(s)", "customers"],
      ["Other", "other"],
    ]);
  });

  it("offers every channel, defaults to outbound and now, and warns off caller details", () => {
    const view = logCommunicationModal(incident(), meta, AUDIENCES, NOW);
    const channels = blockOf(view, F.channel).element!.options as Array<{ value: string }>;
    expect(channels.map((o) => o.value)).toEqual([
      "phone",
      "email",
      "sms",
      "letter",
      "radio",
      "in_person",
      "other",
    ]);
    const direction = blockOf(view, F.direction).element!;
    expect(direction.type).toBe("radio_buttons");
    expect((direction.initial_option as { value: string }).value).toBe("outbound");
    expect(blockOf(view, F.at).element).toMatchObject({
      type: "datetimepicker",
      initial_date_time: seconds(NOW),
    });
    expect(blockOf(view, F.summary).hint!.text).toBe(
      "No caller names, numbers or account details: they are recorded with the caller, not here.",
    );
    expect(blockOf(view, F.summary).element).toMatchObject({ multiline: true, max_length: LIMITS.note });
    expect(JSON.stringify(view)).not.toMatch(/caller reference/i);
  });
});

describe("the Log a communication parser", () => {
  const blocks = Object.values(F);
  const valid = {
    [F.with]: "audience:regulator",
    [F.channel]: "phone",
    [F.direction]: "outbound",
    [F.summary]: "  Told them the card outage is fixed.  ",
    [F.at]: seconds(NOW) - 600,
  };
  const errorsOf = (input: Record<string, unknown>) => {
    const parsed = logCommunicationForm(NOW).safeParse(input);
    return parsed.success ? {} : toBlockErrors(parsed.error, blocks);
  };

  it("reads an audience, the customers, or someone else", () => {
    expect(logCommunicationForm(NOW).parse(valid)).toEqual({
      party: { with: "audience", audience: "regulator" },
      channel: "phone",
      direction: "outbound",
      summary: "Told them the card outage is fixed.",
      at: new Date((seconds(NOW) - 600) * 1000),
    });
    expect(
      logCommunicationForm(NOW).parse({ ...valid, [F.with]: "customers", [F.other]: "ignored" }).party,
    ).toEqual({
      with: "customers",
    });
    expect(
      logCommunicationForm(NOW).parse({ ...valid, [F.with]: "other", [F.other]: " Landlord's agent " }).party,
    ).toEqual({ with: "other", other: "Landlord's agent" });
  });

  it("accepts a time a minute ahead (a fast clock), and any earlier time", () => {
    expect(logCommunicationForm(NOW).safeParse({ ...valid, [F.at]: seconds(NOW) + 50 }).success).toBe(true);
    expect(logCommunicationForm(NOW).safeParse({ ...valid, [F.at]: seconds(NOW) - 86_400 * 3 }).success).toBe(
      true,
    );
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["no one chosen", { [F.with]: undefined }, F.with, "Choose with whom."],
    ["a choice not offered", { [F.with]: "audience:" }, F.with, "Choose with whom from the list."],
    ["Other without saying who", { [F.with]: "other" }, F.other, "Say who: a role or an organisation."],
    [
      "Other with only spaces",
      { [F.with]: "other", [F.other]: "   " },
      F.other,
      "Say who: a role or an organisation.",
    ],
    [
      "a long who",
      { [F.with]: "other", [F.other]: "x".repeat(151) },
      F.other,
      "Who is too long: at most 150 characters.",
    ],
    ["no channel", { [F.channel]: undefined }, F.channel, "Choose the channel."],
    ["a channel not offered", { [F.channel]: "carrier_pigeon" }, F.channel, "Choose the channel."],
    ["no direction", { [F.direction]: undefined }, F.direction, "Choose the direction."],
    ["no summary", { [F.summary]: "  " }, F.summary, "What was said is required."],
    [
      "a summary too long",
      { [F.summary]: "x".repeat(LIMITS.note + 1) },
      F.summary,
      `What was said is too long: at most ${LIMITS.note} characters.`,
    ],
    ["no time", { [F.at]: undefined }, F.at, "Say when it happened."],
    [
      "a time in the future",
      { [F.at]: seconds(NOW) + 120 },
      F.at,
      "That time is in the future: give the time it happened.",
    ],
  ])("refuses %s, on its block", (_, change, block, message) => {
    expect(errorsOf({ ...valid, ...change })).toEqual({ [block]: message });
  });
});

describe("the incident channel's line", () => {
  const base = {
    reference: "INC-000042",
    author: "U0AGENT",
    channel: "phone" as const,
    direction: "outbound" as const,
    whom: "Regulator",
    at: NOW,
    timezone: "Europe/London",
    summary: "Told them it is fixed.",
  };

  it("says who logged what, with whom, which way and when", () => {
    const message = communicationLoggedMessage(base);
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    expect(message.text).toContain(
      ":telephone_receiver: <@U0AGENT> logged a phone call to Regulator on INC-000042 (outbound, <!date^",
    );
    expect(message.text).toContain("Told them it is fixed.");
    const inbound = communicationLoggedMessage({ ...base, channel: "email", direction: "inbound" });
    expect(inbound.text).toContain("logged an email from Regulator");
    expect(communicationLoggedMessage({ ...base, channel: "in_person" }).text).toContain(
      "logged a conversation in person with Regulator",
    );
  });

  it("escapes what people typed, and stays within Slack's limits", () => {
    const message = communicationLoggedMessage({
      ...base,
      whom: "<!channel> & co",
      summary: `<@U0LEAD> <https://evil.example|click> ${"y".repeat(5000)}`,
    });
    expect(validateMessageBlocks(message.blocks)).toEqual([]);
    const body = JSON.stringify(message);
    expect(body).toContain("&lt;!channel&gt; &amp; co");
    expect(body).not.toContain("<!channel>");
    expect(body).not.toContain("<@U0LEAD>");
  });
});

describe("where it is offered", () => {
  const ids = (status: IncidentRow["status"]) =>
    (cardActions(incident({ status })) as Array<{ elements: Array<{ action_id: string }> }>).flatMap((b) =>
      b.elements.map((e) => e.action_id),
    );

  it("is a card button until the incident is closed", () => {
    for (const status of ["open", "in_progress", "on_hold", "resolved"] as const)
      expect(ids(status)).toContain(CARD_ACTION.logCommunication);
    expect(ids("closed")).not.toContain(CARD_ACTION.logCommunication);
  });

  it.each([
    ["comms", { kind: "comms", number: null }],
    ["comms INC-000042", { kind: "comms", number: 42 }],
    ["COMMS inc-7", { kind: "comms", number: 7 }],
  ])("`/incident %s` opens it", (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it("reads a longer text starting with the word as a new incident's title", () => {
    expect(parseCommand("Comms line down on floor 3")).toEqual({
      kind: "open_modal",
      title: "Comms line down on floor 3",
    });
    expect(parseCommand("comms today")).toMatchObject({ kind: "unknown", suggestion: "comms" });
  });

  it("is in the help", () => {
    expect(JSON.stringify(helpMessage())).toContain("/incident comms");
    expect(validateMessageBlocks(helpMessage().blocks)).toEqual([]);
  });
});
