import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LEVELS, PRIORITIES, REPORT_CHANNELS, STATUSES } from "../../../src/domain/incident.js";
import { checkMessage, validateMessageBlocks, validateView } from "../../../src/emulator/block-kit.js";
import { helpMessage } from "../../../src/messages/help.js";
import { homeView } from "../../../src/messages/home.js";
import {
  announcementRoundup,
  incidentAnnouncement,
  incidentCard,
  MAX_ROUNDUP,
  reporterNotice,
} from "../../../src/messages/incident-card.js";
import { incidentList } from "../../../src/messages/incident-list.js";
import { incidentLoggedModal, logIncidentModal } from "../../../src/messages/log-incident-modal.js";
import { noteMessage, stakeholderUpdateMessage } from "../../../src/messages/update.js";
import {
  holdModal,
  recategoriseModal,
  reopenModal,
  resolveModal,
  updateModal,
} from "../../../src/messages/work-modals.js";
import { incidentRow as incident, NOW } from "../../helpers/fixtures.js";

const CALLER = "ACC-31337 / 07700 900555";

const ctx = { typeLabel: "Service failure", timezone: "Europe/London" };

describe("incident card and the personal-data rule", () => {
  it("keeps the caller reference behind a door on the responders' card, saying who may open it", () => {
    const card = incidentCard(incident(), {
      ...ctx,
      audience: "responder",
      callerReference: CALLER,
      personalDataViewers: "the reporter, the owner, or a team lead or dpo",
    });
    const shown = JSON.stringify(card);
    expect(shown).not.toContain(CALLER);
    expect(shown).toContain("incident_show_caller_details");
    expect(shown).toContain("shown only to the reporter, the owner, or a team lead or dpo");
  });

  it("never shows it to stakeholders, even when handed one", () => {
    const card = incidentCard(incident(), { ...ctx, audience: "stakeholder", callerReference: CALLER });
    expect(JSON.stringify(card)).not.toContain("ACC-31337");
  });

  it("leaves it out of announcements", () => {
    expect(JSON.stringify(incidentAnnouncement(incident(), ctx))).not.toContain("ACC-31337");
  });

  it("marks an overridden priority with what the matrix gave", () => {
    const card = incidentCard(incident({ priority: "P1", matrixPriority: "P3" }), {
      ...ctx,
      audience: "stakeholder",
    });
    expect(JSON.stringify(card)).toContain("P1 (overridden; matrix gave P3)");
  });

  it("escapes Slack markup in titles so nobody can ping @channel through a title", () => {
    const card = incidentCard(incident({ title: "<!channel> outage & more" }), {
      ...ctx,
      audience: "stakeholder",
    });
    expect(card.text).toContain("&lt;!channel&gt; outage &amp; more");
    // plain_text is never parsed for mentions; every mrkdwn text must carry the escaped form.
    const mrkdwnTexts = JSON.stringify(card.blocks).match(/"type":"mrkdwn","text":"[^"]*"/g) ?? [];
    expect(mrkdwnTexts.some((t) => t.includes("<!channel>"))).toBe(false);
  });
});

const incidentArb = fc.record({
  title: fc.string({ minLength: 1, maxLength: 150, unit: "grapheme" }),
  description: fc.string({ minLength: 1, maxLength: 3000 }),
  affectedService: fc.option(fc.string({ maxLength: 150 }), { nil: null }),
  priority: fc.constantFrom(...PRIORITIES),
  matrixPriority: fc.constantFrom(...PRIORITIES),
  status: fc.constantFrom(...STATUSES),
  impact: fc.constantFrom(...LEVELS),
  urgency: fc.constantFrom(...LEVELS),
  reportChannel: fc.constantFrom(...REPORT_CHANNELS),
  number: fc.integer({ min: 1, max: 10_000_000 }),
  major: fc.boolean(),
});

