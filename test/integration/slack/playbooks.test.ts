import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { getOutboxByKey } from "../../../src/db/queries/outbox.js";
import { type IncidentRow, outbox, playbookTicks } from "../../../src/db/schema/index.js";
import { outboxKey } from "../../../src/delivery/purposes.js";
import { formatReference } from "../../../src/domain/reference.js";
import type { FakeMessage } from "../../../src/emulator/types.js";
import { PLAYBOOK_ACTION } from "../../../src/messages/ids.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { assignOwner } from "../../../src/services/ownership.js";
import { postPlaybookChecklist } from "../../../src/services/playbook.js";
import { recategorise } from "../../../src/services/recategorise.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, type makeIncident, readyIncident as makeReady } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { commandReply } from "../../helpers/interact.js";
import { buttonClick } from "../../helpers/slack-payloads.js";

const STEPS = ["Confirm the failure", "Check the status page", "Engage the service owner"];

/** The test policy's service_failure type, given a 3-step playbook and guidance. */
function withPlaybook(yaml: string): string {
  return yaml.replace(
    "    label: Service failure\n",
    `    label: Service failure
    guidance: A customer-facing service is down, slow or wrong.
    playbook:
      - step: ${STEPS[0]}
        guidance: Reproduce it yourself; note the time it started.
      - step: ${STEPS[1]}
        links: [https://status.example.com/payments]
      - step: ${STEPS[2]}
        guidance: Page the on-call engineer and note their ETA.
`,
  );
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ editPolicy: withPlaybook });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

const readyIncident = (overrides: Parameters<typeof makeIncident>[1] = {}) => makeReady(deps(), overrides);

const isChecklist = (m: FakeMessage) => JSON.stringify(m.blocks ?? []).includes("Playbook: ");

function checklistIn(channel: string): Promise<FakeMessage> {
  return h.slack.waitFor(() => h.slack.messagesIn(channel).find(isChecklist));
}

// biome-ignore lint/suspicious/noExplicitAny: Block Kit JSON read back from the fake Slack.
type Block = Record<string, any>;
const stepBlock = (m: FakeMessage, i: number) =>
  (m.blocks as Block[]).find((b) => b.block_id === `playbook_step_${i}`) as Block;

/** Clicks a step's button as it is in `message`; returns the response_url of the click. */
async function clickStep(
  message: FakeMessage,
  i: number,
  user: string = USERS.agent,
  actionTs?: string,
): Promise<{ responseUrl: string; actionTs: string }> {
  const responseUrl = h.slack.responseUrl();
  const ts = actionTs ?? `${(Date.now() / 1000).toFixed(6)}`;
  const payload = buttonClick({
    user,
    channel: message.channel,
    messageTs: message.ts,
    actionId: PLAYBOOK_ACTION.tick,
    value: stepBlock(message, i).accessory.value,
    triggerId: h.slack.issueTrigger({ user }),
    responseUrl,
    actionTs: ts,
  });
  const res = await h.action(payload);
  expect(res.status).toBe(200);
  return { responseUrl, actionTs: ts };
}

const replyAt = (url: string) =>
  h.slack.waitFor(() => h.slack.responses.find((r) => r.url === url)).then((r) => String(r.body.text));

const current = (m: FakeMessage) => h.slack.messagesIn(m.channel).find((x) => x.ts === m.ts)!;

const ticks = (incidentId: string) =>
  deps().db.select().from(playbookTicks).where(eq(playbookTicks.incidentId, incidentId));

const tickLog = async (incidentId: string) =>
  (await listLog(deps().db, incidentId)).filter((e) => e.kind === "playbook_step_ticked");

