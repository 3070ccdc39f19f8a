import { describe, expect, it } from "vitest";
import type { CallerDetail } from "../../../src/db/queries/caller-details.js";
import type { KnownIncident } from "../../../src/db/queries/known-incidents.js";
import { likePattern } from "../../../src/db/queries/known-incidents.js";
import { CALLER_LIMITS } from "../../../src/domain/callers.js";
import { REPORT_CHANNELS } from "../../../src/domain/incident.js";
import {
  DEFAULT_MIN_QUERY_LENGTH,
  suggestionRefusal,
  validateOptionsAnswer,
  validateView,
} from "../../../src/emulator/block-kit.js";
import { callerDetailsText } from "../../../src/messages/caller-details.js";
import {
  addCallerModal,
  CALLER_CHANNELS,
  callerAddedModal,
  callerNoticeModal,
  knownIncidentBlocks,
  knownIncidentLabel,
  knownIncidentOptions,
} from "../../../src/messages/caller-modal.js";
import {
  CALLER_ACTION,
  CARD_ACTION,
  CALLER_FIELDS as F,
  KNOWN_BLOCKS,
  VIEW,
} from "../../../src/messages/ids.js";
import { incidentCard } from "../../../src/messages/incident-card.js";
import { logIncidentModal } from "../../../src/messages/log-incident-modal.js";
import { parseCommand } from "../../../src/slack/commands/parse-command.js";
import {
  addCallerForm,
  callerFormIncidentId,
  callerTimeProblem,
} from "../../../src/slack/parse/caller-form.js";
import { readViewState } from "../../../src/slack/parse/view-state.js";
import { incidentRow } from "../../helpers/fixtures.js";

const NOW = new Date("2026-12-07T10:00:00Z");
const INCIDENT = {
  id: "7a1c8c1e-3f7e-4c55-9f0e-2a3b4c5d6e7f",
  number: 123,
  title: "Payments down <!channel>",
};

const known = (n: number, over: Partial<KnownIncident> = {}): KnownIncident => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  number: n,
  priority: "P2",
  major: false,
  title: `Incident number ${n}`,
  affectedService: "Payments",
  callers: n,
  ...over,
});

type Block = {
  block_id?: string;
  type: string;
  element?: Record<string, unknown>;
  accessory?: Record<string, unknown>;
};

describe("Add a caller form", () => {
  it("is a valid modal naming the incident, its metadata the incident id", () => {
    const view = addCallerModal(INCIDENT, NOW);
    expect(validateView(view)).toEqual([]);
    expect(view.callback_id).toBe(VIEW.addCaller);
    expect(view.title.text).toBe("Add a caller");
    expect(view.private_metadata).toBe(INCIDENT.id);
    const shown = JSON.stringify(view.blocks[0]);
    expect(shown).toContain("to *INC-000123*");
    // The title is escaped: a context line is mrkdwn.
    expect(shown).not.toContain("<!channel>");
    const ids = (view.blocks as Block[]).map((b) => b.block_id).filter(Boolean);
    expect(ids).toEqual(Object.values(F));
  });

  it("defaults to a phone call now, without callback, and offers every report channel but monitoring", () => {
    const blocks = addCallerModal(INCIDENT, NOW).blocks as Block[];
    const by = (id: string) => blocks.find((b) => b.block_id === id)!.element!;
    expect((by(F.reportChannel).initial_option as { value: string }).value).toBe("phone");
    expect((by(F.reportChannel).options as Array<{ value: string }>).map((o) => o.value)).toEqual(
      REPORT_CHANNELS.filter((c) => c !== "internal_monitoring"),
    );
    expect([...CALLER_CHANNELS]).toEqual(REPORT_CHANNELS.filter((c) => c !== "internal_monitoring"));
    expect(by(F.contactedAt).initial_date_time).toBe(NOW.getTime() / 1000);
    expect(by(F.callback).type).toBe("radio_buttons");
    expect((by(F.callback).initial_option as { value: string }).value).toBe("no");
    expect(by(F.said).max_length).toBe(CALLER_LIMITS.said);
    expect(by(F.callbackContact).max_length).toBe(CALLER_LIMITS.callbackContact);
    // Both personal-data fields say so.
    for (const id of [F.callerReference, F.callbackContact]) {
      expect(JSON.stringify(blocks.find((b) => b.block_id === id))).toContain("Personal data");
    }
  });

  it("its confirmation and notice views are valid and say what happened", () => {
    const added = callerAddedModal({ reference: "INC-000123", callers: 38, again: false });
    expect(validateView(added)).toEqual([]);
    expect(JSON.stringify(added)).toContain("Caller added to INC-000123. Callers so far: 38.");
    const again = callerAddedModal({ reference: "INC-000123", callers: 38, again: true });
    expect(JSON.stringify(again)).toContain("already added");
    expect(validateView(callerNoticeModal("INC-000123 is closed."))).toEqual([]);
  });
});

