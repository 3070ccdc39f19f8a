import { describe, expect, it } from "vitest";
import { fromZonedInput, renderBlocks, renderView, toZonedInput } from "../../../src/demo/web/blockkit.js";
import { recordImpactModal } from "../../../src/messages/floor-modals.js";
import { helpMessage } from "../../../src/messages/help.js";
import { homeView } from "../../../src/messages/home.js";
import { ESCALATION_ACTION, LOG_FIELDS } from "../../../src/messages/ids.js";
import { incidentAnnouncement, incidentCard } from "../../../src/messages/incident-card.js";
import { logIncidentModal } from "../../../src/messages/log-incident-modal.js";
import { reviewModal } from "../../../src/messages/review.js";
import { acknowledgedDm, escalationDm } from "../../../src/messages/sla.js";
import { holdModal, recategoriseModal, resolveModal } from "../../../src/messages/work-modals.js";
import { incidentRow, NOW } from "../../helpers/fixtures.js";

const ctx = {
  users: { U0AGENT: { name: "Ana Agent" }, U0LEAD: { name: "Lee Lead" }, U0BOT: { name: "Switchboard" } },
  channels: { C0INC42: { name: "inc-000042-card-payments-failing" } },
  timezone: "Europe/London",
  now: NOW,
  botId: "U0BOT",
};
const TYPES = [
  { key: "service_failure", label: "Service failure" },
  { key: "data_breach", label: "Data breach" },
];
const incident = incidentRow({
  priority: "P1",
  matrixPriority: "P1",
  ownerId: "U0LEAD",
  respondDueAt: new Date(NOW.getTime() + 15 * 60_000),
  title: 'Card <payments> & "refunds" failing',
});
const meta = { incidentId: incident.id, channel: "C0INC42" };

/** Everything the page drew, and a check that nothing was left out as unsupported. */
function rendered(html: string): string {
  expect(html).not.toContain("[unsupported");
  return html;
}

describe("renderBlocks over the bot's own messages", () => {
  it("draws the incident card: header, fields with names and dates, buttons", () => {
    const card = incidentCard(incident, {
      audience: "responder",
      typeLabel: "Service failure",
      timezone: "Europe/London",
      callerReference: "ACC-1",
    });
    const html = rendered(renderBlocks(card.blocks, ctx));
    expect(html).toContain('<div class="bk-block bk-header"');
    // plain_text titles are escaped, never parsed
    expect(html).toContain("Card &lt;payments&gt; &amp; &quot;refunds&quot; failing");
    expect(html).toContain("@Lee Lead");
    expect(html).toContain("🔴 P1");
    expect(html).toContain(">today 10:15</time>");
    expect(html).toContain('data-action-id="incident_show_caller_details"');
    expect(html).toMatch(/<button type="button" class="bk-btn[^"]*" data-bk-action [^>]*data-type="button"/);
  });

  it("draws a stakeholder announcement and a help message", () => {
    const announcement = incidentAnnouncement(incident, {
      typeLabel: "Service failure",
      timezone: "Europe/London",
    });
    expect(rendered(renderBlocks(announcement.blocks, ctx))).toContain("🚨 New P1 incident logged");
    expect(rendered(renderBlocks(helpMessage().blocks, ctx))).toContain('class="mk-code"');
  });

  it("draws the escalation DM with its primary Acknowledge button and link button", () => {
    const dm = escalationDm(incident, {
      clockId: "clock-1",
      clock: "Acknowledge",
      clockName: "respond",
      targetMs: 15 * 60_000,
      overdueMs: 60_000,
      level: 1,
      role: "team_lead",
      atTop: false,
      timezone: "Europe/London",
    });
    const html = rendered(renderBlocks(dm.blocks, ctx));
    expect(html).toMatch(
      new RegExp(
        `class="bk-btn bk-btn-primary" data-bk-action [^>]*data-action-id="${ESCALATION_ACTION.acknowledge}"[^>]*data-value="clock-1"`,
      ),
    );
    expect(html).toContain('data-url="https://slack.com/app_redirect?channel=C0INC42"');
    expect(html).toContain('<blockquote class="mk-quote">');
    const acked = acknowledgedDm(dm, {
      by: "U0LEAD",
      at: NOW,
      timezone: "Europe/London",
      incident: { ...incident, status: "acknowledged", ownerId: "U0LEAD" },
      clock: { label: "Acknowledge", name: "respond", dueAt: NOW, targetMs: 15 * 60_000 },
    });
    const after = rendered(renderBlocks(acked.blocks, ctx));
    expect(after).not.toContain("data-bk-action");
    expect(after).toContain("✅ Acknowledged by <span");
  });

  it("draws the Home tab with rows and their next-action buttons", () => {
    const row = {
      ...incident,
      deadline: null,
      next: { kind: "lifecycle" as const, action: "acknowledge" as const },
    };
    const view = homeView({ mine: [row], open: [row], timezone: "Europe/London" });
    const html = rendered(renderView(view, ctx));
    expect(html).toContain("Your open incidents");
    expect(html).toContain('class="bk-accessory"');
  });
});

