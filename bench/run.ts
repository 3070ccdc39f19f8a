import "./lib/bench-env.js";
import { performance } from "node:perf_hooks";
import createTemplateDatabase from "../test/helpers/global-setup.js";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../test/helpers/services.js";
import { ackLatency } from "./ack-latency.js";
import { callerFlood } from "./caller-flood.js";
import { communications } from "./communications.js";
import { escalationLateness } from "./escalation-lateness.js";
import { fanOut } from "./fan-out.js";
import { intake } from "./intake.js";
import {
  BUSY_LIMIT,
  contentionLevel,
  describeLoad,
  loadBetween,
  startContention,
  startMachineLoad,
  stopMachineLoad,
  takeWindows,
} from "./lib/machine-load.js";
import { heading, machineFacts } from "./lib/report.js";
import { milestoneStorm } from "./milestones.js";
import { reportQuery } from "./report-query.js";

const BENCHMARKS: Array<{ name: string; run: () => Promise<boolean> }> = [
  { name: "ack latency", run: ackLatency },
  { name: "escalation lateness", run: escalationLateness },
  { name: "intake", run: intake },
  { name: "fan-out", run: fanOut },
  { name: "milestone storm", run: milestoneStorm },
  { name: "communications", run: communications },
  { name: "report query", run: reportQuery },
  { name: "caller flood", run: callerFlood },
];

function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port}${u.pathname}`;
}

/**
 * `npm run bench`: each benchmark in turn. A missed target prints FAIL and still exits 0; a
 * benchmark that could not run prints CRASH and the rest still run.
 */
async function main(): Promise<void> {
  const started = performance.now();
  console.log(`switchboard benchmarks — ${new Date().toISOString()}`);
  for (const line of machineFacts()) console.log(`  ${line}`);
  console.log(
    `  PostgreSQL ${safeUrl(TEST_DATABASE_URL)} (template, recreated now), Redis ${safeUrl(TEST_REDIS_URL)}`,
  );
  await createTemplateDatabase();
  const burners = contentionLevel();
  if (burners > 0) {
    console.log(
      `  BENCH_CONTENTION=${burners}: ${burners} CPU-burning process(es) run beside the measured system for the whole run; the contention targets apply (no request answered later than 2.5 s, every submission logged once or told to retry, escalation DM p99 ≤ 1 s, nothing early, missed or doubled)`,
    );
  }
  startMachineLoad();
  const stopBurners = startContention(burners);
  const verdicts: string[] = [];
  try {
    // BENCH_ONLY=ack, escalation, intake, fan, milestone, communications, report or caller runs one of them.
    const only = process.env.BENCH_ONLY?.toLowerCase();
    for (const bench of BENCHMARKS.filter((b) => !only || b.name.startsWith(only))) {
      const from = Date.now();
      // One benchmark that cannot run (e.g. its seeding overran on a starved machine) is reported
      // and the others still run.
      const outcome = await bench.run().then(
        (pass) => (pass ? "PASS" : "FAIL"),
        (err: unknown) => {
          console.log(`  CRASH  ${bench.name}: ${err instanceof Error ? err.message : String(err)}`);
          return "CRASH";
        },
      );
      const to = Date.now();
      const marked = takeWindows();
      const windows =
        marked.length > 0 ? marked : [{ label: "the whole benchmark (set-up included)", from, to }];
      let busy = false;
      for (const w of windows) {
        const load = loadBetween(w.from, w.to);
        for (const line of describeLoad(`${bench.name}: ${w.label}`, load))
          console.log(`  machine    ${line}`);
        busy ||= load !== null && load.other + load.contention > BUSY_LIMIT;
      }
      verdicts.push(`${outcome}  ${bench.name}${busy ? "  (measured on a busy machine)" : ""}`);
    }
  } finally {
    stopBurners();
    stopMachineLoad();
  }
  heading("Summary");
  for (const line of verdicts) console.log(`  ${line}`);
  console.log(`  total time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(`bench crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