describe("the playbook checklist", () => {
  it("is posted once in the incident channel, after the summary card, and logged with its steps", async () => {
    const incident = await readyIncident({ title: "Payments down" });
    const checklist = await checklistIn(incident.channelId!);
    expect(Number(checklist.ts)).toBeGreaterThan(Number(incident.summaryTs));
    const blocks = JSON.stringify(checklist.blocks);
    for (const step of STEPS) expect(blocks).toContain(step);
    expect(blocks).toContain("<https://status.example.com/payments|status.example.com/payments>");
    expect(blocks).toContain("Reproduce it yourself");

    // Set-up running again (after a crash) queues nothing new.
    await postPlaybookChecklist(deps(), incident);
    await eventually("delivery recorded", async () => {
      const row = await getOutboxByKey(deps().db, outboxKey.playbook(incident.id));
      return row?.status === "sent";
    });
    expect(h.slack.messagesIn(incident.channelId!).filter(isChecklist)).toHaveLength(1);
    const posted = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "playbook_posted");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.details).toMatchObject({
      type: "service_failure",
      steps: STEPS.map((step) => expect.objectContaining({ step })),
    });
  });

  it("logs a tick with who and when, stores it and shows it; unticking is logged too; a replay changes nothing", async () => {
    const incident = await readyIncident({ title: "IVR loops" });
    const checklist = await checklistIn(incident.channelId!);
    const before = Date.now();

    const first = await clickStep(checklist, 1, USERS.agent);
    const edited = await h.slack.waitFor(() => {
      const m = current(checklist);
      return m.edited && JSON.stringify(stepBlock(m, 1)).includes("done by") ? m : undefined;
    });
    expect(stepBlock(edited, 1).text.text).toContain(`done by <@${USERS.agent}>`);
    expect(stepBlock(edited, 0).text.text).not.toContain("done by");
    expect(stepBlock(edited, 1).accessory.text.text).toBe("Undo");

    const stored = await ticks(incident.id);
    expect(stored).toEqual([expect.objectContaining({ step: 1, tickedBy: USERS.agent })]);
    const [ticked] = await tickLog(incident.id);
    expect(ticked).toMatchObject({
      actor: USERS.agent,
      details: { step: 1, text: STEPS[1], done: true },
    });
    expect(ticked!.at.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Someone else unticks it from the redrawn message.
    await clickStep(edited, 1, USERS.lead);
    await h.slack.waitFor(() => {
      const m = current(checklist);
      return stepBlock(m, 1).accessory.text.text === "Mark done" ? m : undefined;
    });
    expect(await ticks(incident.id)).toEqual([]);
    const entries = await tickLog(incident.id);
    expect(entries.map((e) => [e.actor, e.details.done])).toEqual([
      [USERS.agent, true],
      [USERS.lead, false],
    ]);

    // Slack redelivers the first click: it must not tick the step again.
    const replay = await clickStep(checklist, 1, USERS.agent, first.actionTs);
    expect(await replyAt(replay.responseUrl)).toBe("Already done.");
    expect(await ticks(incident.id)).toEqual([]);
    expect(await tickLog(incident.id)).toHaveLength(2);
    expect(stepBlock(current(checklist), 1).text.text).not.toContain("done by");
  });

  it("answers a click on a step already ticked by someone else without logging it twice", async () => {
    const incident = await readyIncident();
    const checklist = await checklistIn(incident.channelId!);
    // The lead's screen still shows the message as it was before the tick ("Mark done"); the
    // fake edits its stored message in place, so keep a copy of what the lead sees.
    const leadsCopy = structuredClone(checklist);
    await clickStep(checklist, 0, USERS.agent);
    await eventually("tick stored", async () => (await ticks(incident.id)).length === 1);
    const late = await clickStep(leadsCopy, 0, USERS.lead);
    expect(await replyAt(late.responseUrl)).toContain(`already ticked by <@${USERS.agent}>`);
    expect(await tickLog(incident.id)).toHaveLength(1);
  });

  it("refuses a tick on a closed incident and records nothing", async () => {
    const incident = await readyIncident();
    const checklist = await checklistIn(incident.channelId!);
    const base = { incidentId: incident.id, actor: USERS.lead };
    expect(
      (
        await changeStatus(deps(), {
          ...base,
          action: "resolve",
          resolution: { summary: "Fixed", closeCode: "fixed" },
        })
      ).ok,
    ).toBe(true);
    const beforeClose = structuredClone(checklist);
    expect((await changeStatus(deps(), { ...base, action: "close" })).ok).toBe(true);
    // Closing redraws the checklist without its buttons.
    await h.slack.waitFor(() => {
      const m = current(checklist);
      return m.edited && !JSON.stringify(m.blocks).includes(PLAYBOOK_ACTION.tick) ? m : undefined;
    });
    // A click from a screen that still shows the old buttons is refused.
    const click = await clickStep(beforeClose, 2);
    expect(await replyAt(click.responseUrl)).toMatch(/is closed, so its checklist can no longer change/);
    expect(await ticks(incident.id)).toEqual([]);
    expect(await tickLog(incident.id)).toEqual([]);
  });

  it("is posted when an incident is re-categorised to a type with a playbook, and only once", async () => {
    const incident = await readyIncident({ type: "complaint" });
    expect(h.slack.messagesIn(incident.channelId!).some(isChecklist)).toBe(false);
    const moved = await recategorise(deps(), {
      incidentId: incident.id,
      actor: USERS.agent,
      changes: { type: "service_failure" },
      reason: "It is the payment service failing",
    });
    expect(moved.ok).toBe(true);
    await checklistIn(incident.channelId!);
    await recategorise(deps(), {
      incidentId: incident.id,
      actor: USERS.agent,
      changes: { type: "complaint" },
      reason: "back",
    });
    await recategorise(deps(), {
      incidentId: incident.id,
      actor: USERS.agent,
      changes: { type: "service_failure" },
      reason: "and forth",
    });
    const rows = await deps()
      .db.select()
      .from(outbox)
      .where(and(eq(outbox.incidentId, incident.id), eq(outbox.purpose, "playbook")));
    expect(rows).toHaveLength(1);
    const posted = (await listLog(deps().db, incident.id)).filter((e) => e.kind === "playbook_posted");
    expect(posted).toHaveLength(1);
  });
});

