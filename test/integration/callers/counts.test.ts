import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kpiFigures } from "../../../src/db/queries/kpi.js";
import { createLogger } from "../../../src/lib/logger.js";
import { type AddCallerInput, addCallerReport } from "../../../src/services/callers.js";
import { kpiCsv } from "../../../src/services/kpi-csv.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { postStakeholderUpdate } from "../../../src/services/notes-and-updates.js";
import { reviewFactLines } from "../../../src/services/review.js";
import { callerInput } from "../../helpers/callers.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply, openHome } from "../../helpers/interact.js";
import { startWebhookReceiver } from "../../helpers/webhook-receiver.js";

/**
 * Caller counts beyond the card: stakeholder updates and milestone notices, the Home tab,
 * `/incident show` for someone not working the incident, the review facts, the KPI report and
 * its CSV, the webhook to a status page. Each shows how many called; none shows who (their references and callback contacts
 * are distinctive here, and looked for everywhere at the end).
 */

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});

/** Service failures also tell a status page by webhook (every milestone and update). */
function withStatusPage(yaml: string, url: string): string {
  const plan = [
    "    communications:",
    "      - label: Stakeholders",
    "        via: slack",
    "        channels: [STAKE]",
    "      - label: Status page",
    "        via: webhook",
    `        url: ${url}`,
    "        secret_env: STATUS_PAGE_SECRET",
  ].join("\n");
  const stake = /service_failure:\n\s+label: Service failure\n\s+stakeholder_channels: \[(\w+),/.exec(
    yaml,
  )?.[1];
  if (!stake) throw new Error("test policy changed: no service_failure stakeholder channel");
  return yaml.replace(
    "label: Service failure\n",
    `label: Service failure\n${plan.replace("STAKE", stake)}\n`,
  );
}

let h: Harness;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  hook = await startWebhookReceiver();
  h = await startHarness({
    logger: createLogger("trace", sink),
    editPolicy: (yaml) => withStatusPage(yaml, hook.url),
    system: { env: { STATUS_PAGE_SECRET: "status-page-secret-for-counts" } },
  });
});
afterAll(async () => {
  await h?.stop();
  await hook?.close();
});

/** The webhook bodies the status page received for this event. */
const hooked = (event: string) =>
  hook.calls
    .map((c) => JSON.parse(c.body) as { event: string; incident: { callers: number } })
    .filter((b) => b.event === event);

const deps = () => h.system.deps;
const FIRST = "ACC-COUNTS-0001";
const PERSONAL = [FIRST, "ACC-COUNTS-", "07700 900", "caller-counts@example.com", "said privately"];

const caller = (incidentId: string, over: Partial<AddCallerInput> = {}) =>
  callerInput(incidentId, "COUNTS", { said: "It said privately that my card was declined", ...over });

const noPersonalData = (text: string) => {
  for (const p of PERSONAL) expect(text).not.toContain(p);
};

/** The App Home `user` is shown once they open it. */
const homeOf = async (user: string): Promise<string> => JSON.stringify((await openHome(h, user)).view);

