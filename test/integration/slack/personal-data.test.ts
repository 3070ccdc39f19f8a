import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { createLogger } from "../../../src/lib/logger.js";
import { CARD_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton } from "../../helpers/interact.js";
import { logFormState, validLogForm, viewSubmission } from "../../helpers/slack-payloads.js";

const CALLER = "ACC-7734-PRIVATE / 07700 900987";
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ logger: createLogger("trace", sink) });
});
afterAll(async () => {
  await h?.stop();
});

describe("the caller reference stays where it belongs", () => {
  it("reaches the incident channel only, and never a process log line, even when things fail", async () => {
    // Make a stakeholder post fail once and another fail for good, so error paths log too.
    h.slack.failNext("chat.postMessage", { status: 500, channel: h.channels.stake });
    h.slack.channels.get(h.channels.telephony)!.is_archived = true;

    await h.command("", { user: USERS.agent });
    const opened = await h.slack.waitFor(() =>
      h.slack.views.find((v) => v.type === "modal" && v.user === USERS.agent),
    );
    const res = await h.action(
      viewSubmission({
        user: USERS.agent,
        opened,
        state: logFormState(validLogForm({ callerReference: CALLER })),
      }),
    );
    const ack = (await res.json()) as { view: { blocks: unknown[] } };
    const reference = JSON.stringify(ack.view.blocks).match(/INC-\d+/)![0];

    await eventually(
      "stakeholder posts settled",
      async () => {
        const done = h.slack.messagesIn(h.channels.stake).some((m) => JSON.stringify(m).includes(reference));
        const failed = lines.some((l) => l.includes("slack post failed for good"));
        return done && failed;
      },
      { timeoutMs: 20_000 },
    );
    h.slack.channels.get(h.channels.telephony)!.is_archived = false;

    const incidentChannel = [...h.slack.channels.values()].find((c) =>
      c.name.startsWith(reference.toLowerCase()),
    )!;
    // Not even the incident channel's card shows it: it is behind "Show caller details".
    expect(h.slack.messages.filter((m) => JSON.stringify(m).includes("ACC-7734-PRIVATE"))).toEqual([]);
    const card = h.slack
      .messagesIn(incidentChannel.id)
      .find((m) => JSON.stringify(m.blocks).includes("Show caller details"));
    expect(card).toBeDefined();
    const door = (card!.blocks as Array<{ accessory?: { action_id?: string; value?: string } }>).find(
      (b) => b.accessory?.action_id === CARD_ACTION.showCallerDetails,
    );
    const incidentId = door!.accessory!.value!;
    const reveal = (user: string) =>
      clickButton(
        h,
        {
          channel: incidentChannel.id,
          ts: card!.ts,
          actionId: CARD_ACTION.showCallerDetails,
          value: incidentId,
        },
        user,
      );
    expect((await reveal(USERS.other)).text).toMatch(
      /only the reporter, the owner, or a team lead, duty manager, head of operations or DPO can see them/,
    );
    expect((await reveal(USERS.agent)).text).toContain("ACC-7734-PRIVATE");
    expect((await reveal(USERS.lead)).text).toContain("ACC-7734-PRIVATE");
    const viewed = (await listLog(h.system.deps.db, incidentId)).filter(
      (e) => e.kind === "personal_data_viewed",
    );
    expect(viewed.map((e) => e.actor)).toEqual([USERS.agent, USERS.lead]);
    expect(JSON.stringify(viewed)).not.toContain("ACC-7734-PRIVATE");

    expect(lines.length).toBeGreaterThan(10);
    expect(lines.join("")).not.toContain("ACC-7734-PRIVATE");
    expect(lines.join("")).not.toContain("900987");
  });

  it("is redacted when a whole object carrying it is logged", () => {
    const captured: string[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _e, done) {
          captured.push(String(chunk));
          done();
        },
      }),
    );
    logger.info({ input: { callerReference: CALLER, title: "t" } }, "whole input");
    logger.info({ callerReference: CALLER }, "top level");
    expect(captured.join("")).not.toContain("ACC-7734");
    expect(captured.join("")).toContain("[redacted]");
  });
});