const text = (value: string | null) => ({ value: { type: "plain_text_input", value } });
const choice = (value: string) => ({ value: { type: "static_select", selected_option: { value } } });
const radio = (value: string) => ({ value: { type: "radio_buttons", selected_option: { value } } });
const when = (d: Date) => ({
  value: { type: "datetimepicker", selected_date_time: Math.floor(d.getTime() / 1000) },
});

function state(over: Record<string, unknown> = {}) {
  return {
    [F.callerReference]: text("ACC-1"),
    [F.reportChannel]: choice("email"),
    [F.contactedAt]: when(new Date(NOW.getTime() - 60_000)),
    [F.said]: text("Card declined twice"),
    [F.callback]: radio("phone"),
    [F.callbackContact]: text("07700 900123"),
    ...over,
  };
}

describe("Add a caller parser", () => {
  const form = addCallerForm(() => NOW);
  const parse = (over: Record<string, unknown> = {}) => form.safeParse(readViewState(state(over)));
  const errorsOf = (over: Record<string, unknown>) => {
    const r = parse(over);
    expect(r.success).toBe(false);
    return Object.fromEntries(r.error!.issues.map((i) => [String(i.path[0]), i.message]));
  };

  it("reads a full caller", () => {
    expect(parse().data).toEqual({
      callerReference: "ACC-1",
      reportChannel: "email",
      contactedAt: new Date(NOW.getTime() - 60_000),
      said: "Card declined twice",
      callback: "phone",
      callbackContact: "07700 900123",
    });
  });

  it("needs a callback contact when a callback is wanted", () => {
    expect(errorsOf({ [F.callbackContact]: text("  ") })[F.callbackContact]).toMatch(/call them back/);
  });

  it("keeps no callback contact when no callback is wanted, and takes blanks as not given", () => {
    const r = parse({ [F.callback]: radio("no"), [F.callerReference]: text(""), [F.said]: text(null) });
    expect(r.data).toMatchObject({
      callback: "no",
      callbackContact: null,
      callerReference: null,
      said: null,
    });
  });

  it("refuses a time in the future beyond a minute's grace, and internal monitoring", () => {
    expect(parse({ [F.contactedAt]: when(new Date(NOW.getTime() + 50_000)) }).success).toBe(true);
    expect(errorsOf({ [F.contactedAt]: when(new Date(NOW.getTime() + 120_000)) })[F.contactedAt]).toMatch(
      /future/,
    );
    expect(errorsOf({ [F.reportChannel]: choice("internal_monitoring") })[F.reportChannel]).toBeDefined();
  });

  it("refuses what they said over the limit", () => {
    expect(errorsOf({ [F.said]: text("x".repeat(CALLER_LIMITS.said + 1)) })[F.said]).toMatch(/too long/);
  });

  it("allows a caller up to a day before the incident was logged", () => {
    const logged = NOW;
    expect(callerTimeProblem(new Date(NOW.getTime() - 23 * 3_600_000), logged)).toBeNull();
    expect(callerTimeProblem(new Date(NOW.getTime() - 25 * 3_600_000), logged)).toMatch(/more than a day/);
  });

  it("reads the incident id from the metadata, and nothing else", () => {
    expect(callerFormIncidentId(INCIDENT.id)).toBe(INCIDENT.id);
    expect(callerFormIncidentId("{}")).toBeNull();
    expect(callerFormIncidentId(undefined)).toBeNull();
  });
});