describe("renderView over the bot's modals", () => {
  it("draws the Log form: labels, hints, optional marks, pickers, dispatching selects", () => {
    const view = logIncidentModal({ types: TYPES, now: NOW, metadata: { originChannel: "C0FLOOR" } });
    const html = rendered(renderView(view, { ...ctx, idPrefix: "m1" }));
    expect(html).toContain('<h2 id="m1-title">Log an incident</h2>');
    expect(html).toContain("data-view-submit>Log incident</button>");
    expect(html).toContain('<span class="bk-optional">(optional)</span>');
    expect(html).toContain("How many customers or services are affected.");
    // impact and urgency dispatch their changes; the type select does not
    expect(html).toMatch(new RegExp(`data-block-id="${LOG_FIELDS.impact}" data-dispatch="1"`));
    expect(html).toMatch(
      new RegExp(`data-action-id="value" data-block-id="${LOG_FIELDS.type}"(?! data-dispatch)`),
    );
    expect(html).toContain('type="datetime-local"');
    expect(html).toContain(`value="${toZonedInput(Math.floor(NOW.getTime() / 1000), "Europe/London")}"`);
    expect(html).toMatch(/<textarea class="bk-field-input" rows="4" data-bk-input [^>]*maxlength="\d+"/);
    // every control has a label that points at it
    for (const [, id] of html.matchAll(/<(?:input|select|textarea) [^>]*?\sid="([^"]+)"/g))
      expect(html).toContain(`for="${id}"`);
  });

  it("shows a field's validation error next to it", () => {
    const view = logIncidentModal({ types: TYPES, now: NOW, metadata: {} });
    const html = renderView(view, { ...ctx, errors: { [LOG_FIELDS.title]: "Say what <is> wrong" } });
    expect(html).toContain(
      '<div class="bk-error" id="bk-1-error" role="alert">Say what &lt;is&gt; wrong</div>',
    );
    expect(html).toContain('aria-invalid="true"');
  });

  it("draws the other forms: checkboxes, users select, datepicker, number inputs", () => {
    const forms = [
      holdModal(incident, meta),
      resolveModal(incident, meta),
      recategoriseModal({ ...incident, major: true }, TYPES, meta),
      recordImpactModal(
        { ...incident, callsQueued: 42, abandonmentRate: 12.5, affectedQueue: "Billing" },
        meta,
      ),
      reviewModal(incident, {
        lines: { times: ["Reported: 2026-11-23 09:00 GMT"], sla: [], breaches: [], communications: [] },
        timezone: "Europe/London",
        categories: { third_party: "Third-party supplier" },
        meta: { incidentId: incident.id, reviewId: "6f1c3f5e-2d0c-4b7e-9d6e-0d6f9f8f0a11" },
      }),
    ];
    const html = forms.map((f) => rendered(renderView(f, ctx))).join("");
    expect(html).toMatch(/<input type="checkbox" [^>]* checked>/);
    expect(html).toContain('data-type="users_select"');
    expect(html).toContain('<option value="U0LEAD">Lee Lead</option>');
    expect(html).not.toContain('value="U0BOT"');
    expect(html).toContain('type="date"');
    expect(html).toMatch(/type="number" [^>]*value="42"/);
  });
});

