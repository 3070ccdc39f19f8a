import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { externalDeliveries } from "../../../src/db/schema/index.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { eventually } from "../../helpers/eventually.js";
import { readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { startSmtpServer, type TestSmtpServer } from "../../helpers/smtp.js";
import { startWebhookReceiver } from "../../helpers/webhook-receiver.js";

/**
 * Fault drill: the mail server is down and the status page answers 500s and 429s for 30 s
 * while incidents are logged, acknowledged, resolved and closed. After both recover, every
 * email and every webhook call PostgreSQL says was due has arrived exactly once.
 */
const OUTAGE_MS = 30_000;
const INCIDENTS = 4;
const SECRET = "drill-webhook-secret";

function withPlan(yaml: string, webhookUrl: string): string {
  const plan = `    communications:
      - label: Executives
        via: email
        to: [exec@example.com]
      - label: Status page
        via: webhook
        url: ${webhookUrl}
        secret_env: DRILL_WEBHOOK_SECRET
`;
  return yaml.replace("label: Service failure\n", `label: Service failure\n${plan}`);
}

describe("drill: mail server down and webhook receiver failing for 30 s", () => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    hook = await startWebhookReceiver();
    h = await startHarness({
      editPolicy: (yaml) => withPlan(yaml, hook.url),
      config: { email: { smtpUrl: smtp.url, from: "switchboard@cc.example" } },
      system: { env: { DRILL_WEBHOOK_SECRET: SECRET } },
      // The sweep re-queues what Redis no longer holds; here it only has to keep up.
      sweepIntervalMs: 2_000,
    });
  });
  afterAll(async () => {
    await h?.stop();
    await smtp?.close();
    await hook?.close();
  });

  it("delivers every email and webhook exactly once after both recover", async () => {
    await smtp.setDown(true);
    const outageStarted = Date.now();
    // 500s for the first half of the outage, then 429s asking for a second's patience.
    hook.answerWith(() =>
      Date.now() - outageStarted < OUTAGE_MS / 2
        ? { status: 500 }
        : { status: 429, headers: { "Retry-After": "1" } },
    );
    const ids: string[] = [];
    for (let i = 0; i < INCIDENTS; i++) {
      const incident = await readyIncident(h.system.deps, {
        impact: "high",
        urgency: "medium",
        title: `Drill ${i}`,
      });
      ids.push(incident.id);
      const deps = h.system.deps;
      await changeStatus(deps, { incidentId: incident.id, actor: USERS.lead, action: "acknowledge" });
      await changeStatus(deps, {
        incidentId: incident.id,
        actor: USERS.lead,
        action: "resolve",
        resolution: { summary: "Carrier restored", closeCode: "fixed" },
      });
      await changeStatus(deps, { incidentId: incident.id, actor: USERS.lead, action: "close" });
    }
    // Everything written during the outage is still waiting: nothing was lost to it.
    const during = await h.system.deps.db
      .select()
      .from(externalDeliveries)
      .where(inArray(externalDeliveries.incidentId, ids));
    expect(during.filter((r) => r.status === "sent")).toEqual([]);
    expect(during.filter((r) => r.status === "failed")).toEqual([]);

    // The outage lasts its 30 s, then both come back.
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    await smtp.setDown(false);
    hook.answerWith(() => ({ status: 200 }));

    // logged, acknowledged, resolved, closed: four milestones, two audiences, per incident.
    const expected = INCIDENTS * 4 * 2;
    const rows = await eventually(
      "every email and webhook delivered after the outage",
      async () => {
        const all = await h.system.deps.db
          .select()
          .from(externalDeliveries)
          .where(inArray(externalDeliveries.incidentId, ids));
        return all.length === expected && all.every((r) => r.status === "sent") ? all : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    expect(rows.some((r) => r.attempts > 1)).toBe(true);

    // Exactly once at the receivers: one accepted call per delivery id, one mail per Message-ID.
    const webhookIds = rows.filter((r) => r.via === "webhook").map((r) => r.id);
    const accepted = hook
      .accepted()
      .map((b) => String(b.id))
      .filter((id) => webhookIds.includes(id));
    expect(accepted.sort()).toEqual([...webhookIds].sort());
    const emailIds = rows.filter((r) => r.via === "email").map((r) => `<${r.id}@cc.example>`);
    const mailed = smtp.mails
      .map((m) => m.messageId)
      .filter((id): id is string => !!id && emailIds.includes(id));
    expect(mailed.sort()).toEqual([...emailIds].sort());
    // And each incident's story in the order it happened, per audience.
    for (const id of ids) {
      const story = await h.system.deps.db
        .select()
        .from(externalDeliveries)
        .where(eq(externalDeliveries.incidentId, id))
        .orderBy(externalDeliveries.seq);
      for (const via of ["email", "webhook"] as const)
        expect(story.filter((r) => r.via === via).map((r) => r.milestone)).toEqual([
          "logged",
          "acknowledged",
          "resolved",
          "closed",
        ]);
    }
  }, 300_000);
});
