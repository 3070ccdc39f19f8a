import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clocksOf } from "../../../src/db/queries/sla-clocks.js";
import { incidents } from "../../../src/db/schema/index.js";
import { formatReference } from "../../../src/domain/reference.js";
import { ESCALATION_ACTION } from "../../../src/messages/ids.js";
import { fireClockSteps } from "../../../src/services/sla-fire.js";
import { loadIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { openHome } from "../../helpers/interact.js";
import { TEN_MINUTE_RESPOND_SLA as SLA, seedIncidents } from "../../helpers/seed.js";
import { buttonClick } from "../../helpers/slack-payloads.js";

/**
 * A manager woken by an escalation opens the App Home and finds what needs them: the incidents
 * whose ladder messaged them and nobody has acknowledged, and, on a ladder they are on, those
 * overdue. Not "Your open incidents: None. 🎉".
 */

let h: Harness;
beforeAll(async () => {
  // Role web: no worker runs, so the test alone fires the clock steps.
  h = await startHarness({
    config: { role: "web", queuePrefix: `needs-${randomBytes(4).toString("hex")}` },
    sla: SLA,
  });
});
afterAll(async () => {
  await h?.stop();
});

const deps = () => h.system.deps;

type Block = { type: string; text?: { text: string } };

const homeOf = async (user: string): Promise<Block[]> => (await openHome(h, user)).view.blocks as Block[];

/** The blocks of the "Needs you" part: from its heading to the first divider; [] without one. */
function needsYou(blocks: Block[]): Block[] {
  const start = blocks.findIndex((b) => b.type === "header" && b.text?.text === "Needs you");
  if (start < 0) return [];
  const end = blocks.findIndex((b, i) => i > start && b.type === "divider");
  return blocks.slice(start, end);
}

const rowText = (blocks: Block[], reference: string) =>
  blocks.find((b) => b.type === "section" && b.text?.text.includes(`*${reference}*`))?.text?.text;

describe("the App Home of a manager an incident was escalated to", () => {
  it("shows it under Needs you until the escalation is acknowledged; the overdue to the others on its ladder", async () => {
    const [seeded] = await seedIncidents(
      deps(),
      [
        {
          type: "service_failure",
          priority: "P1",
          loggedAt: new Date(Date.now() - 10 * 60_000 - 1_000),
          channelId: h.slack.addChannel(`needs-${randomBytes(3).toString("hex")}`),
        },
      ],
      { arm: false },
    );
    const reference = formatReference(seeded!.number);
    const respond = seeded!.clocks.find((c) => c.name === "respond")!;
    // The breach DMs the team lead; an hour unanswered, the ladder climbs to the duty manager.
    const fire = async (step: string) =>
      expect(
        await fireClockSteps(
          deps(),
          [{ clockId: respond.id, generation: respond.generation, step }],
          async () => {},
        ),
      ).toEqual(["fired"]);
    await fire("breach");
    expect((await clocksOf(deps().db, seeded!.id)).find((c) => c.name === "respond")?.nextStep).toBe(
      "escalate-1",
    );
    await fire("escalate-1");

    for (const user of [USERS.lead, USERS.duty]) {
      const blocks = await homeOf(user);
      const needs = needsYou(blocks);
      expect(rowText(needs, reference)).toMatch(/^\*Escalated to you\*: nobody has acknowledged it yet\n/);
      expect(rowText(needs, reference)).toMatch(/acknowledge (just )?overdue/);
      expect(JSON.stringify(blocks)).toContain("None that you own or reported.");
      expect(JSON.stringify(blocks)).not.toContain(":tada:");
    }
    // The head of operations is on the ladder but not messaged yet: overdue, not escalated to them.
    const head = rowText(needsYou(await homeOf(USERS.head)), reference);
    expect(head).toMatch(/acknowledge (just )?overdue/);
    expect(head).not.toContain("Escalated to you");
    // Someone on no ladder sees it in the team's list only.
    const other = await homeOf(USERS.other);
    expect(needsYou(other)).toEqual([]);
    expect(rowText(other, reference)).toMatch(/acknowledge (just )?overdue/);

    // The duty manager acknowledges from the DM: it becomes theirs, and needs nobody else.
    const responseUrl = h.slack.responseUrl();
    const res = await h.action(
      buttonClick({
        user: USERS.duty,
        channel: "D0DUTY",
        messageTs: "1700000000.000200",
        actionId: ESCALATION_ACTION.acknowledge,
        value: respond.id,
        triggerId: h.slack.issueTrigger({ user: USERS.duty }),
        responseUrl,
      }),
    );
    expect(res.status).toBe(200);
    const answer = await h.slack.waitFor(() => h.slack.responses.find((r) => r.url === responseUrl));
    expect(String(answer.body.text)).toContain(`You acknowledged ${reference}`);
    expect((await loadIncident(deps(), seeded!.id)).ownerId).toBe(USERS.duty);

    const duty = await homeOf(USERS.duty);
    expect(needsYou(duty)).toEqual([]);
    expect(rowText(duty, reference)).toBeDefined();
    expect(JSON.stringify(duty)).not.toContain("None that you own or reported.");
    for (const user of [USERS.lead, USERS.head]) expect(needsYou(await homeOf(user))).toEqual([]);
  });

  it("names the clock's own problem: an acknowledged incident's late update says stakeholders have none", async () => {
    const [seeded] = await seedIncidents(
      deps(),
      [
        {
          type: "service_failure",
          priority: "P1",
          loggedAt: new Date(Date.now() - 2 * 60 * 60_000 - 1_000),
          channelId: h.slack.addChannel(`needs-${randomBytes(3).toString("hex")}`),
        },
      ],
      { arm: false },
    );
    await deps()
      .db.update(incidents)
      .set({ status: "acknowledged", ownerId: USERS.other })
      .where(eq(incidents.id, seeded!.id));
    const reference = formatReference(seeded!.number);
    const update = seeded!.clocks.find((c) => c.name === "update_every")!;
    for (const step of ["breach", "escalate-1"])
      expect(
        await fireClockSteps(
          deps(),
          [{ clockId: update.id, generation: update.generation, step }],
          async () => {},
        ),
      ).toEqual(["fired"]);
    const row = rowText(needsYou(await homeOf(USERS.duty)), reference);
    expect(row).toMatch(/^\*Escalated to you\*: stakeholders still have no update\n/);
    expect(row).not.toContain("acknowledged");
  });
});
