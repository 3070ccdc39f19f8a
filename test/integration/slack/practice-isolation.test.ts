import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { externalDeliveries, type IncidentRow, outbox, practiceRuns } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { periodOfDays } from "../../../src/domain/report-period.js";
import type { RecordedCall } from "../../../src/emulator/types.js";
import { CARD_ACTION, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { publishHome } from "../../../src/services/home.js";
import { kpiCsv } from "../../../src/services/kpi-csv.js";
import { reportFigures } from "../../../src/services/kpi-report.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, makeIncident, readyIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply } from "../../helpers/interact.js";
import { click, form } from "../../helpers/milestone-walk.js";
import { settled } from "../../helpers/settled.js";
import { formValue } from "../../helpers/slack-payloads.js";
import { startWebhookReceiver } from "../../helpers/webhook-receiver.js";

const { text, choice, when } = formValue;

/**
 * At the drill's 30× a minute-long P1 target is two seconds: an unacknowledged drill breaches
 * and climbs its ladder a rung every two seconds.
 */
const SLA = `
sla:
  P1: { respond: 60s, update_every: 30m, resolve: 2h, hours: always, repeat: 60s }
  P2: { respond: 30m, update_every: 1h, resolve: 8h, hours: always, repeat: 30m }
  P3: { respond: 2h, update_every: 4h, resolve: 2d, hours: always, repeat: 1h }
  P4: { respond: 4h, update_every: 1d, resolve: 5d, hours: always, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: always, repeat: 1d }
`;

/**
 * Service failures also tell a status page by webhook, so a drill has something external to
 * skip; requests for help go to a support channel (the complaints team's).
 */
const withStatusPage = (url: string) => (yaml: string) =>
  `${yaml}\nsupport_channel: ${/complaint:\n\s+label: Complaint\n\s+stakeholder_channels: \[(\w+)\]/.exec(yaml)?.[1]}\n`.replace(
    "label: Service failure\n",
    `label: Service failure\n    communications:\n      - label: Status page\n        via: webhook\n        url: ${url}\n        secret_env: STATUS_PAGE_SECRET\n`,
  );

/** The drill's lead runs it; the agent is the trainee. The duty manager and head take no part. */
const LEAD = USERS.lead;
const TRAINEE = USERS.agent;
const PARTICIPANTS = new Set<string>([LEAD, TRAINEE]);
const CALLER = "ACC-DRILL-55120";

let h: Harness;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let drill: IncidentRow;
let ref: string;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  h = await startHarness({
    sla: SLA,
    editPolicy: withStatusPage(hook.url),
    system: { env: { STATUS_PAGE_SECRET: "drill-secret" } },
  });
});
afterAll(async () => {
  await h?.stop();
  await hook?.close();
});

const deps = () => h.system.deps;

/** Every place a recorded Slack call reaches: channels and people. */
function reachedBy(call: RecordedCall): { channels: string[]; users: string[] } {
  const a = call.args;
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? [v] : []);
  const channels = [...str(a.channel), ...str(a.channel_id)];
  const users = [
    ...str(a.users).flatMap((u) => u.split(",")),
    ...str(a.user),
    ...channels.filter((c) => c.startsWith("U") || c.startsWith("W")),
  ];
  return { channels: channels.filter((c) => !users.includes(c)), users };
}

/** Why a call reached somewhere real (a channel other than the drill's, or a non-participant); null if not. */
function violation(call: RecordedCall): string | null {
  const { channels, users } = reachedBy(call);
  for (const user of users) if (!PARTICIPANTS.has(user)) return `${call.method} to ${user}`;
  for (const channel of channels) {
    if (channel === drill.channelId) continue;
    const c = h.slack.channels.get(channel);
    const people = [...(c?.members ?? [])].filter((m) => m !== h.slack.botUserId);
    if (c?.is_im && people.every((m) => PARTICIPANTS.has(m))) continue;
    return `${call.method} in ${c?.name ?? channel}`;
  }
  // Another person's Home may be drawn, but never with the drill on it.
  if (call.method === "views.publish" && !PARTICIPANTS.has(String(call.args.user_id))) {
    if (JSON.stringify(call.args.view).includes(ref))
      return `views.publish to ${call.args.user_id} shows ${ref}`;
  }
  return null;
}

