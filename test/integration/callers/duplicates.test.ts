import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerCountsOf } from "../../../src/db/queries/caller-reports.js";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { callerReports, type IncidentRow, incidents } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { type AddCallerInput, addCallerReport } from "../../../src/services/callers.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { callerInput } from "../../helpers/callers.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { formValue } from "../../helpers/slack-payloads.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;
const { text, choice } = formValue;
/** A caller who emailed and wants an email back. */
const caller = (incidentId: string, over: Partial<AddCallerInput> = {}) =>
  callerInput(incidentId, "DUP", {
    reportChannel: "email",
    callback: "email",
    callbackContact: "caller-dup@example.com",
    ...over,
  });

/** An incident owned by the agent, with `callers` more callers than its first. */
async function owned(title: string, callers = 0) {
  const incident = await readyIncident(deps(), { title });
  await changeStatus(deps(), { incidentId: incident.id, actor: USERS.agent, action: "acknowledge" });
  for (let i = 0; i < callers; i += 1) await addCallerReport(deps(), caller(incident.id));
  return loadIncident(deps(), incident.id);
}

/** Opens the resolve form from the card and submits it; returns Slack's answer. */
async function resolveAsDuplicate(incident: IncidentRow, duplicateOf: string | null) {
  const { view } = await clickButton(h, {
    channel: incident.channelId!,
    ts: incident.summaryTs!,
    actionId: CARD_ACTION.resolve,
    value: incident.id,
  });
  return submitView(h, view!, {
    resolution_summary: text("Same outage as the master"),
    close_code: choice("duplicate"),
    ...(duplicateOf === null ? {} : { duplicate_of: text(duplicateOf) }),
  });
}

const cardOf = (i: IncidentRow) => h.slack.messagesIn(i.channelId!).find((m) => m.ts === i.summaryTs);
const callersOf = async (i: IncidentRow) => (await callerCountsOf(deps().db, i.id, new Date())).callers;

