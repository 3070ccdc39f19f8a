import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CommunicationEvent, IncidentSnapshot } from "../../../src/domain/communications.js";
import { MILESTONES } from "../../../src/domain/milestones.js";
import { emailDate, milestoneEmail } from "../../../src/messages/milestone-email.js";

const snapshot = (over: Partial<IncidentSnapshot> = {}): IncidentSnapshot => ({
  id: "inc_1",
  reference: "INC-000123",
  priority: "P1",
  major: true,
  status: "resolved",
  type: "telephony",
  typeLabel: "Telephony outage",
  title: "Payments line down",
  ownerId: "U0LEAD",
  loggedAt: "2026-12-07T10:05:00Z",
  acknowledgedAt: "2026-12-07T10:07:00Z",
  resolvedAt: "2026-12-07T13:15:00Z",
  closedAt: null,
  nextUpdateBy: "2026-12-07T14:05:00Z",
  channelId: "C0INC",
  ...over,
});

const PEOPLE: Record<string, string> = { U0LEAD: "Sam Jones", U0AGENT: "Ana Silva", U0MGR: "Kofi Mensah" };
const ctx = {
  names: (id: string) => PEOPLE[id] ?? id,
  timezone: "Europe/London",
  audienceLabel: "Executives",
  channelUrl: "https://example.slack.com/archives/C0INC",
};

/** One event of every kind, with the sentence each must carry. */
const EVENTS: Array<[CommunicationEvent, string]> = [
  [{ milestone: "logged", by: "U0AGENT" }, "New P1 incident logged by Ana Silva."],
  [
    {
      milestone: "update",
      by: "U0LEAD",
      happening: "Carrier is rerouting calls.",
      customerImpact: "Callers hear a busy tone.",
      nextUpdateAt: "2026-12-07T15:30:00Z",
    },
    "Update from Sam Jones.",
  ],
  [
    { milestone: "acknowledged", by: "U0LEAD", owner: "U0LEAD" },
    "Acknowledged by Sam Jones; owner Sam Jones.",
  ],
  [
    { milestone: "owner_changed", by: "U0MGR", from: "U0AGENT", to: "U0LEAD" },
    "Now owned by Sam Jones (was Ana Silva).",
  ],
  [
    { milestone: "priority_changed", by: "U0MGR", from: "P3", to: "P1", reason: "All lines down" },
    "Priority P3 → P1 (by Kofi Mensah): All lines down.",
  ],
  [
    { milestone: "major_changed", by: "U0MGR", to: true, reason: null },
    "Now a major incident (by Kofi Mensah).",
  ],
  [
    { milestone: "on_hold", by: "U0LEAD", reason: "awaiting_third_party" },
    "On hold: awaiting third party (by Sam Jones).",
  ],
  [{ milestone: "resumed", by: "U0LEAD" }, "Work resumed (by Sam Jones)."],
  [
    {
      milestone: "resolved",
      by: "U0LEAD",
      summary: "Trunk replaced",
      closeCode: "fixed",
      tookMs: 3 * 3_600_000 + 10 * 60_000,
      targetMs: 4 * 3_600_000,
      metSla: true,
    },
    "Resolved by Sam Jones: Trunk replaced · Fixed · took 3h 10m against a 4h target (met).",
  ],
  [
    { milestone: "reopened", by: "U0MGR", reason: "Still failing", wasClosed: true },
    "Reopened by Kofi Mensah after it was closed: Still failing.",
  ],
  [{ milestone: "closed", by: "U0LEAD" }, "Closed by Sam Jones. No further updates will follow."],
];

/** The template's own tags: every `<` in the HTML must open or close one of these. */
const OWN_TAG = /^<(?:!doctype html>|\/?(?:html|body|p|table|tr|th|td|a)[\s>]|br>)/i;

function strayTags(html: string): string[] {
  const stray: string[] = [];
  for (let i = html.indexOf("<"); i !== -1; i = html.indexOf("<", i + 1)) {
    if (!OWN_TAG.test(html.slice(i, i + 20))) stray.push(html.slice(i, i + 20));
  }
  return stray;
}