describe("Already known? on the Log form", () => {
  const types = [{ key: "service_failure", label: "Service failure" }];

  it("lists at most five known incidents, each with Add this caller, and a search", () => {
    const list = [1, 2, 3, 4, 5, 6].map((n) => known(n));
    const blocks = knownIncidentBlocks(list) as Block[];
    const buttons = blocks.filter((b) => b.accessory?.action_id === CALLER_ACTION.addThisCaller);
    expect(buttons.map((b) => b.accessory!.value)).toEqual(list.slice(0, 5).map((i) => i.id));
    const search = blocks.find((b) => b.block_id === KNOWN_BLOCKS.search)!;
    expect(search.element).toMatchObject({ type: "external_select", action_id: CALLER_ACTION.searchKnown });
    expect(JSON.stringify(blocks)).toContain("INC-000001");
    expect(JSON.stringify(blocks)).toContain("1 caller so far");
    const view = logIncidentModal({ types, now: NOW, metadata: {}, known: list });
    expect(validateView(view)).toEqual([]);
  });

  it("says when nothing is open, and the form without the list stays as before", () => {
    expect(JSON.stringify(knownIncidentBlocks([]))).toContain("No incident is open");
    const plain = logIncidentModal({ types, now: NOW, metadata: {} });
    expect(JSON.stringify(plain)).not.toContain(KNOWN_BLOCKS.heading);
  });

  it("answers the search with valid options of 75 characters at most", () => {
    const long = known(7, { title: "A".repeat(200), priority: "P1" });
    expect(knownIncidentLabel(long).length).toBeLessThanOrEqual(75);
    expect(knownIncidentLabel(known(123, { title: "Payments down", priority: "P1" }))).toBe(
      "INC-000123 · P1 · Payments down",
    );
    expect(validateOptionsAnswer(knownIncidentOptions([long, known(8)]))).toEqual([]);
  });

  it("escapes LIKE wildcards typed by the agent", () => {
    expect(likePattern("100%_off\\")).toBe("%100\\%\\_off\\\\%");
  });
});

describe("options answers as the Slack client checks them", () => {
  const opt = (n: number) => ({ text: { type: "plain_text", text: `Option ${n}` }, value: `v${n}` });

  it("accepts up to 100 options and refuses 101, long texts and both kinds at once", () => {
    expect(validateOptionsAnswer({ options: Array.from({ length: 100 }, (_, i) => opt(i)) })).toEqual([]);
    expect(validateOptionsAnswer({ options: Array.from({ length: 101 }, (_, i) => opt(i)) }).join()).toMatch(
      /no more than 100/,
    );
    expect(
      validateOptionsAnswer({
        options: [{ text: { type: "plain_text", text: "x".repeat(76) }, value: "v" }],
      }),
    ).not.toEqual([]);
    expect(
      validateOptionsAnswer({ options: [{ text: { type: "mrkdwn", text: "x" }, value: "v" }] }),
    ).not.toEqual([]);
    expect(validateOptionsAnswer({ options: [], option_groups: [] })).not.toEqual([]);
    expect(
      validateOptionsAnswer({
        option_groups: [{ label: { type: "plain_text", text: "G" }, options: [opt(1)] }],
      }),
    ).toEqual([]);
  });

  it("asks only external selects, once min_query_length characters are typed (3 by default)", () => {
    const view = {
      blocks: [
        {
          type: "input",
          block_id: "a",
          element: { type: "external_select", action_id: "x", min_query_length: 2 },
        },
        { type: "input", block_id: "b", element: { type: "external_select", action_id: "y" } },
        { type: "input", block_id: "c", element: { type: "static_select", action_id: "z", options: [] } },
      ],
    };
    expect(suggestionRefusal(view, { blockId: "a", actionId: "x", typed: "p" })).toMatch(/min_query_length/);
    expect(suggestionRefusal(view, { blockId: "a", actionId: "x", typed: "pa" })).toBeNull();
    expect(DEFAULT_MIN_QUERY_LENGTH).toBe(3);
    expect(suggestionRefusal(view, { blockId: "b", actionId: "y", typed: "pa" })).toMatch(/\(3\)/);
    expect(suggestionRefusal(view, { blockId: "c", actionId: "z", typed: "pay" })).toMatch(/does not load/);
  });
});

