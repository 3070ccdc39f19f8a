import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { incidents } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { kpiCsv } from "../../../src/services/kpi-csv.js";
import { renderResponderCard } from "../../../src/services/render.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, commandReply } from "../../helpers/interact.js";

/**
 * The KPI CSV's `major` and `escalation_level` against what the incident card and the incident
 * log say about the same incidents: a P2 escalated automatically (two rungs of the ladder) and
 * then by hand, a P1 whose major flag was never set, and routine incidents with and without
 * the flag.
 */

// P2 breaches its respond clock in 2 s and climbs a rung every 3 s; the others never breach here.
const SLA = `sla:
  P1: { respond: 1h, update_every: 1h, resolve: 2h, hours: always, repeat: 1h }
  P2: { respond: 2s, update_every: 1h, resolve: 2h, hours: always, repeat: 3s }
  P3: { respond: 1h, update_every: 1h, resolve: 2h, hours: always, repeat: 1h }
  P4: { respond: 1h, update_every: 1d, resolve: 5d, hours: always, repeat: 4h }
  P5: { respond: 1d, update_every: 2d, resolve: 10d, hours: always, repeat: 1d }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sla: SLA });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

/** The CSV's records by reference, each as column → value (no field here needs quoting). */
async function csvByReference(): Promise<Map<string, Record<string, string>>> {
  const now = Date.now();
  const { bytes } = await kpiCsv(deps().db, {
    from: new Date(now - 3_600_000),
    to: new Date(now + 60_000),
    timezone: deps().policy.timezone,
  });
  const [header, ...records] = bytes.toString("utf8").split("\r\n").filter(Boolean);
  const columns = header!.split(",");
  return new Map(
    records.map((line) => {
      const fields = line.split(",");
      const record = Object.fromEntries(columns.map((c, i) => [c, fields[i] ?? ""]));
      return [record.reference!, record];
    }),
  );
}

/** What the card says: its headline carries MAJOR for a major incident. */
async function cardSaysMajor(id: string): Promise<boolean> {
  const card = await renderResponderCard(deps().db, deps().policy, await loadIncident(deps(), id));
  return card.text.includes("· MAJOR ·");
}

/** What the log says: the highest level an escalation was sent to (0 when never escalated). */
async function logLevel(id: string): Promise<number> {
  const sent = (await listLog(deps().db, id)).filter((e) => e.kind === "escalation_sent");
  return Math.max(0, ...sent.map((e) => Number((e.details as { level?: number }).level)));
}

describe("KPI CSV against the card and the log", () => {
  it("says major and escalation level as the card and the log do", async () => {
    // A P2 (major on the card, logged without the flag) left to breach and climb the ladder.
    const escalated = await readyIncident(deps(), {
      title: "Queue callbacks failing",
      impact: "high",
      urgency: "medium",
    });
    expect([escalated.priority, escalated.major]).toEqual(["P2", false]);
    const auto = await eventually(
      "two automatic escalations",
      async () => {
        const sent = (await listLog(deps().db, escalated.id)).filter((e) => e.kind === "escalation_sent");
        return sent.length >= 2 ? sent : undefined;
      },
      { timeoutMs: 15_000 },
    );
    const ack = await clickButton(h, {
      channel: escalated.channelId!,
      ts: escalated.summaryTs!,
      actionId: CARD_ACTION.acknowledge,
      value: escalated.id,
    });
    expect(ack.text).toContain("Acknowledged");
    expect(auto.map((e) => (e.details as { level: number }).level).slice(0, 2)).toEqual([1, 2]);
    // Then escalated by hand too, through the slash command in its channel.
    const reply = await commandReply(h, "escalate Callers queueing 20 minutes", {
      channel: escalated.channelId!,
      user: USERS.agent,
    });
    expect(reply).toContain("escalated to level");
    const log = await listLog(deps().db, escalated.id);
    const sent = log.filter((e) => e.kind === "escalation_sent");
    expect(sent.some((e) => (e.details as { manual?: boolean }).manual === true)).toBe(true);
    expect(sent.some((e) => (e.details as { manual?: boolean }).manual !== true)).toBe(true);
    // By hand it goes one level above the highest the ladder reached: the row and the log agree.
    const row = await loadIncident(deps(), escalated.id);
    expect(row.escalationLevel).toBe(await logLevel(escalated.id));
    expect(row.escalationLevel).toBe(3);

    // A P1 whose major flag was never set (its priority raised without it), and routine ones.
    const p1 = await readyIncident(deps(), { title: "All lines dead", impact: "high", urgency: "high" });
    await deps().db.update(incidents).set({ major: false }).where(eq(incidents.id, p1.id));
    const routine = await readyIncident(deps(), {
      title: "One agent cannot log in",
      impact: "medium",
      urgency: "medium",
    });
    const flagged = await readyIncident(deps(), {
      title: "Complaints mailbox full",
      impact: "medium",
      urgency: "medium",
    });
    await deps().db.update(incidents).set({ major: true }).where(eq(incidents.id, flagged.id));

    const csv = await csvByReference();
    const expected = [
      [escalated, true],
      [p1, true],
      [routine, false],
      [flagged, true],
    ] as const;
    for (const [incident, major] of expected) {
      const ref = formatReference(incident.number);
      const record = csv.get(ref);
      expect(record, ref).toBeDefined();
      expect(await cardSaysMajor(incident.id), ref).toBe(major);
      expect(record!.major, ref).toBe(major ? "yes" : "no");
      expect(record!.escalation_level, ref).toBe(String(await logLevel(incident.id)));
    }
    // Two rungs up automatically, then level 1 by hand: the highest is at least 2, not 1.
    expect(Number(csv.get(formatReference(escalated.number))!.escalation_level)).toBeGreaterThanOrEqual(2);
    expect(csv.get(formatReference(p1.number))!.escalation_level).toBe("0");
  });
});
