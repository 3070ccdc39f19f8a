import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { briefingConfirmations, briefings, type IncidentRow } from "../../../src/db/schema/index.js";
import type { FakeMessage, FakeView } from "../../../src/emulator/types.js";
import { CARD_ACTION, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { briefAgents, confirmBriefing } from "../../../src/services/floor.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, type makeIncident, readyIncident as makeReady } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { formValue } from "../../helpers/slack-payloads.js";

/** The stakeholder channel listed first under an incident type in the test policy. */
function firstChannelOf(yaml: string, type: string): string {
  const match = new RegExp(`${type}:\\n[\\s\\S]*?stakeholder_channels: \\[(\\w+)`).exec(yaml);
  if (!match?.[1]) throw new Error(`no channel for ${type}`);
  return match[1];
}

/**
 * Two teams (A led by the lead, B by "other"); the agent is on team A, whose support channel is
 * the complaints channel; security breaches have their own (the security channel); everyone
 * else's requests go to the policy's (the telephony channel).
 */
function twoTeams(yaml: string): string {
  const security = firstChannelOf(yaml, "security_breach");
  const complaints = firstChannelOf(yaml, "complaint");
  const telephony = /service_failure:[\s\S]*?stakeholder_channels: \[\w+, (\w+)\]/.exec(yaml)?.[1];
  return `${yaml.replace(
    "security_breach:\n    label: Security breach\n",
    `security_breach:\n    label: Security breach\n    support_channel: ${security}\n`,
  )}
support_channel: ${telephony}
teams:
  floor_a:
    label: Floor A
    team_lead: [${USERS.lead}]
    members: [${USERS.agent}]
    support_channel: ${complaints}
  floor_b:
    label: Floor B
    team_lead: [${USERS.other}]
`;
}

/** Every test incident's caller reference (personal data) starts so (factories.ts). */
const CALLER_REFERENCE_PREFIX = "ACC-";

const { text, when } = formValue;
const number = (value: string) => ({ value: { type: "number_input", value } });

function helpers(get: () => Harness) {
  const deps = () => get().system.deps;
  const readyIncident = (overrides: Parameters<typeof makeIncident>[1] = {}) => makeReady(deps(), overrides);
  const click = (p: { channel: string; ts: string; actionId: string; value: string }, user?: string) =>
    clickButton(get(), p, user);
  const cardClick = (incident: IncidentRow, actionId: string, user: string = USERS.agent) =>
    click({ channel: incident.channelId!, ts: incident.summaryTs!, actionId, value: incident.id }, user);
  const submitForm = (view: FakeView, state: Record<string, unknown>, user?: string) =>
    submitView(get(), view, state, user);
  /** The pinned card once it shows `needle`. */
  const cardShowing = (incident: IncidentRow, needle: string) =>
    get().slack.waitFor(() => {
      const card = get()
        .slack.messagesIn(incident.channelId!)
        .find((m) => m.ts === incident.summaryTs);
      return card && JSON.stringify(card.blocks).includes(needle) ? card : undefined;
    });
  const logOf = async (incident: IncidentRow, kind: string) =>
    (await listLog(deps().db, incident.id)).filter((e) => e.kind === kind);
  return { deps, readyIncident, click, cardClick, submitForm, cardShowing, logOf };
}

describe("with two teams and support channels", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ editPolicy: twoTeams });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const { deps, readyIncident, click, cardClick, submitForm, cardShowing, logOf } = helpers(() => h);

  const briefingPostIn = (channel: string, incidentNeedle: string) =>
    h.slack.waitFor(() =>
      h.slack
        .messagesIn(channel)
        .find((m) => m.text?.startsWith("Agent briefing") && m.text.includes(incidentNeedle)),
    );
  const teamBriefed = (post: FakeMessage, briefingId: string, user: string) =>
    click(
      { channel: post.channel, ts: post.ts, actionId: FLOOR_ACTION.teamBriefed, value: briefingId },
      user,
    );

  it("posts a briefing to the agents' channel, and both team leads confirm it once each", async () => {
    const incident = await readyIncident({ impact: "high", urgency: "high", title: "Card payments down" });
    const opened = await cardClick(incident, FLOOR_ACTION.briefAgents);
    expect(opened.view?.view.callback_id).toBe("incident_brief_agents_modal");
    const next = new Date(Date.now() + 30 * 60_000);
    const answer = await submitForm(opened.view!, {
      briefing_affected: text("Card payments on the website and the phone line"),
      briefing_script: text("We know about it and are fixing it; no need to call back."),
      briefing_workaround: text("Pay by bank transfer"),
      briefing_next_update: when(next),
    });
    expect(answer).toEqual({});

    const ref = `INC-${String(incident.number).padStart(6, "0")}`;
    const post = await briefingPostIn(h.channels.floor, ref);
    const body = JSON.stringify(post.blocks);
    expect(body).toContain("no need to call back");
    expect(body).toContain("Pay by bank transfer");
    expect(body).toContain(FLOOR_ACTION.teamBriefed);
    expect(body).toContain("Teams briefed: 0 of 2");
    expect(body).not.toContain(CALLER_REFERENCE_PREFIX);

    const [briefing] = await deps().db.select().from(briefings).where(eq(briefings.incidentId, incident.id));
    expect(briefing).toMatchObject({ author: USERS.agent, workaround: "Pay by bank transfer" });
    const posted = await logOf(incident, "briefing_posted");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.details).toMatchObject({ briefingId: briefing!.id, channels: [h.channels.floor] });
    await cardShowing(incident, "Teams briefed: 0 of 2");
    // The incident channel's own story says who briefed the floor, and where.
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find((m) =>
          String(m.text).includes(`<@${USERS.agent}> briefed the agents in <#${h.channels.floor}>.`),
        ),
    );

    // An agent is not a team lead.
    const refused = await teamBriefed(post, briefing!.id, USERS.agent);
    expect(refused.text).toMatch(/Only a team lead/);

    // A double click: both land together; the incident's lock lets one confirm.
    const answers = await Promise.all([
      teamBriefed(post, briefing!.id, USERS.lead),
      teamBriefed(post, briefing!.id, USERS.lead),
    ]);
    const texts = answers.map((a) => a.text).sort();
    expect(texts[0]).toMatch(/^Already/);
    expect(texts[1]).toContain("Floor A marked as briefed");
    const oneOfTwo = await cardShowing(incident, "Teams briefed: 1 of 2");
    expect(JSON.stringify(oneOfTwo.blocks)).toMatch(/Floor A\*: briefed, confirmed by <@U0LEAD>/);
    expect(JSON.stringify(oneOfTwo.blocks)).toMatch(/Floor B\*: waiting for confirmation \(<@U0OTHER>\)/);
    await h.slack.waitFor(() => {
      const now = h.slack.messagesIn(post.channel).find((m) => m.ts === post.ts);
      return now?.edited && JSON.stringify(now.blocks).includes("Teams briefed: 1 of 2") ? now : undefined;
    });

    const again = await teamBriefed(post, briefing!.id, USERS.lead);
    expect(again.text).toMatch(/Already confirmed/);

    const second = await teamBriefed(post, briefing!.id, USERS.other);
    expect(second.text).toContain("Floor B marked as briefed");
    await cardShowing(incident, "Teams briefed: 2 of 2");

    const rows = await deps()
      .db.select()
      .from(briefingConfirmations)
      .where(eq(briefingConfirmations.briefingId, briefing!.id));
    expect(rows.map((r) => [r.team, r.leadId]).sort()).toEqual([
      ["floor_a", USERS.lead],
      ["floor_b", USERS.other],
    ]);
    const confirmed = await logOf(incident, "briefing_confirmed");
    expect(confirmed.map((e) => [e.details.team, e.details.lead])).toEqual([
      ["floor_a", USERS.lead],
      ["floor_b", USERS.other],
    ]);
  });

  it("a briefing post still waiting for Slack goes out showing the confirmations made meanwhile", async () => {
    const incident = await readyIncident({ title: "Web chat down" });
    // Slack refuses the first tries, so the post waits in the outbox while a lead confirms.
    h.slack.failNext("chat.postMessage", { status: 503, times: 3, channel: h.channels.floor });
    const briefed = await briefAgents(deps(), {
      incidentId: incident.id,
      actor: USERS.agent,
      affected: "Web chat",
      script: "Chat is down; please take the call.",
      workaround: null,
      nextUpdateAt: null,
    });
    expect(briefed.ok).toBe(true);
    const [briefing] = await deps().db.select().from(briefings).where(eq(briefings.incidentId, incident.id));
    const confirmed = await confirmBriefing(deps(), { briefingId: briefing!.id, actor: USERS.lead });
    expect(confirmed.ok).toBe(true);

    const ref = `INC-${String(incident.number).padStart(6, "0")}`;
    const post = await briefingPostIn(h.channels.floor, ref);
    expect(JSON.stringify(post.blocks)).toContain("Teams briefed: 1 of 2");
    expect(post.edited).toBeFalsy();
  });

  it("records the contact-centre impact, shows it on the card and in the next stakeholder update", async () => {
    const incident = await readyIncident({ title: "Queue overflow" });
    const opened = await cardClick(incident, FLOOR_ACTION.recordImpact);
    const answer = await submitForm(opened.view!, {
      impact_calls_queued: number("42"),
      impact_abandonment_rate: number("12.5"),
      impact_affected_queue: text("Billing"),
    });
    expect(answer).toEqual({});
    const stored = await eventually("impact stored", async () => {
      const row = await loadIncident(deps(), incident.id);
      return row.impactRecordedAt ? row : null;
    });
    expect(stored).toMatchObject({ callsQueued: 42, abandonmentRate: 12.5, affectedQueue: "Billing" });
    const [logged] = await logOf(incident, "impact_recorded");
    expect(logged!.details.changes).toEqual([
      { field: "callsQueued", from: null, to: 42 },
      { field: "abandonmentRate", from: null, to: 12.5 },
      { field: "affectedQueue", from: null, to: "Billing" },
    ]);
    const card = await cardShowing(incident, "Contact-centre impact");
    expect(JSON.stringify(card.blocks)).toContain("12.5%");

    const update = await cardClick(incident, CARD_ACTION.update);
    await submitForm(update.view!, {
      happening: text("Extra agents moved onto Billing"),
      customer_impact: text("Long waits on the billing line"),
      next_update: when(new Date(Date.now() + 60 * 60_000)),
    });
    const posted = await h.slack.waitFor(() =>
      h.slack
        .messagesIn(h.channels.stake)
        .find((m) => JSON.stringify(m.blocks).includes("Extra agents moved onto Billing")),
    );
    const blocks = JSON.stringify(posted.blocks);
    expect(blocks).toContain("Contact-centre impact");
    expect(blocks).toContain("*Calls queued*\\n42");
    expect(blocks).toContain("12.5%");
    expect(blocks).toContain("Billing");
  });

  it("sends a request for help to the type's, the team's or the policy's support channel, and logs it", async () => {
    const cases = [
      { type: "security_breach", asker: USERS.agent, channel: h.channels.security, via: "incident_type" },
      { type: "service_failure", asker: USERS.agent, channel: h.channels.complaints, via: "team" },
      { type: "service_failure", asker: USERS.duty, channel: h.channels.telephony, via: "policy" },
    ];
    for (const c of cases) {
      const incident = await readyIncident({ type: c.type, title: `Help via ${c.via}` });
      // Whoever presses the card's button has joined the incident channel.
      h.slack.channels.get(incident.channelId!)!.members.add(c.asker);
      const opened = await cardClick(incident, FLOOR_ACTION.askForHelp, c.asker);
      expect(
        await submitForm(
          opened.view!,
          { help_request: text(`Need a second pair of hands (${c.via})`) },
          c.asker,
        ),
      ).toEqual({});
      const post = await h.slack.waitFor(() =>
        h.slack.messagesIn(c.channel).find((m) => m.text?.includes(`Need a second pair of hands (${c.via})`)),
      );
      const blocks = JSON.stringify(post.blocks);
      expect(blocks).toContain(`Help via ${c.via}`);
      expect(blocks).toContain(`<#${incident.channelId}>`);
      expect(blocks).toContain(`<@${c.asker}>`);
      expect(blocks).not.toContain(CALLER_REFERENCE_PREFIX);
      const [logged] = await logOf(incident, "help_requested");
      expect(logged!.details).toMatchObject({ via: c.via, to: [c.channel] });
      expect(logged!.actor).toBe(c.asker);
      const told = await h.slack.waitFor(() =>
        h.slack.ephemerals.find((e) => e.user === c.asker && e.text?.includes(`<#${c.channel}>`)),
      );
      expect(told.text).toContain("is on its way to");
      await h.slack.waitFor(() =>
        h.slack
          .messagesIn(incident.channelId!)
          .find((m) => String(m.text).includes(`<@${c.asker}> asked for help in <#${c.channel}>.`)),
      );
    }
  });

  it("keeps the forms open with field errors on bad input, and stores nothing", async () => {
    const incident = await readyIncident({ title: "Bad input" });
    const brief = await cardClick(incident, FLOOR_ACTION.briefAgents);
    const briefAnswer = await submitForm(brief.view!, {
      briefing_affected: text("   "),
      briefing_script: text("Say sorry"),
      briefing_next_update: when(new Date(Date.now() - 3_600_000)),
    });
    expect(briefAnswer.response_action).toBe("errors");
    expect(briefAnswer.errors?.briefing_affected).toMatch(/required/);
    expect(briefAnswer.errors?.briefing_next_update).toMatch(/future/);

    const impact = await cardClick(incident, FLOOR_ACTION.recordImpact);
    const empty = await submitForm(impact.view!, {
      impact_calls_queued: number(""),
      impact_abandonment_rate: number(""),
      impact_affected_queue: text(""),
    });
    expect(empty.errors?.impact_calls_queued).toMatch(/at least one/);
    const wrong = await submitForm(impact.view!, {
      impact_calls_queued: number("-3"),
      impact_abandonment_rate: number("150"),
      impact_affected_queue: text("x".repeat(101)),
    });
    expect(wrong.errors?.impact_calls_queued).toMatch(/whole number/);
    expect(wrong.errors?.impact_abandonment_rate).toMatch(/100/);
    expect(wrong.errors?.impact_affected_queue).toMatch(/at most 100/);
    const decimals = await submitForm(impact.view!, { impact_abandonment_rate: number("12.55") });
    expect(decimals.errors?.impact_abandonment_rate).toMatch(/one decimal/);

    const help = await cardClick(incident, FLOOR_ACTION.askForHelp);
    const noHelp = await submitForm(help.view!, { help_request: text("") });
    expect(noHelp.errors?.help_request).toMatch(/required/);
    const longHelp = await submitForm(help.view!, { help_request: text("y".repeat(501)) });
    expect(longHelp.errors?.help_request).toMatch(/at most 500/);

    const after = await loadIncident(deps(), incident.id);
    expect(after.impactRecordedAt).toBeNull();
    expect(after.version).toBe(incident.version);
    expect(await deps().db.select().from(briefings).where(eq(briefings.incidentId, incident.id))).toEqual([]);
    for (const kind of ["briefing_posted", "impact_recorded", "help_requested"])
      expect(await logOf(incident, kind)).toEqual([]);
  });
});