describe("Show caller details", () => {
  const detail = (n: number, over: Partial<CallerDetail> = {}): CallerDetail => ({
    reportChannel: "phone",
    contactedAt: new Date(NOW.getTime() - n * 60_000),
    callback: "no",
    callerReference: `ACC-${n}`,
    callbackContact: null,
    erased: false,
    ...over,
  });

  it("numbers every caller with how, when and the callback contact", () => {
    const text = callerDetailsText({
      reference: "INC-000123",
      details: [
        detail(1),
        detail(2, { callback: "sms", callbackContact: "07700 900999", reportChannel: "email" }),
      ],
      timezone: "Europe/London",
    });
    expect(text).toContain("*Caller details for INC-000123* (2 callers)");
    expect(text).toMatch(/1\. ACC-1 · Phone · /);
    expect(text).toMatch(/2\. ACC-2 · Email · .* · callback by SMS: 07700 900999/);
    expect(text).toContain("That you viewed it is logged.");
  });

  it("stays inside its budget and counts the callers left out", () => {
    const many = Array.from({ length: 1000 }, (_, i) => detail(i));
    const text = callerDetailsText({
      reference: "INC-000123",
      details: many,
      timezone: "UTC",
      budget: 5_000,
    });
    expect(text.length).toBeLessThanOrEqual(5_000);
    expect(text).toMatch(/…and \d+ more not shown here/);
  });

  it("escapes what was typed and marks erased callers", () => {
    const text = callerDetailsText({
      reference: "INC-000123",
      details: [
        detail(1, { callerReference: "<!channel>" }),
        detail(2, { erased: true, callerReference: null }),
      ],
      timezone: "UTC",
    });
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("2. [erased]");
  });
});

describe("/incident caller", () => {
  it("names the incident, or leaves it to the channel", () => {
    expect(parseCommand("caller INC-000042")).toEqual({ kind: "caller", number: 42 });
    expect(parseCommand("caller")).toEqual({ kind: "caller", number: null });
  });

  it("is not understood with other words, and a longer text starting with Caller is a title", () => {
    expect(parseCommand("caller bob")).toMatchObject({ kind: "unknown", suggestion: "caller" });
    expect(parseCommand("Caller says card payments fail at checkout")).toEqual({
      kind: "open_modal",
      title: "Caller says card payments fail at checkout",
    });
  });
});

describe("the card's Show caller details", () => {
  const counts = (callers: number, callbacksWanted = 0) => ({
    callers,
    recent: 0,
    callbacksWanted,
    callbacksOutstanding: callbacksWanted,
    callbacksReachedNoOne: 0,
  });
  const card = (ctx: Partial<Parameters<typeof incidentCard>[1]>) =>
    JSON.stringify(
      incidentCard(incidentRow(), {
        typeLabel: "Service failure",
        timezone: "Europe/London",
        audience: "responder",
        ...ctx,
      }),
    );

  it("is offered once callers were added or a callback is wanted, even without a reference at logging", () => {
    expect(card({ callers: counts(1) })).not.toContain(CARD_ACTION.showCallerDetails);
    expect(card({ callers: counts(2) })).toContain(CARD_ACTION.showCallerDetails);
    expect(card({ callers: counts(1, 1) })).toContain(CARD_ACTION.showCallerDetails);
    expect(card({ callerReference: "ACC-1", callers: counts(1) })).toContain(CARD_ACTION.showCallerDetails);
  });

  it("is not offered once retention erased the details, nor to stakeholders", () => {
    expect(card({ callers: counts(5, 2), callerReferenceErased: true })).not.toContain(
      CARD_ACTION.showCallerDetails,
    );
    expect(card({ callers: counts(5, 2), audience: "stakeholder" })).not.toContain(
      CARD_ACTION.showCallerDetails,
    );
  });
});