describe("renderBlocks: the rest of Block Kit", () => {
  it("draws styles, confirm dialogs, overflow, radio buttons, images and rich text", () => {
    const confirm = {
      title: { type: "plain_text", text: "Sure?" },
      text: { type: "mrkdwn", text: "Really <close>?" },
      confirm: { type: "plain_text", text: "Yes" },
      deny: { type: "plain_text", text: "No" },
    };
    const html = rendered(
      renderBlocks(
        [
          {
            type: "actions",
            block_id: "acts",
            elements: [
              {
                type: "button",
                action_id: "close",
                text: { type: "plain_text", text: "Close" },
                style: "danger",
                confirm,
              },
              {
                type: "overflow",
                action_id: "more",
                options: [{ text: { type: "plain_text", text: "Edit" }, value: "edit" }],
              },
              { type: "timepicker", action_id: "t", initial_time: "09:30" },
              {
                type: "radio_buttons",
                action_id: "r",
                options: [{ text: { type: "plain_text", text: "One" }, value: "1" }],
                initial_option: { text: { type: "plain_text", text: "One" }, value: "1" },
              },
              { type: "external_select", action_id: "ext", min_query_length: 2 },
            ],
          },
          { type: "image", image_url: "https://example.com/a.png", alt_text: 'a "chart"' },
          {
            type: "rich_text",
            elements: [
              {
                type: "rich_text_section",
                elements: [
                  { type: "text", text: "<b>", style: { bold: true } },
                  { type: "user", user_id: "U0LEAD" },
                ],
              },
              {
                type: "rich_text_list",
                style: "ordered",
                elements: [{ type: "rich_text_section", elements: [] }],
              },
            ],
          },
        ],
        ctx,
      ),
    );
    expect(html).toContain('class="bk-btn bk-btn-danger"');
    expect(html).toContain('data-confirm="{&quot;title&quot;:');
    expect(html).toContain('class="bk-overflow"');
    expect(html).toContain('type="time"');
    expect(html).toMatch(/type="radio" [^>]* checked>/);
    expect(html).toContain('data-min-query="2"');
    expect(html).toContain('alt="a &quot;chart&quot;"');
    expect(html).toContain(
      '<strong>&lt;b&gt;</strong><span class="mk-mention" data-user="U0LEAD">@Lee Lead</span>',
    );
    // controls outside input blocks are named for screen readers
    expect(html).toContain(
      'data-type="timepicker" data-action-id="t" data-block-id="acts" data-dispatch="1" aria-label="Select time"',
    );
    expect(html).toContain('<ol class="rt-list">');
  });

  it("marks what it cannot draw, visibly", () => {
    expect(
      renderBlocks([{ type: "video" }, { type: "actions", elements: [{ type: "workflow_button" }] }], ctx),
    ).toBe(
      '<div class="bk-unsupported">[unsupported block: video]</div>' +
        '<div class="bk-block bk-actions" data-block-id="b1"><div class="bk-unsupported">[unsupported element: workflow_button]</div></div>',
    );
  });
});

describe("datetime picker values in the workspace's zone", () => {
  it("round-trips wall times, in winter and summer", () => {
    for (const zone of ["Europe/London", "America/New_York", "Asia/Kolkata"])
      for (const value of ["2026-11-23T10:05", "2026-07-01T23:30"])
        expect(toZonedInput(fromZonedInput(value, zone)!, zone)).toBe(value);
    expect(fromZonedInput("2026-07-01T10:05", "Europe/London")).toBe(Date.UTC(2026, 6, 1, 9, 5) / 1000);
    expect(fromZonedInput("", "Europe/London")).toBeNull();
  });
});