/** The event with every free text it has replaced by the given ones. */
function withText(
  e: CommunicationEvent,
  happening: string,
  impact: string,
  reason: string,
): CommunicationEvent {
  switch (e.milestone) {
    case "update":
      return { ...e, happening, customerImpact: impact };
    case "resolved":
      return { ...e, summary: reason };
    case "priority_changed":
    case "major_changed":
    case "reopened":
      return { ...e, reason };
    default:
      return e;
  }
}

describe("milestoneEmail", () => {
  it("has an event of every kind in this table", () => {
    expect(EVENTS.map(([e]) => e.milestone).sort()).toEqual([...MILESTONES].sort());
  });

  it.each(EVENTS.map(([e, sentence]) => [e.milestone, e, sentence] as const))(
    "renders %s with its sentence in both parts",
    (_, event, sentence) => {
      const mail = milestoneEmail(snapshot(), event, ctx);
      expect(mail.text.startsWith(`${sentence}\n`)).toBe(true);
      expect(mail.html).toContain(sentence);
      expect(mail.subject).toMatch(/^\[P1 · MAJOR\] INC-000123 .+: Payments line down$/);
      expect(mail.text).not.toMatch(/<@U|<#C|\*|_Payments/);
      expect(mail.text).not.toMatch(/U0LEAD|U0AGENT|U0MGR/);
      expect(strayTags(mail.html)).toEqual([]);
    },
  );

  it("names the milestone in the subject", () => {
    const resolved = EVENTS.find(([e]) => e.milestone === "resolved")![0];
    expect(milestoneEmail(snapshot(), resolved, ctx).subject).toBe(
      "[P1 · MAJOR] INC-000123 resolved: Payments line down",
    );
    const logged = EVENTS.find(([e]) => e.milestone === "logged")![0];
    expect(milestoneEmail(snapshot({ priority: "P3", major: false }), logged, ctx).subject).toBe(
      "[P3] INC-000123 logged: Payments line down",
    );
  });

  it("carries the facts, the link and why they got it in the plain text", () => {
    const closed = EVENTS.find(([e]) => e.milestone === "closed")![0];
    expect(milestoneEmail(snapshot(), closed, ctx).text).toBe(
      [
        "Closed by Sam Jones. No further updates will follow.",
        "",
        "Reference: INC-000123",
        "Priority: P1 (major incident)",
        "Status: Resolved",
        "Type: Telephony outage",
        "Title: Payments line down",
        "Owner: Sam Jones",
        "Logged at: 10:05 GMT, Mon 7 Dec",
        "Next update by: 14:05 GMT, Mon 7 Dec",
        "",
        "Follow it in Slack: https://example.slack.com/archives/C0INC",
        "",
        "-- ",
        "You receive this as Executives in the communication plan of Switchboard.",
        "",
      ].join("\n"),
    );
  });

  it("shows the same facts in the HTML, with a link to the channel", () => {
    const closed = EVENTS.find(([e]) => e.milestone === "closed")![0];
    const { html } = milestoneEmail(snapshot(), closed, ctx);
    for (const fact of ["INC-000123", "P1 (major incident)", "Resolved", "Telephony outage", "Sam Jones"]) {
      expect(html).toContain(fact);
    }
    expect(html).toContain("10:05 GMT, Mon 7 Dec");
    expect(html).toContain('href="https://example.slack.com/archives/C0INC">Follow it in Slack</a>');
    expect(html).toContain("You receive this as Executives in the communication plan of Switchboard.");
    expect(html).not.toMatch(/<style|<link|<script/i);
  });

  it("shows an update's own words and its promised next update", () => {
    const update = EVENTS.find(([e]) => e.milestone === "update")![0];
    const { text, html } = milestoneEmail(snapshot({ status: "in_progress" }), update, ctx);
    expect(text).toContain("What is happening:\nCarrier is rerouting calls.\n");
    expect(text).toContain("Customer impact now:\nCallers hear a busy tone.\n");
    expect(text).toContain("Next update by: 15:30 GMT, Mon 7 Dec");
    expect(html).toContain("Carrier is rerouting calls.");
    expect(html).toContain("15:30 GMT, Mon 7 Dec");
  });

  it("leaves out the link without a channel and the next update when none is due", () => {
    const closed = EVENTS.find(([e]) => e.milestone === "closed")![0];
    const mail = milestoneEmail(snapshot({ nextUpdateBy: null, ownerId: null }), closed, {
      ...ctx,
      channelUrl: null,
    });
    expect(mail.text).not.toContain("Follow it in Slack");
    expect(mail.text).not.toContain("Next update by");
    expect(mail.text).toContain("Owner: Nobody yet");
    expect(mail.html).not.toContain("<a ");
  });

  it("never turns a channel link that is not a web address into a link", () => {
    const closed = EVENTS.find(([e]) => e.milestone === "closed")![0];
    const { html } = milestoneEmail(snapshot(), closed, { ...ctx, channelUrl: "javascript:alert(1)" });
    expect(html).not.toContain("<a ");
    expect(html).not.toContain('href="javascript');
  });

  it("escapes a script in the title, the update and the names", () => {
    const script = "<script>alert('x')</script>";
    const update: CommunicationEvent = {
      milestone: "update",
      by: "U0EVIL",
      happening: script,
      customerImpact: `a & b ${script}`,
      nextUpdateAt: "2026-12-07T15:30:00Z",
    };
    const { html, subject, text } = milestoneEmail(snapshot({ title: script, typeLabel: script }), update, {
      ...ctx,
      names: () => script,
      audienceLabel: script,
    });
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(html).toContain("a &amp; b");
    expect(strayTags(html)).toEqual([]);
    // The plain text and subject are not HTML: they show the words as typed.
    expect(subject).toContain(script);
    expect(text).toContain(`What is happening:\n${script}`);
  });

  it("keeps a title's line breaks out of the subject", () => {
    const logged = EVENTS.find(([e]) => e.milestone === "logged")![0];
    const { subject } = milestoneEmail(
      snapshot({ title: "Line one\r\nBcc: someone@example.test" }),
      logged,
      ctx,
    );
    expect(subject).toBe("[P1 · MAJOR] INC-000123 logged: Line one Bcc: someone@example.test");
  });

  it("never lets a user's text start a tag in the HTML", () => {
    const text = fc.string({ unit: "grapheme-ascii", maxLength: 60 });
    const withMarkup = fc.oneof(
      text,
      fc.constantFrom("<script>", "</p>", "<a href='x'>", "<img src=x onerror=1>", "<!--", "<br>", "<p"),
    );
    const words = fc.array(withMarkup, { maxLength: 4 }).map((xs) => xs.join(""));
    fc.assert(
      fc.property(
        fc.record({
          title: words,
          typeLabel: words,
          name: words,
          audience: words,
          happening: words,
          impact: words,
          reason: words,
          kind: fc.integer({ min: 0, max: EVENTS.length - 1 }),
        }),
        (x) => {
          const [base] = EVENTS[x.kind]!;
          const event = withText(base, x.happening, x.impact, x.reason);
          const { html } = milestoneEmail(snapshot({ title: x.title, typeLabel: x.typeLabel }), event, {
            ...ctx,
            names: () => x.name,
            audienceLabel: x.audience,
          });
          expect(strayTags(html)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("emailDate", () => {
  it("writes the time in the policy's zone, summer and winter", () => {
    expect(emailDate("2026-12-07T14:05:00Z", "Europe/London")).toBe("14:05 GMT, Mon 7 Dec");
    expect(emailDate("2026-07-06T14:05:00Z", "Europe/London")).toBe("15:05 BST, Mon 6 Jul");
  });

  it("names the zone as its people write it, as the timeline does", () => {
    expect(emailDate("2026-12-07T14:05:00Z", "America/New_York")).toBe("09:05 EST, Mon 7 Dec");
    expect(emailDate("2026-12-07T14:05:00Z", "Australia/Sydney")).toBe("01:05 AEDT, Tue 8 Dec");
  });
});
