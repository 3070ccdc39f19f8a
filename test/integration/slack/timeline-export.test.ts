import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { addNote } from "../../../src/services/notes-and-updates.js";
import { CARD_ACTION } from "../../../src/slack/ids.js";
import { loadIncident, makeIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { buttonClick } from "../../helpers/slack-payloads.js";

let h: Harness;
let incident: IncidentRow;
const CALLER = "ACC-EXPORT-77";

beforeAll(async () => {
  h = await startHarness();
  const logged = await makeIncident(h.system.deps, { title: "Timeline check", callerReference: CALLER });
  await setupCompleted(h.system.deps, logged.incident.id);
  // Enough notes for more than one page (20 entries a page).
  for (let n = 1; n <= 25; n++) {
    await addNote(h.system.deps, {
      incidentId: logged.incident.id,
      actor: USERS.agent,
      text: `Step ${n}, with "quotes", commas`,
    });
  }
  incident = await loadIncident(h.system.deps, logged.incident.id);
});
afterAll(async () => {
  await h?.stop();
});

async function reply(text: string) {
  const before = h.slack.responses.length;
  await h.command(text, { channel: incident.channelId! });
  return h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
}

describe("/incident timeline", () => {
  it("shows the log a page at a time, with a button to the next page", async () => {
    const total = (await listLog(h.system.deps.db, incident.id)).length;
    expect(total).toBeGreaterThan(25);
    const first = await reply("timeline");
    const body = JSON.stringify(first.body);
    expect(body).toContain("page 1 of 2");
    expect(body).toContain("Incident logged as");
    expect(body).not.toContain(CALLER);
    const next = (
      first.body.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    )
      .find((b) => b.type === "actions")
      ?.elements?.find((e) => e.action_id === CARD_ACTION.timelineNext);
    expect(next).toBeDefined();

    const responseUrl = h.slack.responseUrl();
    await h.action(
      buttonClick({
        user: USERS.agent,
        channel: incident.channelId!,
        messageTs: "1795000000.000001",
        actionId: CARD_ACTION.timelineNext,
        value: next!.value,
        triggerId: h.slack.issueTrigger(),
        responseUrl,
      }),
    );
    const second = await h.slack.waitFor(() => h.slack.responses.find((r) => r.url === responseUrl));
    expect(second.body.replace_original).toBe(true);
    expect(JSON.stringify(second.body)).toContain("page 2 of 2");
    expect(JSON.stringify(second.body)).toContain("Step 25");
  });

  it("answers a page past the end plainly", async () => {
    expect(JSON.stringify((await reply("timeline 9")).body)).toContain("No more entries");
  });
});

describe("/incident export", () => {
  it("uploads the log as Markdown and CSV to the incident channel and logs that it did", async () => {
    const answer = await reply("export");
    expect(String(answer.body.text)).toContain("Exported the log");
    const files = await h.slack.waitFor(() => {
      const shared = h.slack.files.filter((f) => f.channel === incident.channelId);
      return shared.length === 2 ? shared : undefined;
    });
    const markdown = files.find((f) => f.filename.endsWith(".md"))!.content.toString("utf8");
    const csv = files.find((f) => f.filename.endsWith(".csv"))!.content.toString("utf8");
    expect(markdown).toMatch(/^# INC-\d{6}/);
    expect(markdown).toContain("Step 13");
    expect(csv.split("\r\n")[0]).toBe("id,time_utc,time_local,actor,kind,description,details_json");
    expect(csv).toContain('""quotes""');
    for (const content of [markdown, csv]) expect(content).not.toContain(CALLER);
    const log = await listLog(h.system.deps.db, incident.id);
    expect(log.at(-1)).toMatchObject({ kind: "exported", actor: USERS.agent });
  });
});