const reply = (text: string, p: { user?: string; channel?: string } = {}) => commandReply(h, text, p);

describe("/incident help <type>", () => {
  it("shows the type's guidance, playbook, channels, ladder and the classification guide", async () => {
    for (const topic of ["service_failure", "Service Failure"]) {
      const text = await reply(`help ${topic}`);
      expect(text).toContain("Incident type: Service failure");
      expect(text).toContain("A customer-facing service is down");
      for (const step of STEPS) expect(text).toContain(step);
      expect(text).toContain("status.example.com/payments");
      expect(text).toContain(`<#${h.channels.stake}>`);
      expect(text).toContain(`team lead (<@${USERS.lead}>)`);
      expect(text).toContain("Service request");
      expect(text).toContain("Major or routine?");
    }
  });

  it("lists the types with their keys for an unknown topic and for `help types`", async () => {
    const unknown = await reply("help printers");
    expect(unknown).toContain("There is no incident type `printers`");
    for (const key of ["service_failure", "security_breach", "complaint", "major_outage"])
      expect(unknown).toContain(`\`${key}\``);
    const types = await reply("help types");
    expect(types).toContain("Incident types");
    expect(types).toContain("Incident, service request or complaint?");
  });

  it("keeps the general help, pointing to help <type>", async () => {
    const text = await reply("help");
    expect(text).toContain("/incident list");
    expect(text).toContain("/incident help Service failure");
  });
});

describe("/incident handover", () => {
  async function ownedIncident(): Promise<IncidentRow> {
    const incident = await readyIncident({ title: "Night shift outage" });
    const owned = await assignOwner(deps(), {
      incidentId: incident.id,
      actor: USERS.agent,
      ownerId: USERS.agent,
    });
    expect(owned.ok).toBe(true);
    return loadIncident(deps(), incident.id);
  }

  const dmsTo = (user: string) =>
    [...h.slack.channels.values()]
      .filter((c) => c.is_im && c.members.has(user))
      .flatMap((c) => h.slack.messagesIn(c.id));

  it("gives the incident to the new owner, logs it, announces it in the channel and DMs them the note", async () => {
    const incident = await ownedIncident();
    const ref = formatReference(incident.number);
    const note = "Carrier engineer on site; next update due 16:00";
    const text = await reply(`handover <@${USERS.other}|other> ${note}`, { channel: incident.channelId! });
    expect(text).toContain(`handed over to <@${USERS.other}>`);
    expect((await loadIncident(deps(), incident.id)).ownerId).toBe(USERS.other);

    const log = await listLog(deps().db, incident.id);
    expect(log.find((e) => e.kind === "handed_over")).toMatchObject({
      actor: USERS.agent,
      details: { from: USERS.agent, to: USERS.other, note },
    });
    expect(log.filter((e) => e.kind === "owner_changed").at(-1)?.details).toMatchObject({
      from: USERS.agent,
      to: USERS.other,
      via: "handover",
    });

    const announced = await h.slack.waitFor(() =>
      h.slack.messagesIn(incident.channelId!).find((m) => JSON.stringify(m.blocks).includes("Handover note")),
    );
    expect(JSON.stringify(announced.blocks)).toContain(note);
    expect(JSON.stringify(announced.blocks)).toContain(`over to <@${USERS.other}>`);
    const dm = await h.slack.waitFor(() =>
      dmsTo(USERS.other).find((m) => JSON.stringify(m.blocks).includes(ref)),
    );
    expect(JSON.stringify(dm.blocks)).toContain(note);
    expect(JSON.stringify(dm.blocks)).toContain(`<#${incident.channelId}>`);
  });

  it("works from another channel with INC-n, for a manager", async () => {
    const incident = await ownedIncident();
    const ref = formatReference(incident.number);
    const text = await reply(`handover ${ref} <@${USERS.duty}> Taking it to the duty desk`, {
      user: USERS.lead,
    });
    expect(text).toContain(`handed over to <@${USERS.duty}>`);
    expect((await loadIncident(deps(), incident.id)).ownerId).toBe(USERS.duty);
  });

  it("refuses a handover without a note, or by someone who is neither owner nor manager, and changes nothing", async () => {
    const incident = await ownedIncident();
    const noNote = await reply(`handover <@${USERS.other}>`, { channel: incident.channelId! });
    expect(noNote).toContain("A handover note is required");
    expect(noNote).toContain("/incident handover @");

    const stranger = await reply(`handover <@${USERS.other}> I'll take it from here`, {
      user: USERS.other,
      channel: incident.channelId!,
    });
    expect(stranger).toMatch(/Only the owner or a team lead/);

    const same = await reply(`handover <@${USERS.agent}> still me`, { channel: incident.channelId! });
    expect(same).toContain("already owns");

    expect((await loadIncident(deps(), incident.id)).ownerId).toBe(USERS.agent);
    const log = await listLog(deps().db, incident.id);
    expect(log.filter((e) => e.kind === "handed_over")).toEqual([]);
  });
});
