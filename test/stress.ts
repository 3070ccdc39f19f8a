/**
 * `npm run test:stress`: the integration suite beside two CPU-burning processes, so a green run
 * means the suite also passes on a loaded 2-core machine (CI sharing the box with other work).
 *
 *   npm run test:stress                        every integration file
 *   npm run test:stress -- --short             the timing-sensitive files only (CI, ≤ 4 min)
 *   STRESS_FILES="a.test.ts b.test.ts" npm run test:stress
 *   npm run test:stress -- test/integration/jobs/sla.test.ts
 *   STRESS_BURNERS=3 npm run test:stress       more burners (default 2)
 *
 * The exit code is the suite's. The burners die with this process whatever happens: each one
 * burns in 50 ms slices and exits when its IPC channel to us closes, which also covers a SIGKILL
 * of this process (no orphan spinning on the machine after a cancelled CI job).
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The files that failed on timeouts on a loaded machine (issue 20), plus the other files that
// wait on wall-clock timers (SLA ladders, pacing, sweeps, the Slack-faults and Redis drills).
const SHORT = [
  "test/integration/jobs/roundup.test.ts",
  "test/integration/jobs/sla.test.ts",
  "test/integration/jobs/pacing.test.ts",
  "test/integration/drills/redis-flush.test.ts",
  "test/integration/drills/slack-faults.test.ts",
  "test/integration/slack/modal-and-home.test.ts",
  "test/integration/slack/intake.test.ts",
  "test/integration/slack/unanswered-clicks.test.ts",
];

const BURNER = `
process.on("disconnect", () => process.exit(0));
const burn = () => { const end = Date.now() + 50; while (Date.now() < end) {} setImmediate(burn); };
burn();
`;

function filesToRun(argv: string[]): string[] {
  const args = argv.filter((a) => a !== "--short");
  if (args.length > 0) return args;
  if (argv.includes("--short")) return SHORT;
  const fromEnv = process.env.STRESS_FILES?.trim();
  return fromEnv ? fromEnv.split(/[\s,]+/) : [];
}

function startBurners(n: number): ChildProcess[] {
  const script = join(tmpdir(), `switchboard-burner-${process.pid}.cjs`);
  writeFileSync(script, BURNER);
  return Array.from({ length: n }, () => fork(script, [], { stdio: "ignore", execArgv: [] }));
}

const burners = startBurners(Number(process.env.STRESS_BURNERS ?? 2));
const stopBurners = () => {
  for (const b of burners) if (b.exitCode === null) b.kill("SIGKILL");
};
process.on("exit", stopBurners);

const files = filesToRun(process.argv.slice(2));
console.log(
  `test:stress: ${burners.length} CPU burners (pids ${burners.map((b) => b.pid).join(", ")}); ` +
    `integration suite: ${files.length > 0 ? files.join(" ") : "every file"}`,
);
const started = Date.now();
// A process group of its own, so that a cancelled run stops vitest's workers too, not only npx.
const suite = spawn("npx", ["vitest", "run", "--project", "integration", ...files], {
  stdio: "inherit",
  detached: true,
  env: {
    ...process.env,
    // Databases of its own, so the leftovers of a cancelled stress run are easy to tell apart.
    TEST_DATABASE_URL:
      process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/switchboard_stress_test",
  },
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    try {
      if (suite.pid) process.kill(-suite.pid, signal);
    } catch {
      // Already gone.
    }
    stopBurners();
    process.exit(1);
  });
}
suite.on("exit", (code, signal) => {
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `test:stress: suite ${code === 0 ? "passed" : "FAILED"} in ${seconds} s beside ${burners.length} burners`,
  );
  stopBurners();
  process.exit(code ?? (signal ? 1 : 0));
});
