import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { externalDeliveries, type IncidentRow, slaClocks, slaEvents } from "../../../src/db/schema/index.js";
import { verifyWebhook } from "../../../src/delivery/webhook.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { directMessagesTo } from "../../helpers/interact.js";
import { click, EVERY, form, walkEveryMilestone } from "../../helpers/milestone-walk.js";
import { formValue } from "../../helpers/slack-payloads.js";
import { startSmtpServer, type TestSmtpServer } from "../../helpers/smtp.js";
import { startWebhookReceiver } from "../../helpers/webhook-receiver.js";

const { text, when } = formValue;
const SECRET = "status-page-secret-for-tests";
const CALLER = "ACC-CALLER-99812";

/** A plan for service failures: Slack stakeholders, executives by email for P1–P2, a status page, a regulator. */
function withPlan(yaml: string, webhookUrl: string): string {
  const plan = `
    communications:
      - label: Stakeholders
        via: slack
        channels: [STAKE]
      - label: Executives
        via: email
        to: [exec@example.com, cfo@example.com]
        priorities: [P1, P2]
      - label: Status page
        via: webhook
        url: ${webhookUrl}
        secret_env: STATUS_PAGE_SECRET
      - label: Regulator
        via: email
        to: [incidents@regulator.example]
        notify: [logged, resolved, closed]
`;
  const stake = /service_failure:\n\s+label: Service failure\n\s+stakeholder_channels: \[(\w+),/.exec(
    yaml,
  )?.[1];
  if (!stake) throw new Error("test policy changed: no service_failure stakeholder channel");
  // Complaints: a desk whose address the mail server refuses, with a 3-second cadence of its own.
  const complaints = `
    communications:
      - label: Complaints desk
        via: email
        to: [gone@regulator.example]
        notify: [logged, update, resolved]
        update_every: 3s
`;
  return yaml
    .replace(
      "label: Service failure\n",
      `label: Service failure\n${plan.replace("STAKE", stake).replace(/^\n/, "")}`,
    )
    .replace("label: Complaint\n", `label: Complaint\n${complaints.replace(/^\n/, "")}`);
}

async function deliveriesOf(h: Harness, incident: IncidentRow) {
  return h.system.deps.db
    .select()
    .from(externalDeliveries)
    .where(eq(externalDeliveries.incidentId, incident.id))
    .orderBy(externalDeliveries.seq);
}

describe("a communication plan reaches email and webhook audiences", () => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    smtp = await startSmtpServer({
      reject: (stage, address) =>
        stage === "rcpt" && address === "gone@regulator.example"
          ? { code: 550, message: "5.1.1 No such mailbox" }
          : null,
    });
    hook = await startWebhookReceiver();
    h = await startHarness({
      editPolicy: (yaml) => withPlan(yaml, hook.url),
      config: { email: { smtpUrl: smtp.url, from: "Switchboard <switchboard@cc.example>" } },
      system: { env: { STATUS_PAGE_SECRET: SECRET } },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await smtp?.close();
    await hook?.close();
  });

  it("tells each audience each milestone it hears exactly once, signed, without the caller", async () => {
    const incident = await readyIncident(h.system.deps, {
      impact: "medium",
      urgency: "medium",
      callerReference: CALLER,
    });
    await walkEveryMilestone(h, incident);

    // The status page hears everything; executives once the incident is P2 (after the
    // re-categorisation); the regulator its three milestones.
    const executives = EVERY.slice(EVERY.indexOf("priority_changed")).filter((m) => m !== "update");
    const regulator = EVERY.filter((m) => m === "logged" || m === "resolved" || m === "closed");
    const rows = await eventually(
      "every email and webhook call sent",
      async () => {
        const all = await deliveriesOf(h, incident);
        const expected = EVERY.length + executives.length + regulator.length;
        return all.length === expected && all.every((r) => r.status === "sent") ? all : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const of = (label: string) => rows.filter((r) => r.audienceLabel === label).map((r) => r.milestone);
    expect(of("Status page")).toEqual(EVERY);
    expect(of("Executives")).toEqual(executives);
    expect(of("Regulator")).toEqual(regulator);

    // Webhooks: one call per delivery id, each verifying with the documented recipe.
    const calls = hook.calls.filter((c) => JSON.parse(c.body).incident?.id === incident.id);
    expect(calls.map((c) => JSON.parse(c.body).event)).toEqual(EVERY);
    expect(new Set(calls.map((c) => JSON.parse(c.body).id)).size).toBe(calls.length);
    for (const call of calls) {
      const verified = (secret: string) =>
        verifyWebhook({
          secret,
          timestamp: call.headers["x-switchboard-timestamp"] as string,
          signature: call.headers["x-switchboard-signature"] as string,
          rawBody: call.body,
          nowSeconds: Math.floor(Date.now() / 1000),
        });
      expect(verified(SECRET)).toBe(true);
      expect(verified("not-the-secret")).toBe(false);
    }

    // Emails: one per delivery (its Message-ID), to the audience's addresses only.
    const mails = smtp.mails.filter((m) =>
      m.subject.includes(`INC-${String(incident.number).padStart(6, "0")}`),
    );
    const ids = rows.filter((r) => r.via === "email").map((r) => `<${r.id}@cc.example>`);
    expect(mails.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    const executiveMails = mails.filter((m) => m.envelope.to.includes("exec@example.com"));
    expect(executiveMails).toHaveLength(executives.length);
    for (const m of executiveMails)
      expect(m.envelope.to.sort()).toEqual(["cfo@example.com", "exec@example.com"]);
    const resolvedMail = mails.find(
      (m) => m.envelope.to.includes("incidents@regulator.example") && /resolved/i.test(m.subject),
    );
    expect(resolvedMail?.text).toContain("Carrier fixed the route");

    // Never the caller reference, in any email or webhook body.
    expect(JSON.stringify({ mails, calls })).not.toContain(CALLER);

    // On the record: each send logged with its audience, never the addresses.
    const log = await listLog(h.system.deps.db, incident.id);
    const sent = log.filter((e) => e.kind === "communication_sent");
    expect(sent).toHaveLength(rows.length);
    expect(JSON.stringify(sent)).not.toContain("exec@example.com");
    expect(sent.find((e) => e.details.audience === "Executives")?.details).toMatchObject({
      via: "email",
      recipients: 2,
    });
  });

  it("sends an update only to the audiences its author ticked", async () => {
    const incident = await readyIncident(h.system.deps, { impact: "high", urgency: "high" });
    const before = (await deliveriesOf(h, incident)).length;
    await click(h, incident, CARD_ACTION.acknowledge, USERS.lead);
    const opened = await click(h, incident, CARD_ACTION.update, USERS.lead);
    const blocks = JSON.stringify(opened.view?.view.blocks ?? []);
    // The form offers every audience that hears updates (not the regulator) and ticks them all.
    expect(blocks).toContain("Status page");
    expect(blocks).toContain("Executives");
    expect(blocks).not.toContain("Regulator");
    await form(
      h,
      incident,
      CARD_ACTION.update,
      {
        happening: text("Rerouting to the backup carrier"),
        customer_impact: text("Callers may hear a short silence"),
        next_update: when(new Date(Date.now() + 30 * 60_000)),
        audiences: { value: { type: "checkboxes", selected_options: [{ value: "status_page" }] } },
      },
      USERS.lead,
    );
    const updates = await eventually("the update sent", async () => {
      const rows = (await deliveriesOf(h, incident)).slice(before).filter((r) => r.milestone === "update");
      return rows.length > 0 && rows.every((r) => r.status === "sent") ? rows : undefined;
    });
    expect(updates.map((r) => r.audienceLabel)).toEqual(["Status page"]);
    const update = await eventually("the update logged", async () =>
      (await listLog(h.system.deps.db, incident.id)).find((e) => e.kind === "update_written"),
    );
    expect(update.details).toMatchObject({ audiences: ["status_page"] });
    // Slack stakeholders were unticked: no update post in their channel.
    const posts = h.slack.messagesIn(h.channels.stake).filter((m) => JSON.stringify(m).includes("Rerouting"));
    expect(posts).toEqual([]);
  });

  it("records a refused email as failed and tells the person responsible", async () => {
    const incident = await readyIncident(h.system.deps, { type: "complaint", impact: "low", urgency: "low" });
    const failed = await eventually(
      "the refused email recorded",
      async () => (await deliveriesOf(h, incident)).find((r) => r.status === "failed"),
      { timeoutMs: 30_000 },
    );
    expect(failed).toMatchObject({ audienceLabel: "Complaints desk", milestone: "logged", attempts: 1 });
    expect(failed.lastError).toMatch(/550/);
    const log = await listLog(h.system.deps.db, incident.id);
    expect(log.find((e) => e.kind === "communication_failed")?.details).toMatchObject({
      via: "email",
      audience: "Complaints desk",
    });
    // Unowned: the reporter hears, in a DM that names the audience, not its address.
    const dm = await h.slack.waitFor(() =>
      directMessagesTo(h, incident.reporterId).find((m) =>
        String(m.text).includes("couldn't deliver the email to *Complaints desk*"),
      ),
    );
    expect(String(dm.text)).not.toContain("gone@regulator.example");
  });

  it("runs an audience's own update clock: it breaches and escalates, and an update to it starts it again", async () => {
    const incident = await readyIncident(h.system.deps, { type: "complaint", impact: "low", urgency: "low" });
    const clockName = "comms_complaints_desk";
    const breach = await eventually(
      "the audience's cadence to breach",
      async () => {
        const steps = (
          await h.system.deps.db
            .select({ step: slaEvents.step })
            .from(slaEvents)
            .innerJoin(slaClocks, eq(slaClocks.id, slaEvents.clockId))
            .where(and(eq(slaClocks.incidentId, incident.id), eq(slaClocks.name, clockName)))
            .orderBy(slaEvents.firedAt)
        ).map((e) => e.step);
        return steps.includes("breach") ? steps : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(breach.indexOf("warn-0")).toBeLessThan(breach.indexOf("breach"));
    // Escalated on the type's ladder: the team lead is asked, naming the audience.
    await h.slack.waitFor(() =>
      directMessagesTo(h, USERS.lead).find((m) => JSON.stringify(m).includes("Update to complaints desk")),
    );
    const [before] = await h.system.deps.db
      .select()
      .from(slaClocks)
      .where(and(eq(slaClocks.incidentId, incident.id), eq(slaClocks.name, clockName)));
    await click(h, incident, CARD_ACTION.acknowledge, USERS.lead);
    await form(
      h,
      incident,
      CARD_ACTION.update,
      {
        happening: text("Complaint passed to the billing team"),
        customer_impact: text("One customer waiting for a refund"),
        next_update: when(new Date(Date.now() + 30 * 60_000)),
      },
      USERS.lead,
    );
    const after = await eventually("the cadence clock started again", async () => {
      const [clock] = await h.system.deps.db
        .select()
        .from(slaClocks)
        .where(and(eq(slaClocks.incidentId, incident.id), eq(slaClocks.name, clockName)));
      return clock && clock.generation > (before?.generation ?? 0) && clock.breachedAt === null
        ? clock
        : undefined;
    });
    expect(after.state).toBe("running");
    expect(after.startedAt.getTime()).toBeGreaterThan(before!.startedAt.getTime());
  });
});
