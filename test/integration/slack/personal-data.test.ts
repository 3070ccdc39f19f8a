import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/logger.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
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
    const withCaller = h.slack.messages.filter((m) => JSON.stringify(m).includes("ACC-7734-PRIVATE"));
    expect(withCaller.length).toBeGreaterThan(0);
    expect(withCaller.every((m) => m.channel === incidentChannel.id)).toBe(true);

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