const drillText = () =>
  h.slack
    .messagesIn(drill.channelId!)
    .map((m) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`)
    .join("\n");

describe("a practice drill touches nothing real", () => {
  it("logs, breaches, escalates, updates, briefs, resolves and closes inside its own channel", async () => {
    const [run] = await deps()
      .db.insert(practiceRuns)
      .values({
        scenarioKey: "telephony_outage_flood",
        scenario: { key: "telephony_outage_flood" },
        speed: 30,
        leadId: LEAD,
        traineeIds: [TRAINEE],
      })
      .returning();
    const { incident } = await makeIncident(deps(), {
      title: "Main number cuts off after one ring",
      impact: "high",
      urgency: "high",
      callerReference: CALLER,
      reporterId: TRAINEE,
      practice: { runId: run!.id, speed: 30 },
    });
    await setupCompleted(deps(), incident.id);
    drill = await loadIncident(deps(), incident.id);
    ref = formatReference(drill.number);
    expect(drill.practiceRunId).toBe(run!.id);

    // Left unacknowledged, the respond clock breaches and the ladder climbs past the lead:
    // the duty manager's and head's DMs land in the drill's channel, naming who would get them.
    await eventually(
      "escalations past the lead shown in the drill's channel",
      async () => /would DM <@U0DUTY>/.test(drillText()) && /would DM <@U0HEAD>/.test(drillText()),
      { timeoutMs: 30_000 },
    );
    // The announcement to the stakeholder channels shows there too, tagged with each channel.
    await eventually("the announcement shown in the drill's channel", async () =>
      [h.channels.stake, h.channels.telephony].every((c) =>
        drillText().includes(`would go to <#${c}> (stakeholders)`),
      ),
    );

    await click(h, drill, CARD_ACTION.acknowledge, TRAINEE);
    await eventually("acknowledged", async () => (await loadIncident(deps(), drill.id)).acknowledgedAt);
    await form(
      h,
      drill,
      CARD_ACTION.update,
      {
        happening: text("Carrier is rerouting calls"),
        customer_impact: text("Callers hear one ring, then silence"),
        next_update: when(new Date(Date.now() + 30 * 60_000)),
      },
      TRAINEE,
    );
    await form(
      h,
      drill,
      FLOOR_ACTION.briefAgents,
      {
        briefing_affected: text("The main customer number"),
        briefing_script: text("We know about a problem with our main number and are fixing it."),
        briefing_next_update: when(new Date(Date.now() + 30 * 60_000)),
      },
      TRAINEE,
    );
    await form(
      h,
      drill,
      FLOOR_ACTION.askForHelp,
      { help_request: text("Need a second pair of hands") },
      TRAINEE,
    );
    await eventually(
      "the update, briefing, help request and plan line shown in the drill's channel",
      async () => {
        const shown = drillText();
        return (
          shown.includes(`would go to <#${h.channels.floor}> (agents on the floor)`) &&
          shown.includes("Carrier is rerouting calls") &&
          shown.includes(`would go to <#${h.channels.complaints}> (the support team)`) &&
          shown.includes("Practice: nobody is told. Would tell:") &&
          /would go to <#\w+> \(stakeholders\)[\s\S]*Carrier is rerouting/.test(shown)
        );
      },
      { timeoutMs: 30_000 },
    );

    // While it is open: listed to those who take part, to nobody else, and on no one else's Home.
    expect(await commandReply(h, "list", { user: USERS.other })).not.toContain(ref);
    expect(await commandReply(h, "list", { user: TRAINEE })).toContain(ref);
    await publishHome(deps(), USERS.other);
    await publishHome(deps(), USERS.duty);
    const homes = h.slack.callsTo("views.publish").filter((c) => c.args.user_id === USERS.other);
    expect(homes.length).toBeGreaterThan(0);
    expect(JSON.stringify(homes.at(-1)!.args.view)).not.toContain(ref);

    const resolve = { resolution_summary: text("Carrier fixed the route"), close_code: choice("fixed") };
    await form(h, drill, CARD_ACTION.resolve, resolve, LEAD);
    await eventually("resolved", async () => (await loadIncident(deps(), drill.id)).status === "resolved");
    // The briefing shown in the drill's channel turns into its resolved banner, still tagged.
    const banner = await h.slack.waitFor(() =>
      h.slack
        .messagesIn(drill.channelId!)
        .find((m) => m.edited && JSON.stringify(m.blocks).includes("RESOLVED")),
    );
    expect(JSON.stringify(banner.blocks)).toContain(
      `would go to <#${h.channels.floor}> (agents on the floor)`,
    );
    expect((await click(h, drill, CARD_ACTION.close, LEAD)).text).toContain("Closed");
    await settled(deps(), { incidentIds: [drill.id] });

    // Over every Slack call so far: nothing reached a real channel or a person not taking part.
    const problems = h.slack.calls.map(violation).filter((v): v is string => v !== null);
    expect(problems).toEqual([]);
    for (const channel of Object.values(h.channels)) expect(h.slack.messagesIn(channel)).toEqual([]);
    // Every post about the drill was written to its channel or a participant's DM.
    const rows = await deps().db.select().from(outbox).where(eq(outbox.incidentId, drill.id));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect([drill.channelId, LEAD, TRAINEE]).toContain(row.channel);
    // No email or webhook was even written, let alone sent.
    expect(
      await deps().db.select().from(externalDeliveries).where(eq(externalDeliveries.incidentId, drill.id)),
    ).toEqual([]);
    expect(hook.calls).toEqual([]);
  }, 120_000);

  it("is left out of the KPI report, its CSV and the digest's figures, where a real incident counts", async () => {
    const real = await readyIncident(deps(), { impact: "high", urgency: "high", title: "Real outage" });
    // The real incident's plan is live: its status page delivery is written.
    await eventually("the real incident's webhook delivery", async () =>
      (await deps().db.select().from(externalDeliveries).where(eq(externalDeliveries.incidentId, real.id)))
        .length > 0
        ? true
        : undefined,
    );
    const today = new Date().toISOString().slice(0, 10);
    const period = periodOfDays(today, today, "UTC")!;
    const figures = await reportFigures(deps(), period, new Date());
    const total = figures.byPriority.find((p) => p.priority === null);
    expect(total).toMatchObject({ incidents: 1 });
    const csv = (await kpiCsv(deps().db, { ...period, timezone: "UTC" })).bytes.toString("utf8");
    expect(csv).toContain(formatReference(real.number));
    expect(csv).not.toContain(ref);
  });
});