describe("caller counts where they matter, never who called", () => {
  let incidentId = "";
  let reference = "";

  it("a stakeholder update and a milestone notice say how many customers called so far", async () => {
    const incident = await readyIncident(deps(), { title: "Card payments failing", callerReference: FIRST });
    incidentId = incident.id;
    reference = `INC-${String(incident.number).padStart(6, "0")}`;
    for (const over of [
      { callback: "phone" as const, callbackContact: "07700 900123" },
      {
        reportChannel: "email" as const,
        callback: "email" as const,
        callbackContact: "caller-counts@example.com",
      },
      { reportChannel: "chat" as const },
    ]) {
      const added = await addCallerReport(deps(), caller(incident.id, over));
      expect(added.ok).toBe(true);
    }
    const updated = await postStakeholderUpdate(deps(), {
      incidentId,
      actor: USERS.lead,
      happening: "Our card processor is failing over.",
      customerImpact: "Card payments fail at checkout.",
      nextUpdateAt: new Date(Date.now() + 30 * 60_000),
    });
    expect(updated.ok).toBe(true);
    await eventually("the update in the stakeholder channel", async () =>
      JSON.stringify(h.slack.messagesIn(h.channels.stake)).includes("Customers affected so far: 4 callers")
        ? true
        : null,
    );
    const acked = await changeStatus(deps(), { incidentId, actor: USERS.lead, action: "acknowledge" });
    expect(acked.ok).toBe(true);
    const update = await eventually("the update at the status page", async () => hooked("update")[0] ?? null);
    expect(update.incident.callers).toBe(4);
    await eventually("the acknowledged notice with the count", async () =>
      h.slack
        .messagesIn(h.channels.stake)
        .some((m) => JSON.stringify(m).includes("Acknowledged by") && JSON.stringify(m).includes("4 callers"))
        ? true
        : null,
    );
  });

  it("/incident show answers someone not working the incident with the counts", async () => {
    const text = await commandReply(h, `show ${reference}`, { user: USERS.other, channel: h.channels.floor });
    expect(text).toContain("*Callers:* 4 (4 in the last 15 min) · 2 callbacks wanted");
    noPersonalData(text);
  });

  it("the Home tab lists the incident with its callers and callbacks to make", async () => {
    const open = await homeOf(USERS.lead);
    expect(open).toContain("4 callers · 2 callbacks wanted");
    noPersonalData(open);

    const resolved = await changeStatus(deps(), {
      incidentId,
      actor: USERS.lead,
      action: "resolve",
      resolution: { summary: "Processor failed back", closeCode: "fixed" },
    });
    expect(resolved.ok).toBe(true);
    const after = await homeOf(USERS.lead);
    const [, callbacks] = after.split("Callbacks to make");
    expect(callbacks).toContain(reference);
    expect(callbacks).toContain("4 callers · 2 callbacks to make");
    noPersonalData(after);
    // Someone who may not make them (not on the floor, not the incident's, no role) is not shown them.
    expect(await homeOf(USERS.other)).not.toContain("Callbacks to make");
  });

  it("the review facts count callers by channel and their callbacks", async () => {
    const lines = await reviewFactLines(
      deps().db,
      deps(),
      await loadIncident(deps(), incidentId),
      "document",
    );
    expect(lines.callers).toEqual(["Callers: 4 (phone 2, chat 1, email 1) · 2 callbacks to make"]);
    noPersonalData(JSON.stringify(lines));
  });

  it("the KPI report counts contacts per incident, priority and channel; its CSV has counts only", async () => {
    const other = await readyIncident(deps(), {
      title: "Chat widget slow",
      callerReference: "ACC-COUNTS-9999",
    });
    const now = Date.now();
    const period = { from: new Date(now - 3_600_000), to: new Date(now + 60_000) };
    const figures = await kpiFigures(deps().db, {
      ...period,
      timezone: deps().policy.timezone,
      asOf: new Date(),
    });
    expect(figures.callers).toMatchObject({ contacts: 5, incidents: 2, mean: 2.5, median: 2.5 });
    expect(figures.callers?.byChannel).toEqual([
      { key: "phone", count: 3 },
      { key: "chat", count: 1 },
      { key: "email", count: 1 },
    ]);
    const { bytes } = await kpiCsv(deps().db, { ...period, timezone: deps().policy.timezone });
    const [header, ...records] = bytes.toString("utf8").split("\r\n").filter(Boolean);
    const columns = header!.split(",");
    const rows = records.map((line) => {
      const fields = line.split(",");
      return Object.fromEntries(columns.map((c, i) => [c, fields[i] ?? ""]));
    });
    expect(rows.find((r) => r.reference === reference)).toMatchObject({
      callers: "4",
      callbacks_wanted: "2",
    });
    expect(rows.find((r) => r.reference?.endsWith(String(other.number)))).toMatchObject({ callers: "1" });
    noPersonalData(bytes.toString("utf8"));
  });

  it("no stakeholder channel, webhook call or process log line carries anything about who called", async () => {
    const stakeholders = [h.channels.stake, h.channels.telephony].flatMap((c) => h.slack.messagesIn(c));
    expect(stakeholders.length).toBeGreaterThan(0);
    noPersonalData(JSON.stringify(stakeholders));
    expect(hooked("resolved")[0]?.incident.callers).toBe(4);
    noPersonalData(hook.calls.map((c) => c.body).join("\n"));
    expect(lines.length).toBeGreaterThan(0);
    noPersonalData(lines.join("\n"));
  });
});
