import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/logger.js";
import { LOG_FIELDS } from "../../../src/messages/ids.js";
import { type Delivery, type SocketHarness, startSocketHarness } from "../../helpers/fake-socket-mode.js";
import { USERS } from "../../helpers/harness.js";
import { appHomeOpened, logFormState, validLogForm, viewSubmission } from "../../helpers/slack-payloads.js";

/** Every line the system logs, at trace level: the privacy check reads them all. */
const lines: string[] = [];
const CALLER_REFERENCE = "ACC-77123 / 07700 900456";

let s: SocketHarness;
beforeAll(async () => {
  const logger = createLogger("trace", { write: (line: string) => void lines.push(line) });
  s = await startSocketHarness({ logger });
  await s.socketMode.waitForConnections(1);
});
afterAll(async () => {
  await s?.stop();
});

function acked(d: Delivery): Record<string, unknown> | undefined {
  if (!d.acked) throw new Error(`envelope not acknowledged: ${d.reason}`);
  return d.payload;
}

async function openModal(user: string) {
  const before = s.h.slack.views.length;
  acked(await s.command("", { user }));
  return s.h.slack.waitFor(
    () => s.h.slack.views.slice(before).find((v) => v.type === "modal" && v.user === user),
    { timeoutMs: 15_000 },
  );
}

describe("Socket Mode intake", () => {
  it("acknowledges /incident and opens the form", async () => {
    const opened = await openModal(USERS.agent);
    expect(opened.view.callback_id).toBe("log_incident_modal");
    expect(s.h.slack.callsTo("views.open").some((c) => c.ok)).toBe(true);
  });

  it("answers an invalid form inside the ack, naming the field", async () => {
    const opened = await openModal(USERS.lead);
    const answer = acked(
      await s.interactive(
        viewSubmission({ user: USERS.lead, opened, state: logFormState(validLogForm({ title: "" })) }),
      ),
    );
    expect(answer?.response_action).toBe("errors");
    expect(Object.keys((answer?.errors as Record<string, string>) ?? {})).toContain(LOG_FIELDS.title);
  });

  it("logs a valid form and says so inside the ack", async () => {
    const opened = await openModal(USERS.duty);
    const form = validLogForm({ title: "Queue phones dead", callerReference: CALLER_REFERENCE });
    const answer = acked(
      await s.interactive(viewSubmission({ user: USERS.duty, opened, state: logFormState(form) })),
    );
    expect(answer?.response_action).toBe("update");
    expect(JSON.stringify(answer?.view)).toMatch(/INC-\d{6}/);
    // The incident's own channel is the sign that the follow-up work ran too.
    await s.h.slack.waitFor(
      () => [...s.h.slack.channels.values()].find((c) => /^inc-\d{6}-queue-phones-dead/.test(c.name)),
      { timeoutMs: 20_000 },
    );
  });

  it("publishes the Home when it is opened", async () => {
    acked(await s.socketMode.deliver("events_api", appHomeOpened({ user: USERS.head })));
    const publish = await s.h.slack.waitFor(
      () => s.h.slack.callsTo("views.publish").find((c) => c.ok && c.args.user_id === USERS.head),
      { timeoutMs: 15_000 },
    );
    expect((publish.args.view as { type: string }).type).toBe("home");
  });

  it("still answers a form in flight when Slack asks to disconnect, then reconnects", async () => {
    const opened = await openModal(USERS.other);
    const form = validLogForm({ title: "Switch room flooded" });
    const accepted = s.socketMode.accepted;
    const delivery = s.interactive(viewSubmission({ user: USERS.other, opened, state: logFormState(form) }));
    // Right behind the envelope, before the form has been written to PostgreSQL and acknowledged.
    s.socketMode.disconnectAll("refresh_requested");
    const answer = acked(await delivery);
    expect(answer?.response_action).toBe("update");
    await s.h.slack.waitFor(() => s.socketMode.accepted > accepted && s.socketMode.openConnections() === 1, {
      timeoutMs: 20_000,
    });
  });

  it("sends nothing over the socket but acks", () => {
    expect(s.socketMode.strayFrames).toEqual([]);
  });
});

describe("Socket Mode logging", () => {
  it("writes no caller reference at trace level while a form carrying one goes through the socket", () => {
    // The socket's own trace lines are there (so this level was really logged), cut to a label.
    const socketLines = lines.filter((l) => l.includes('"component":"slack.socket-mode"'));
    expect(socketLines.some((l) => l.includes("Received a message on the WebSocket: [omitted"))).toBe(true);
    expect(socketLines.some((l) => l.includes("Sending a WebSocket message: [omitted"))).toBe(true);
    const leaks = lines.filter((l) => l.includes("ACC-77123") || l.includes("900456"));
    expect(leaks).toEqual([]);
  });
});