describe("without agents' channels or support channels", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ editPolicy: (yaml) => yaml.replace(/agent_channels: \[\w+\]\n/, "") });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const { readyIncident, cardClick, submitForm, logOf } = helpers(() => h);

  it("refuses to brief agents, saying where to configure the channel", async () => {
    const incident = await readyIncident();
    const answer = await cardClick(incident, FLOOR_ACTION.briefAgents);
    expect(answer.view).toBeUndefined();
    expect(answer.text).toContain("agent_channels");
  });

  it("sends a request for help to the asker's team lead by direct message", async () => {
    const incident = await readyIncident({ title: "Help by DM" });
    const opened = await cardClick(incident, FLOOR_ACTION.askForHelp);
    expect(await submitForm(opened.view!, { help_request: text("Who can approve refunds?") })).toEqual({});
    const dm = await h.slack.waitFor(() =>
      h.slack
        .callsTo("chat.postMessage")
        .find(
          (c) => c.ok && c.args.channel === USERS.lead && String(c.args.text).includes("approve refunds"),
        ),
    );
    expect(JSON.stringify(dm.args.blocks)).toContain("Help by DM");
    const [logged] = await logOf(incident, "help_requested");
    expect(logged!.details).toMatchObject({ via: "team_leads", to: [USERS.lead] });
    await h.slack.waitFor(() =>
      h.slack
        .messagesIn(incident.channelId!)
        .find((m) =>
          String(m.text).includes(`<@${USERS.agent}> asked for help from the team leads by direct message.`),
        ),
    );
  });
});
