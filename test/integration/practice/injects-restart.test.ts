import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { injectsOfRun } from "../../../src/db/queries/practice.js";
import { practiceRuns } from "../../../src/db/schema/index.js";
import type { PracticeScenario } from "../../../src/domain/policy-types.js";
import { scenarioFor } from "../../../src/domain/practice-scenarios.js";
import { jobIds } from "../../../src/jobs/catalog.js";
import { sweep } from "../../../src/jobs/sweep.js";
import { logIncident } from "../../../src/services/log-incident.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { spawnWorkerProcess, writePolicyFile } from "../../helpers/worker-process.js";

let h: Harness;
let policyFile: string;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawnWorkerProcess(h, { policyFile, env: { JOB_LOCK_MS: "2000" } });
  children.push(child);
  return child;
}

beforeAll(async () => {
  // Web only: the worker runs as a separate process that the test kills mid-drill.
  h = await startHarness({ config: { role: "web" } });
  policyFile = writePolicyFile(h, "practice-restart");
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await h?.stop();
});

const deps = () => h.system.deps;

/** The built-in outage drill, with `injects` minutes of script. */
async function startDrill(minutes: number[], speed: number) {
  const base = scenarioFor(h.policy, "telephony_outage_flood") as PracticeScenario;
  const scenario: PracticeScenario = {
    ...base,
    injects: minutes.map((m, n) => ({ afterMs: m * 60_000, kind: "note", text: `Inject number ${n + 1}.` })),
  };
  const [run] = await deps()
    .db.insert(practiceRuns)
    .values({
      scenarioKey: scenario.key,
      scenario: { ...scenario } as unknown as Record<string, unknown>,
      speed,
      leadId: USERS.lead,
      traineeIds: [USERS.agent],
    })
    .returning();
  const { incident } = await logIncident(deps(), {
    title: scenario.report.title,
    description: scenario.report.description,
    type: scenario.report.type,
    reportChannel: scenario.report.channel,
    impact: "low",
    urgency: "low",
    reportedAt: new Date(),
    reporterId: USERS.agent,
    practice: { runId: run!.id, speed },
  });
  return { runId: run!.id, incidentId: incident.id };
}

const injectTexts = (channel: string) =>
  h.slack.messages
    .filter((m) => m.channel === channel && String(m.text).startsWith("PRACTICE inject"))
    .map((m) => String(m.text));

describe("a drill's injects across a worker restart", () => {
  it("arrive in order, once each, when the worker is killed mid-drill", async () => {
    let worker = startWorkerProcess();
    // At 30×: 2, 4, 6 and 8 seconds into the drill.
    const { runId, incidentId } = await startDrill([1, 2, 3, 4], 30);
    const channel = await eventually(
      "the practice channel",
      async () => (await loadIncident(deps(), incidentId)).channelId ?? undefined,
      { timeoutMs: 30_000 },
    );
    await eventually("the first inject", async () => injectTexts(channel).length >= 1 || undefined, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    worker.kill("SIGKILL");
    await new Promise((resolve) => worker.once("exit", resolve));

    worker = startWorkerProcess();
    await eventually("all four injects", async () => injectTexts(channel).length >= 4 || undefined, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const expected = [1, 2, 3, 4].map((n) => `PRACTICE inject ${n}: Inject number ${n}.`);
    expect(injectTexts(channel)).toEqual(expected);
    const rows = await injectsOfRun(deps().db, runId);
    expect(rows.every((r) => r.postedAt !== null)).toBe(true);
    // Nothing more arrives once every row says posted: no twin job posts a second time.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(injectTexts(channel)).toEqual(expected);
  }, 120_000);

  it("a lost inject job is queued again by the sweep, for its own time", async () => {
    // At 1×, the inject is due in 30 minutes: its job waits in Redis's delayed set.
    const { runId, incidentId } = await startDrill([30], 1);
    await eventually(
      "set-up",
      async () => (await loadIncident(deps(), incidentId)).setupCompletedAt ?? undefined,
      {
        timeoutMs: 30_000,
      },
    );
    const jobId = jobIds.practiceInject(runId, 0);
    const queue = deps().jobs.queue("sla");
    await eventually("the inject job", async () => (await queue.getJob(jobId)) ?? undefined);
    await deps().jobs.remove("practice.inject", jobId); // as if Redis lost it
    expect(await queue.getJob(jobId)).toBeUndefined();
    await sweep(deps(), { graceMs: 0 });
    const again = await queue.getJob(jobId);
    expect(again?.name).toBe("practice.inject");
    expect(await again?.getState()).toBe("delayed");
    const [row] = await injectsOfRun(deps().db, runId);
    expect(again!.timestamp + (again!.opts.delay ?? 0)).toBeGreaterThanOrEqual(row!.dueAt.getTime() - 1_000);
  }, 60_000);
});
