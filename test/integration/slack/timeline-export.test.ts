import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { addNote } from "../../../src/services/notes-and-updates.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, makeIncident, setupCompleted } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { ISO_TIME, RAW_SLACK_ID } from "../../helpers/realistic-log.js";
import { buttonClick } from "../../helpers/slack-payloads.js";

let h: Harness;
let incident: IncidentRow;
const CALLER = "ACC-EXPORT-77";
/** A reporter with a real name, and a user who has left the workspace since writing a note. */
const DANA = "U0DANA";
const LEFT = "U0LEFT99";
const READABLE_TIME = /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{2}:\d{2} (GMT|BST)/;

beforeAll(async () => {
  h = await startHarness();
  h.slack.addUser(DANA, { name: "dana", real_name: "Dana Scully" });
  const logged = await makeIncident(h.system.deps, {
    title: "Timeline check",
    callerReference: CALLER,
    reporterId: DANA,
  });
  await setupCompleted(h.system.deps, logged.incident.id);
  // The announcements to the stakeholder channels are delivery plumbing: wait for them.
  await eventually("announcements posted", async () =>
    (await listLog(h.system.deps.db, logged.incident.id)).some((e) => e.kind === "announcement_posted"),
  );
  await addNote(h.system.deps, { incidentId: logged.incident.id, actor: LEFT, text: "Carrier called back" });
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

type Section = { type: string; text?: { text: string } };
/** What a reader sees of each entry: permalinks show as "view message", not as their URL. */
const entryTexts = (body: { blocks?: unknown }) =>
  ((body.blocks ?? []) as Section[])
    .filter((b) => b.type === "section")
    .map((b) => b.text!.text.replace(/<(https:[^|>]*)\|([^>]*)>/g, "$2"));

function expectReadable(text: string) {
  expect(text).not.toMatch(RAW_SLACK_ID);
  expect(text).not.toMatch(ISO_TIME);
  expect(text).not.toMatch(/<[@#!]/);
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

  it("shows people and channels by name and times in the policy's zone, never ids", async () => {
    const first = entryTexts((await reply("timeline")).body);
    expect(first[0]).toMatch(READABLE_TIME);
    expect(first[0]).toContain(" · Dana Scully · Incident logged as INC-");
    expect(first.join("\n")).toMatch(/Incident channel created: #inc-\d{6}-timeline-check/);
    expect(first.join("\n")).toContain(" · a former member · Note: Carrier called back");
    for (const text of first) expectReadable(text);
  });

  it("hides the delivery plumbing by default and shows it with `timeline all`", async () => {
    const plain = (await reply("timeline")).body;
    const narrative = entryTexts(plain).join("\n");
    expect(narrative).not.toContain("Posted announcement");
    expect(narrative).not.toContain("Pinned summary card");
    expect(JSON.stringify(plain.blocks)).toMatch(/\d+ delivery entr(y|ies) hidden/);

    const all = (await reply("timeline all")).body;
    expect(String(all.text)).toContain("full timeline (page 1 of 2)");
    const everything = entryTexts(all).join("\n");
    expect(everything).toContain("Posted announcement to #incident-stakeholders · view message");
    expect(everything).toContain("Pinned summary card in #inc-");
    expect(everything).toContain("Reporter Dana Scully invited to #inc-");
    for (const text of entryTexts(all)) expectReadable(text);

    const next = (all.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find(
      (b) => b.type === "actions",
    )?.elements?.[0];
    expect(JSON.parse(next!.value)).toMatchObject({ page: 2, all: true });
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
    expect(csv.split("\r\n")[0]).toBe("id,year,time,who,event,description");
    expect(csv).toContain('""quotes""');
    for (const content of [markdown, csv]) {
      expect(content).not.toContain(CALLER);
      expect(content).not.toMatch(RAW_SLACK_ID);
      expect(content).not.toMatch(ISO_TIME);
      expect(content).toMatch(READABLE_TIME);
      expect(content).toContain("Dana Scully");
      expect(content).toContain("Posted announcement to #incident-stakeholders");
    }
    const log = await listLog(h.system.deps.db, incident.id);
    expect(log.at(-1)).toMatchObject({ kind: "exported", actor: USERS.agent });
  });
});
