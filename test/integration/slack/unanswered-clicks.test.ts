import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { CLICK_MESSAGES } from "../../../src/slack/unanswered-clicks.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { holdLock } from "../../helpers/hold-lock.js";
import { handlersDone, handlersFinished, settled } from "../../helpers/settled.js";
import { buttonClick } from "../../helpers/slack-payloads.js";

const LATE_MS = 800;

let h: Harness;
/** A connection of the test's own, to get in the receiver's way. */
let other: postgres.Sql;
beforeAll(async () => {
  h = await startHarness({ clickLateMs: LATE_MS });
  other = postgres(h.config.databaseUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await other?.end();
  await h?.stop();
});

const deps = () => h.system.deps;

/** Clicks a card button; returns the texts of the answers that reach its response_url. */
async function click(incident: IncidentRow, actionId: string) {
  const responseUrl = h.slack.responseUrl();
  const res = await h.action(
    buttonClick({
      user: USERS.agent,
      channel: incident.channelId!,
      messageTs: incident.summaryTs!,
      actionId,
      value: incident.id,
      triggerId: h.slack.issueTrigger({ user: USERS.agent }),
      responseUrl,
    }),
  );
  expect(res.status).toBe(200);
  return () => h.slack.responses.filter((r) => r.url === responseUrl).map((r) => String(r.body.text));
}

const acknowledgements = async (incidentId: string) =>
  (await listLog(deps().db, incidentId)).filter((e) => e.kind === "status_changed");

describe("a click whose handling goes wrong after its ack", () => {
  it("is told it did not go through when the change fails, and nothing changes", async () => {
    const incident = await readyIncident(deps(), { title: "Agents cannot transfer calls" });
    // Every new log entry is refused: the change's transaction fails after the click was acked.
    await other`alter table incident_log add constraint refuse_all check (false) not valid`;
    try {
      const answers = await click(incident, CARD_ACTION.acknowledge);
      await h.slack.waitFor(() => (answers().length > 0 ? true : undefined));
      expect(answers()).toEqual([CLICK_MESSAGES.failed]);
    } finally {
      await other`alter table incident_log drop constraint refuse_all`;
    }
    expect((await loadIncident(deps(), incident.id)).status).toBe("open");

    // Pressed again once things are well, it goes through.
    const again = await click(incident, CARD_ACTION.acknowledge);
    await h.slack.waitFor(() => (again().length > 0 ? true : undefined));
    expect(again()).toHaveLength(1);
    expect(Object.values(CLICK_MESSAGES)).not.toContain(again()[0]);
    expect((await loadIncident(deps(), incident.id)).status).toBe("acknowledged");
  });

  it("is told it is still being worked on when the database is slow, then gets its answer", async () => {
    const incident = await readyIncident(deps(), { title: "Wallboard frozen" });
    const before = (await acknowledgements(incident.id)).length;
    // Another transaction holds the incident's row, so the change waits for it.
    const release = await holdLock(
      other,
      (tx) => tx`select id from incidents where id = ${incident.id} for update`,
    );
    let answers: () => string[];
    try {
      answers = await click(incident, CARD_ACTION.acknowledge);
      await h.slack.waitFor(() => (answers().length > 0 ? true : undefined), { timeoutMs: LATE_MS * 5 });
      expect(answers()).toEqual([CLICK_MESSAGES.late]);
      expect((await loadIncident(deps(), incident.id)).status).toBe("open");
    } finally {
      await release();
    }
    await h.slack.waitFor(() => (answers().length > 1 ? true : undefined));
    expect(answers()).toHaveLength(2);
    expect(Object.values(CLICK_MESSAGES)).not.toContain(answers()[1]);
    expect((await loadIncident(deps(), incident.id)).status).toBe("acknowledged");
    expect(await acknowledgements(incident.id)).toHaveLength(before + 1);
  });

  it("answers nothing more when the click is handled in time", async () => {
    const incident = await readyIncident(deps(), { title: "Queue stats late" });
    const handled = await handlersFinished(deps());
    const clickedAt = Date.now();
    const answers = await click(incident, CARD_ACTION.acknowledge);
    await h.slack.waitFor(() => (answers().length > 0 ? true : undefined));
    // The click's handler has finished, and the moment a late notice would have come has passed.
    await handlersDone(deps(), handled);
    await settled(deps(), { until: clickedAt + LATE_MS + 300 });
    expect(answers()).toHaveLength(1);
    expect(Object.values(CLICK_MESSAGES)).not.toContain(answers()[0]);
  });
});
