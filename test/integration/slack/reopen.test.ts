import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { briefingConfirmations, briefings, type IncidentRow, outbox } from "../../../src/db/schema/index.js";
import type { FakeMessage } from "../../../src/emulator/types.js";
import { CARD_ACTION, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, directMessagesTo } from "../../helpers/interact.js";
import { click, form } from "../../helpers/milestone-walk.js";
import { formValue } from "../../helpers/slack-payloads.js";

const { text, choice, when } = formValue;

describe("reopening a resolved incident", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** The pinned card once `show` holds for its blocks. */
  const cardWhen = (incident: IncidentRow, show: (blocks: string) => boolean) =>
    h.slack.waitFor(() => {
      const card = h.slack.messagesIn(incident.channelId!).find((m) => m.ts === incident.summaryTs);
      return card && show(JSON.stringify(card.blocks)) ? card : undefined;
    });
  const status = (incident: IncidentRow, s: string) =>
    eventually(`status ${s}`, async () => (await loadIncident(h.system.deps, incident.id)).status === s);

  async function resolve(incident: IncidentRow) {
    await form(
      h,
      incident,
      CARD_ACTION.resolve,
      {
        resolution_summary: text("Carrier fixed the route"),
        close_code: choice("fixed"),
        callers_now: text("Card payments work again; please try once more."),
      },
      USERS.lead,
    );
    await status(incident, "resolved");
  }

  it("says on the card who reopened it and why while it is worked again, and not once resolved", async () => {
    const incident = await readyIncident(h.system.deps, { title: "Card payments failing" });
    await click(h, incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    await form(
      h,
      incident,
      CARD_ACTION.reopen,
      { reason: text("Callers report <failures> again") },
      USERS.lead,
    );
    const card = await cardWhen(incident, (b) => b.includes("*Reopened* by"));
    const line = JSON.stringify(card.blocks);
    expect(line).toMatch(
      /\*Reopened\* by <@U0LEAD> <!date\^\d+\^[^>]*>: Callers report &lt;failures&gt; again/,
    );
    expect(line).toContain("In progress");

    await resolve(incident);
    const resolved = await cardWhen(incident, (b) => b.includes("Resolution"));
    expect(JSON.stringify(resolved.blocks)).not.toContain("*Reopened* by");
  });

  /** The briefing post in the agents' channel once `show` holds for its blocks. */
  const postWhen = (post: FakeMessage, show: (blocks: string) => boolean) =>
    h.slack.waitFor(() => {
      const now = h.slack.messagesIn(post.channel).find((m) => m.ts === post.ts);
      return now && show(JSON.stringify(now.blocks)) ? now : undefined;
    });

  it("asks the floor to be briefed again: confirmations go back to waiting, the log keeps them", async () => {
    const deps = h.system.deps;
    const incident = await readyIncident(deps, { title: "0800 number down" });
    await form(h, incident, FLOOR_ACTION.briefAgents, {
      briefing_affected: text("Our 0800 number"),
      briefing_script: text("We know about a problem with our 0800 number and are fixing it."),
      briefing_next_update: when(new Date(Date.now() + 30 * 60_000)),
    });
    const post = await h.slack.waitFor(() =>
      h.slack.messagesIn(h.channels.floor).find((m) => String(m.text).includes("Agent briefing")),
    );
    const [briefing] = await deps.db.select().from(briefings).where(eq(briefings.incidentId, incident.id));
    const teamBriefed = () =>
      clickButton(
        h,
        { channel: post.channel, ts: post.ts, actionId: FLOOR_ACTION.teamBriefed, value: briefing!.id },
        USERS.lead,
      );
    expect((await teamBriefed()).text).toContain("Floor marked as briefed");
    // Every team has confirmed: the post says so and offers no button.
    const done = await postWhen(post, (b) => b.includes("Teams briefed: 1 of 1"));
    expect(JSON.stringify(done.blocks)).not.toContain(FLOOR_ACTION.teamBriefed);
    await cardWhen(incident, (b) => b.includes("Teams briefed: 1 of 1"));

    await click(h, incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    await form(h, incident, CARD_ACTION.reopen, { reason: text("Calls failing again") }, USERS.lead);
    await status(incident, "in_progress");

    const card = JSON.stringify(
      (await cardWhen(incident, (b) => b.includes("Teams briefed: 0 of 1"))).blocks,
    );
    expect(card).toContain("team leads, brief your teams again");
    expect(card).toContain("Floor*: waiting for confirmation (<@U0LEAD>)");
    expect(card).not.toContain("briefed, confirmed by");
    const again = JSON.stringify(
      (await postWhen(post, (b) => b.includes("Teams briefed: 0 of 1") && b.includes("This is back"))).blocks,
    );
    expect(again).toContain(FLOOR_ACTION.teamBriefed);
    expect(again).toContain("We know about a problem with our 0800 number");
    expect(again).toContain("brief your teams again and press *Team briefed*");

    const rows = await deps.db
      .select()
      .from(briefingConfirmations)
      .where(eq(briefingConfirmations.briefingId, briefing!.id));
    expect(rows).toEqual([]);
    const log = await listLog(deps.db, incident.id);
    expect(log.filter((e) => e.kind === "briefing_confirmed")).toHaveLength(1);
    const cleared = log.filter((e) => e.kind === "briefing_confirmations_cleared");
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.actor).toBe(USERS.lead);
    expect(cleared[0]!.details.cleared).toEqual([
      expect.objectContaining({
        briefingId: briefing!.id,
        team: "floor",
        teamLabel: "Floor",
        lead: USERS.lead,
      }),
    ]);

    // The lead briefs the team again and confirms once more: the button goes again.
    expect((await teamBriefed()).text).toContain("Floor marked as briefed");
    const rebriefed = JSON.stringify(
      (await postWhen(post, (b) => b.includes("Teams briefed: 1 of 1"))).blocks,
    );
    expect(rebriefed).not.toContain(FLOOR_ACTION.teamBriefed);
    expect(rebriefed).toContain("this briefing applies again");
    expect(rebriefed).not.toContain("brief your teams again");
    const reconfirmed = await cardWhen(incident, (b) => b.includes("Teams briefed: 1 of 1"));
    expect(JSON.stringify(reconfirmed.blocks)).not.toContain("brief your teams again");
    expect((await listLog(deps.db, incident.id)).filter((e) => e.kind === "briefing_confirmed")).toHaveLength(
      2,
    );
  });

  /** The reporter's DMs saying the incident titled `title` is open again. */
  const reopenedDms = (title: string) =>
    directMessagesTo(h, USERS.agent).filter(
      (m) => String(m.text).includes("is open again") && String(m.text).includes(title),
    );

  it("tells the reporter once who reopened it, why, and what callers should now be told", async () => {
    const deps = h.system.deps;
    const incident = await readyIncident(deps, { title: "Card payments failing at checkout" });
    await form(h, incident, FLOOR_ACTION.briefAgents, {
      briefing_affected: text("Paying by card online"),
      briefing_script: text("We know card payments are failing and are fixing it."),
      briefing_next_update: when(new Date(Date.now() + 30 * 60_000)),
    });
    await click(h, incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    await h.slack.waitFor(() =>
      directMessagesTo(h, USERS.agent).find(
        (m) => String(m.text).includes("is resolved") && String(m.text).includes("at checkout"),
      ),
    );
    expect(reopenedDms("at checkout")).toEqual([]);

    await form(h, incident, CARD_ACTION.reopen, { reason: text("Payments failing again") }, USERS.lead);
    const dm = await h.slack.waitFor(() => reopenedDms("at checkout")[0]);
    const body = String(dm.text);
    expect(body).toContain("Card payments failing");
    expect(body).toContain("*Reopened by* <@U0LEAD>: Payments failing again");
    expect(body).toContain(
      "*Callers should now be told:* We know card payments are failing and are fixing it.",
    );
    expect(JSON.stringify(dm.blocks)).toContain(`<#${incident.channelId}>`);

    // One DM, from one outbox row, however often the delivery is retried.
    const rows = await eventually("the reopen DM delivered", async () => {
      const all = await deps.db.select().from(outbox).where(eq(outbox.incidentId, incident.id));
      const mine = all.filter((r) => r.purpose === "reporter_update" && r.dedupeKey.endsWith(":reopened"));
      return mine.length > 0 && mine.every((r) => r.status === "sent") ? mine : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(reopenedDms("at checkout")).toHaveLength(1);
  });

  it("says callers should no longer be told it is fixed when nobody briefed the floor", async () => {
    const incident = await readyIncident(h.system.deps, { title: "Web chat down" });
    await click(h, incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    await form(h, incident, CARD_ACTION.reopen, { reason: text("Chat drops again") }, USERS.lead);
    const dm = await h.slack.waitFor(() => reopenedDms("Web chat down")[0]);
    expect(String(dm.text)).toContain("Callers should no longer be told it is fixed.");
  });

  it("sends no reopen DM to a reporter who reopened it themselves", async () => {
    const incident = await readyIncident(h.system.deps, { title: "Billing page slow" });
    await click(h, incident, CARD_ACTION.acknowledge);
    await resolve(incident);
    await form(h, incident, CARD_ACTION.reopen, { reason: text("Slow again") });
    await status(incident, "in_progress");
    await cardWhen(incident, (b) => b.includes("*Reopened* by"));
    const rows = await h.system.deps.db.select().from(outbox).where(eq(outbox.incidentId, incident.id));
    expect(rows.filter((r) => r.dedupeKey.endsWith(":reopened") && r.purpose === "reporter_update")).toEqual(
      [],
    );
  });
});
