import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentRow } from "../../../src/db/schema/index.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { click, form } from "../../helpers/milestone-walk.js";
import { formValue } from "../../helpers/slack-payloads.js";

const { text, choice } = formValue;

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
});
