import "./lib/bench-env.js";
import { performance } from "node:perf_hooks";
import createTemplateDatabase from "../test/helpers/global-setup.js";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../test/helpers/services.js";
import { ackLatency } from "./ack-latency.js";
import { escalationLateness } from "./escalation-lateness.js";
import { fanOut } from "./fan-out.js";
import { intake } from "./intake.js";
import { heading, machineFacts } from "./lib/report.js";
import { milestoneStorm } from "./milestones.js";
import { reportQuery } from "./report-query.js";

const BENCHMARKS: Array<{ name: string; run: () => Promise<boolean> }> = [
  { name: "ack latency", run: ackLatency },
  { name: "escalation lateness", run: escalationLateness },
  { name: "intake", run: intake },
  { name: "fan-out", run: fanOut },
  { name: "milestone storm", run: milestoneStorm },
  { name: "report query", run: reportQuery },
];

function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port}${u.pathname}`;
}

/**
 * `npm run bench`: each benchmark in turn. A missed target prints FAIL and still exits 0;
 * only a crash (a benchmark that could not run) exits 1.
 */
async function main(): Promise<void> {
  const started = performance.now();
  console.log(`switchboard benchmarks — ${new Date().toISOString()}`);
  for (const line of machineFacts()) console.log(`  ${line}`);
  console.log(
    `  PostgreSQL ${safeUrl(TEST_DATABASE_URL)} (template, recreated now), Redis ${safeUrl(TEST_REDIS_URL)}`,
  );
  await createTemplateDatabase();
  const verdicts: string[] = [];
  // BENCH_ONLY=ack, escalation, intake, fan, milestone or report runs one of them.
  const only = process.env.BENCH_ONLY?.toLowerCase();
  for (const bench of BENCHMARKS.filter((b) => !only || b.name.startsWith(only))) {
    const pass = await bench.run();
    verdicts.push(`${pass ? "PASS" : "FAIL"}  ${bench.name}`);
  }
  heading("Summary");
  for (const line of verdicts) console.log(`  ${line}`);
  console.log(`  total time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(`bench crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
