import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, makeIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { spawnWorkerProcess, writePolicyFile } from "../../helpers/worker-process.js";

const SLA = `
sla:
  P1: { respond: 2s, update_every: 10m, resolve: 1h, hours: always, repeat: 1h }
  P2: { respond: 10m, update_every: 10m, resolve: 1h, hours: always, repeat: 1h }
  P3: { respond: 10m, update_every: 10m, resolve: 1h, hours: always, repeat: 1h }
  P4: { respond: 10m, update_every: 10m, resolve: 1h, hours: always, repeat: 1h }
  P5: { respond: 10m, update_every: 10m, resolve: 1h, hours: always, repeat: 1h }
`;

let h: Harness;
let policyFile: string;
const children: ChildProcess[] = [];

/** `npm start` as a worker-only process, against the harness's database, Redis and fake Slack. */
function startWorkerProcess(): ChildProcess {
  const child = spawnWorkerProcess(h, { policyFile, env: { JOB_LOCK_MS: "2000" } });
  children.push(child);
  return child;
}

beforeAll(async () => {
  // Web only: the worker runs as a separate process that the test can kill.
  h = await startHarness({ sla: SLA, config: { role: "web" } });
  policyFile = writePolicyFile(h, "crash");
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await h?.stop();
});

describe("a worker killed with SIGKILL while Slack is accepting an escalation DM", () => {
  it("does not send it twice after a restart, and misses nothing", async () => {
    let worker = startWorkerProcess();
    const { incident, reference } = await makeIncident(h.system.deps, {
      impact: "high",
      urgency: "high",
      title: "Crash drill",
    });
    // Slack stores the DM at once but answers only after 20 s: the worker is mid-call when killed.
    h.slack.failNext("chat.postMessage", { delayMs: 20_000, channel: USERS.lead });
    const dmTo = (user: string) =>
      h.slack.messages.filter(
        (m) =>
          m.channel.startsWith("D") &&
          String(m.text).includes(reference) &&
          h.slack.channels.get(m.channel)?.members.has(user),
      );
    await h.slack.waitFor(() => dmTo(USERS.lead).length > 0, { timeoutMs: 30_000 });
    worker.kill("SIGKILL");
    await new Promise((resolve) => worker.once("exit", resolve));

    worker = startWorkerProcess();
    // The new worker takes the job up again once its lock lapses, probes the DM's history,
    // finds the message carrying the outbox id, and records it instead of posting again.
    const row = await eventually(
      "the DM's outbox row to be recorded as sent",
      async () => {
        const r = await h.system.deps.db.query.outbox.findFirst({
          where: (t, { and, eq, like }) =>
            and(eq(t.incidentId, incident.id), like(t.dedupeKey, `esc:%:${USERS.lead}`)),
        });
        return r?.status === "sent" ? r : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(row?.status).toBe("sent");
    expect(row?.attempts).toBeGreaterThanOrEqual(2);
    expect(dmTo(USERS.lead)).toHaveLength(1);
    const log = await listLog(h.system.deps.db, incident.id);
    expect(log.filter((e) => e.kind === "escalation_sent")).toHaveLength(1);
    expect(log.filter((e) => e.kind === "sla_breached")).toHaveLength(1);
    // Nothing else the incident needed was lost either: its channel and card exist.
    expect((await loadIncident(h.system.deps, incident.id)).summaryTs).not.toBeNull();
  }, 90_000);
});