describe("every message and view the bot builds is valid Block Kit", () => {
  it("cards, announcements and notices, for any field values", () => {
    fc.assert(
      fc.property(incidentArb, fc.string({ maxLength: 200 }), (fields, caller) => {
        const i = incident(fields);
        for (const msg of [
          incidentCard(i, { ...ctx, audience: "responder", callerReference: caller || null }),
          incidentAnnouncement(i, ctx),
          reporterNotice(i),
        ]) {
          expect(validateMessageBlocks(msg.blocks)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  }, 30_000);

  it("an announcement roundup of as many incidents as one post carries, with the longest text", () => {
    fc.assert(
      fc.property(
        fc.array(incidentArb, { minLength: 2, maxLength: MAX_ROUNDUP }),
        fc.string({ minLength: 1, maxLength: 200, unit: "grapheme" }),
        (list, label) => {
          const incidents = list.map((fields, n) => incident({ ...fields, number: n + 1 }));
          const msg = announcementRoundup(incidents, () => label);
          expect(checkMessage(msg)).toBeNull();
          expect(validateMessageBlocks(msg.blocks)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
    // The worst case: every title and label as long as they come, and all of it escaped.
    const longest = Array.from({ length: MAX_ROUNDUP }, (_, n) =>
      incident({ number: 9_000_000 + n, title: "<&>".repeat(50), major: true, priority: "P1" }),
    );
    const worst = announcementRoundup(longest, () => "&".repeat(200));
    expect(checkMessage(worst)).toBeNull();
    for (const i of longest) expect(JSON.stringify(worst.blocks)).toContain(`INC-${i.number}`);
  }, 30_000);

  it("a roundup lists the highest priority first and counts each", () => {
    const msg = announcementRoundup(
      [
        incident({ number: 3, priority: "P3", title: "Slow IVR" }),
        incident({ number: 1, priority: "P1", title: "Phones down" }),
        incident({ number: 2, priority: "P3", title: "Web chat lag" }),
      ],
      () => "Service failure",
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain("3 new incidents logged* (1 × P1, 2 × P3)");
    expect(text.indexOf("INC-000001")).toBeLessThan(text.indexOf("INC-000002"));
    expect(text.indexOf("INC-000002")).toBeLessThan(text.indexOf("INC-000003"));
    expect(msg.text).toBe("3 new incidents logged: INC-000001 (P1), INC-000002 (P3), INC-000003 (P3)");
  });

  it("the log-incident modal, empty and prefilled with long text", () => {
    const types = [
      { key: "service_failure", label: "Service failure" },
      { key: "complaint", label: "Complaint" },
    ];
    const empty = logIncidentModal({ types, now: NOW, metadata: {} });
    const full = logIncidentModal({
      types,
      now: NOW,
      title: "t".repeat(400),
      description: "d".repeat(5000),
      metadata: { originChannel: "C0FLOOR", source: { channel: "C0FLOOR", ts: "1.2" } },
      preview: { impact: "high", urgency: "low", priority: "P3" },
    });
    expect(validateView(empty)).toEqual([]);
    expect(validateView(full)).toEqual([]);
    expect(
      validateView(incidentLoggedModal({ reference: "INC-000042", priority: "P2", title: "x".repeat(500) })),
    ).toEqual([]);
  });

  it("help, lists and the Home tab", () => {
    const many = Array.from({ length: 60 }, (_, n) => incident({ number: n + 1 }));
    expect(validateMessageBlocks(helpMessage().blocks)).toEqual([]);
    expect(
      validateMessageBlocks(
        incidentList(many.slice(0, 20), { heading: "Open", timezone: "Europe/London", more: true }).blocks,
      ),
    ).toEqual([]);
    expect(
      validateMessageBlocks(
        incidentList([], { heading: "Open", timezone: "Europe/London", more: false }).blocks,
      ),
    ).toEqual([]);
    expect(validateView(homeView({ mine: many, open: many, timezone: "Europe/London" }))).toEqual([]);
  });
});

describe("card buttons follow the state machine", () => {
  const actionIds = (status: (typeof STATUSES)[number]) => {
    const card = incidentCard(incident({ status }), { ...ctx, audience: "responder" });
    const actions = card.blocks.find((b) => b.type === "actions") as
      | { elements: Array<{ action_id: string }> }
      | undefined;
    return actions?.elements.map((e) => e.action_id) ?? [];
  };

  it.each([
    [
      "open",
      [
        "incident_acknowledge",
        "incident_resolve",
        "incident_take_ownership",
        "incident_post_update",
        "incident_log_communication",
        "incident_recategorise",
      ],
    ],
    [
      "in_progress",
      [
        "incident_hold",
        "incident_resolve",
        "incident_take_ownership",
        "incident_post_update",
        "incident_log_communication",
        "incident_recategorise",
      ],
    ],
    [
      "on_hold",
      [
        "incident_resume",
        "incident_resolve",
        "incident_take_ownership",
        "incident_post_update",
        "incident_log_communication",
        "incident_recategorise",
      ],
    ],
    ["resolved", ["incident_close", "incident_reopen", "incident_post_update", "incident_log_communication"]],
    ["closed", ["incident_reopen"]],
  ] as const)("%s offers %j", (status, expected) => {
    expect(actionIds(status)).toEqual(expected);
  });

  it("offers the extra clocks' buttons and stays valid", () => {
    const card = incidentCard(incident({ status: "in_progress" }), {
      ...ctx,
      audience: "responder",
      extraClocks: {
        running: [{ name: "regulator_notice", stopLabel: "Regulator notified" }],
        canFlagPersonalData: true,
      },
      breached: ["respond"],
    });
    const text = JSON.stringify(card.blocks);
    expect(text).toContain("Personal data involved");
    expect(text).toContain('"text":"Regulator notified"');
    expect(text).toContain("SLA breached:* respond");
    expect(validateMessageBlocks(card.blocks)).toEqual([]);
  });

  it("gives stakeholders no buttons", () => {
    const card = incidentCard(incident(), { ...ctx, audience: "stakeholder" });
    expect(card.blocks.some((b) => b.type === "actions")).toBe(false);
  });

  it("shows a hold note to responders only", () => {
    const held = incident({
      status: "on_hold",
      holdReason: "awaiting_customer",
      holdNote: "Mrs Smith to call back",
    });
    expect(JSON.stringify(incidentCard(held, { ...ctx, audience: "responder" }))).toContain("Mrs Smith");
    expect(JSON.stringify(incidentCard(held, { ...ctx, audience: "stakeholder" }))).not.toContain(
      "Mrs Smith",
    );
  });
});

describe("the working forms are valid modals", () => {
  const meta = { incidentId: "6f1c1d1e-0000-4000-8000-000000000001", channel: "C0INC42" };
  const types = [{ key: "service_failure", label: "Service failure" }];
  it.each([
    ["hold", holdModal(incident(), meta)],
    ["resolve", resolveModal(incident(), meta)],
    ["reopen", reopenModal(incident(), meta)],
    ["update", updateModal(incident(), meta, NOW)],
    [
      "recategorise",
      recategoriseModal(incident({ major: true, priority: "P1", matrixPriority: "P2" }), types, meta),
    ],
  ])("%s", (_name, view) => {
    expect(validateView(view)).toEqual([]);
    expect(JSON.parse(view.private_metadata)).toEqual(meta);
  });

  it("start their main field with what was typed after the command, valid at any length", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 5000 }), (typed) => {
        for (const view of [
          reopenModal(incident(), meta, typed),
          resolveModal(incident(), meta, typed),
          updateModal(incident(), meta, NOW, [], typed),
        ]) {
          expect(validateView(view)).toEqual([]);
          expect(JSON.stringify(view)).toContain('"initial_value"');
        }
      }),
      { numRuns: 50 },
    );
    expect(JSON.stringify(reopenModal(incident(), meta, "Failing again."))).toContain(
      '"initial_value":"Failing again."',
    );
  }, 30_000);

  it("updates and notes are valid messages whatever their text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.string({ maxLength: 3000 }), (happening, impact) => {
        const update = stakeholderUpdateMessage(
          incident(),
          { happening, customerImpact: impact, nextUpdateAt: NOW, author: "U0AGENT" },
          "Europe/London",
        );
        expect(validateMessageBlocks(update.blocks)).toEqual([]);
        expect(
          validateMessageBlocks(
            noteMessage({ reference: "INC-000001", author: "U0AGENT", text: happening }).blocks,
          ),
        ).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 30_000);
});