describe("resolving a duplicate merges it into its master", () => {
  it("moves the caller reports, logs the move on both, redraws both cards and says where the work continues", async () => {
    const master = await owned("Payments line down", 1);
    const duplicate = await owned("Card payments failing", 2);
    expect(await resolveAsDuplicate(duplicate, formatReference(master.number).toLowerCase())).toEqual({});

    const merged = await eventually("the duplicate to be resolved", async () => {
      const row = await loadIncident(deps(), duplicate.id);
      return row.status === "resolved" ? row : null;
    });
    expect(merged).toMatchObject({ mergedIntoId: master.id, closeCode: "duplicate" });
    expect(await callersOf(duplicate)).toBe(0);
    expect(await callersOf(master)).toBe(5);
    const moved = await deps()
      .db.select({ from: callerReports.movedFromIncidentId })
      .from(callerReports)
      .where(eq(callerReports.incidentId, master.id));
    expect(moved.filter((r) => r.from === duplicate.id)).toHaveLength(3);

    const masterRef = formatReference(master.number);
    const duplicateRef = formatReference(duplicate.number);
    const movedOn = async (i: IncidentRow) =>
      (await listLog(deps().db, i.id)).filter((e) => e.kind === "caller_reports_moved").map((e) => e.details);
    expect(await movedOn(duplicate)).toEqual([{ count: 3, to: masterRef }]);
    expect(await movedOn(master)).toEqual([{ count: 3, from: duplicateRef }]);

    const notice = await eventually("the notice in the duplicate's channel", async () =>
      h.slack.messagesIn(duplicate.channelId!).find((m) => String(m.text).includes("was a duplicate of")),
    );
    expect(String(notice.text)).toContain(
      `${duplicateRef} was a duplicate of ${masterRef}: the work continues in <#${master.channelId}>`,
    );
    expect(String(notice.text)).not.toContain("ACC-DUP-");
    await eventually("the master's card to count five callers", async () =>
      JSON.stringify(cardOf(master)?.blocks ?? []).includes("*Callers:* 5"),
    );
    const duplicateCard = await eventually(
      "the duplicate's card, resolved, to count no callers",
      async () => {
        const card = JSON.stringify(cardOf(duplicate)?.blocks ?? []);
        return /resolved/i.test(card) && !card.includes("*Callers:*") ? card : null;
      },
    );
    expect(duplicateCard).toContain(
      `*Duplicate of ${masterRef}*: the work continues in <#${master.channelId}>`,
    );
    // Its callers are the master's now: a new one is turned away to the master.
    const late = await addCallerReport(deps(), caller(duplicate.id));
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.error.message).toContain(`add the caller to ${masterRef}`);
  });

  it("refuses itself, an unknown or missing reference and a closed master, and changes nothing", async () => {
    const duplicate = await owned("Login failing", 1);
    const closed = await owned("Old outage");
    await deps()
      .db.update(incidents)
      .set({ status: "closed", closedAt: new Date() })
      .where(eq(incidents.id, closed.id));

    const cases: Array<[string | null, RegExp]> = [
      [null, /Say which incident this one duplicates/],
      ["the payments one", /like INC-000123/],
      [formatReference(duplicate.number), /cannot be a duplicate of itself/],
      ["INC-999999", /There is no INC-999999/],
      [formatReference(closed.number), /is closed/],
    ];
    for (const [reference, message] of cases) {
      const answer = await resolveAsDuplicate(duplicate, reference);
      expect(answer.response_action).toBe("errors");
      expect(answer.errors?.duplicate_of).toMatch(message);
    }
    expect(await loadIncident(deps(), duplicate.id)).toMatchObject({
      status: "acknowledged",
      mergedIntoId: null,
    });
    expect(await callersOf(duplicate)).toBe(2);
    expect(await callersOf(closed)).toBe(1);
  });

  it("refuses a cycle, and points past a master that is itself a duplicate", async () => {
    const a = await owned("Outage A");
    const b = await owned("Outage B");
    const c = await owned("Outage C");
    // A is resolved as a duplicate of B.
    const first = await changeStatus(deps(), {
      incidentId: a.id,
      actor: USERS.agent,
      action: "resolve",
      resolution: { summary: "Same as B", closeCode: "duplicate", duplicateOf: b.number },
    });
    expect(first.ok).toBe(true);

    const cycle = await resolveAsDuplicate(b, formatReference(a.number));
    expect(cycle.errors?.duplicate_of).toMatch(
      `${formatReference(a.number)} is itself a duplicate of ${formatReference(b.number)}`,
    );
    const past = await resolveAsDuplicate(c, formatReference(a.number));
    expect(past.errors?.duplicate_of).toMatch(`enter ${formatReference(b.number)} instead`);
    expect((await loadIncident(deps(), b.id)).status).toBe("acknowledged");
    expect((await loadIncident(deps(), c.id)).status).toBe("acknowledged");
  });

  it("two incidents merged into each other at once: one merge wins, the other is refused as a cycle", async () => {
    const a = await owned("Both ways A", 1);
    const b = await owned("Both ways B", 1);
    const resolve = (from: IncidentRow, to: IncidentRow) =>
      changeStatus(deps(), {
        incidentId: from.id,
        actor: USERS.agent,
        action: "resolve",
        resolution: { summary: "Same outage", closeCode: "duplicate", duplicateOf: to.number },
      });
    const outcomes = await Promise.all([resolve(a, b), resolve(b, a)]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    const refused = outcomes.find((o) => !o.ok);
    expect(refused).toMatchObject({ code: "duplicate_cycle" });
    const rows = [await loadIncident(deps(), a.id), await loadIncident(deps(), b.id)];
    expect(rows.filter((r) => r.mergedIntoId !== null)).toHaveLength(1);
    expect(rows.map((r) => r.status).sort()).toEqual(["acknowledged", "resolved"]);
    expect((await callersOf(a)) + (await callersOf(b))).toBe(4);
  });

  it("a master already resolved lists the callbacks that moved in", async () => {
    const master = await owned("Resolved master");
    const resolved = await changeStatus(deps(), {
      incidentId: master.id,
      actor: USERS.agent,
      action: "resolve",
      resolution: { summary: "Fixed", closeCode: "fixed" },
    });
    expect(resolved.ok).toBe(true);
    const duplicate = await owned("Late duplicate", 2);
    expect(await resolveAsDuplicate(duplicate, formatReference(master.number))).toEqual({});
    const listed = await eventually("the master's callback list", async () =>
      (await listLog(deps().db, master.id)).find((e) => e.kind === "callbacks_listed"),
    );
    expect(listed.details).toEqual({ count: 2 });
    expect((await callerCountsOf(deps().db, master.id, new Date())).callbacksOutstanding).toBe(2);
  });
});
